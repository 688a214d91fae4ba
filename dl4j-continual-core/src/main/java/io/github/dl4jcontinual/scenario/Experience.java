package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.InMemoryDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * One unit of non-stationarity: the examples of some classes (class-/task-incremental) or of one input
 * distribution (domain-incremental).
 *
 * <p>An experience exposes only what a learner may see while training on it: its own classes and the classes
 * seen so far ({@link #seenClasses()}), never future ones. Labels are one-hot over the scenario's
 * {@link #numClasses()} relabelled ids (arrival order). Instances are immutable; the underlying arrays are
 * shared between callers and must not be modified.</p>
 */
public final class Experience {
    private final String streamName;
    private final int index;
    private final int taskId;
    private final int[] classes;
    private final int[] seen;
    private final DataSet data;
    private final DataSetPreProcessor transform;

    Experience(String streamName, int index, int taskId, int[] classes, int[] seen, DataSet data,
               DataSetPreProcessor transform) {
        if (data.numExamples() == 0) {
            throw new IllegalArgumentException("Experience " + index + " of the " + streamName + " stream (classes "
                    + Arrays.toString(classes) + ") has no examples");
        }
        this.streamName = streamName;
        this.index = index;
        this.taskId = taskId;
        this.classes = classes.clone();
        this.seen = seen.clone();
        this.data = data;
        this.transform = transform;
    }

    /** @return the position of this experience in its stream (0-based) */
    public int index() {
        return index;
    }

    /** @return "train" or "test" */
    public String streamName() {
        return streamName;
    }

    /** @return the task id, present only in task-incremental scenarios */
    public OptionalInt taskId() {
        return taskId < 0 ? OptionalInt.empty() : OptionalInt.of(taskId);
    }

    /** @return the (relabelled) class ids of this experience, ascending */
    public List<Integer> classes() {
        return Collections.unmodifiableList(Arrays.stream(classes).boxed().collect(Collectors.toList()));
    }

    /** @return the (relabelled) classes of experiences 0..index(), ascending */
    public List<Integer> seenClasses() {
        return Collections.unmodifiableList(Arrays.stream(seen).boxed().collect(Collectors.toList()));
    }

    /** @return the class ids of this experience as a fresh array */
    public int[] classArray() {
        return classes.clone();
    }

    /** @return the classes seen up to and including this experience, as a fresh array */
    public int[] seenClassArray() {
        return seen.clone();
    }

    /** @return the number of examples */
    public int numExamples() {
        return data.numExamples();
    }

    /** @return the number of input features per example (transforms keep it) */
    public long numFeatures() {
        return data.getFeatures().size(1);
    }

    /** @return the label width (the scenario's number of classes) */
    public int numClasses() {
        return (int) data.getLabels().size(1);
    }

    /** @return the input transform of a domain-incremental experience (e.g. a pixel permutation), or null */
    public DataSetPreProcessor transform() {
        return transform;
    }

    /**
     * A fresh iterator over this experience, with its input transform (if any) installed as pre-processor.
     *
     * @param batchSize minibatch size
     * @param shuffle   whether to shuffle (again on each reset)
     * @param seed      shuffle seed
     * @return a new iterator; callers that add their own pre-processor must keep {@link #transform()} first
     */
    public DataSetIterator iterator(int batchSize, boolean shuffle, long seed) {
        InMemoryDataSetIterator it = new InMemoryDataSetIterator(data, batchSize, shuffle, seed);
        it.setPreProcessor(transform);
        return it;
    }

    /**
     * The examples with the input transform applied.
     *
     * @return without a transform, the shared (read-only) data; with one, a transformed copy
     */
    public DataSet dataSet() {
        if (transform == null) {
            return data;
        }
        DataSet copy = data.copy();
        transform.preProcess(copy);
        return copy;
    }

    @Override
    public String toString() {
        return streamName + " experience " + index + " (classes " + Arrays.toString(classes) + ", "
                + numExamples() + " examples" + (taskId >= 0 ? ", task " + taskId : "") + ")";
    }
}
