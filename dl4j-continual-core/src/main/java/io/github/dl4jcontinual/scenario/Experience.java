package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.ExampleSource;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * One unit of non-stationarity: the examples of some classes (class-/task-incremental) or of one input
 * distribution (domain-incremental).
 *
 * <p>An experience does not hold its examples: it holds positions in a source ({@link ExampleSource}: in-memory
 * data, a {@code DataSetIterator}, a {@code MultiDataSetIterator} or a DataVec reader) and reads them whenever it is
 * iterated, so a stream can be larger than memory. Examples may have any rank ({@code [N, F]}, {@code [N, F, T]},
 * {@code [N, C, H, W]}) and any number of inputs and outputs; one output (the classification output) carries the
 * classes, one-hot over the scenario's {@link #numClasses()} relabelled ids (arrival order).</p>
 *
 * <p>An experience exposes only what a learner may see while training on it: its own classes and the classes seen
 * so far ({@link #seenClasses()}), never future ones. Instances are immutable and may be iterated any number of
 * times; two iterators over the same source read in order cannot run at once.</p>
 */
public final class Experience {
    /** The default size of the shuffle buffer of sources read in order. */
    public static final int DEFAULT_SHUFFLE_BUFFER = 10_000;

    private final String streamName;
    private final int index;
    private final int taskId;
    private final int[] classes;
    private final int[] seen;
    private final int numClasses;
    private final int classOutput;
    private final long[][] exampleShape;
    private final ExperienceData data;

    Experience(String streamName, int index, int taskId, int[] classes, int[] seen, int numClasses, int classOutput,
               long[][] exampleShape, ExperienceData data) {
        if (data.numExamples == 0) {
            throw new IllegalArgumentException("Experience " + index + " of the " + streamName + " stream (classes "
                    + Arrays.toString(classes) + ") has no examples");
        }
        if (data.numExamples > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Experience " + index + " has " + data.numExamples + " examples; at most "
                    + Integer.MAX_VALUE + " are supported");
        }
        this.streamName = streamName;
        this.index = index;
        this.taskId = taskId;
        this.classes = classes.clone();
        this.seen = seen.clone();
        this.numClasses = numClasses;
        this.classOutput = classOutput;
        this.exampleShape = exampleShape;
        this.data = data;
    }

    /**
     * An experience outside any scenario, e.g. this month's data for {@code ContinualTrainer.learn}: all examples of
     * the source, labels as they are (no relabelling: the label width is the model's class space). Its position in
     * the stream is assigned by the trainer that learns it. The source is indexed once now.
     *
     * @param source               the examples
     * @param classificationOutput the output whose labels carry the classes (0 for a single-output network)
     * @return the experience
     * @throws IllegalArgumentException on bad labels or features, naming the example
     */
    public static Experience of(ExampleSource source, int classificationOutput) {
        return of("train", source, classificationOutput);
    }

    /**
     * @param streamName           "train" or "test"
     * @param source               the examples
     * @param classificationOutput the output whose labels carry the classes
     * @return an experience over every example of the source (see {@link #of(ExampleSource, int)})
     */
    public static Experience of(String streamName, ExampleSource source, int classificationOutput) {
        SourceIndex idx = SourceIndex.scan(source, streamName, classificationOutput);
        int[] all = new int[idx.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        int[] present = idx.present();
        ExperienceData d = new ExperienceData(List.of(new ExperienceData.Part(source, all, null, null,
                classificationOutput, idx.classOf)), DEFAULT_SHUFFLE_BUFFER);
        return new Experience(streamName, -1, -1, present, present, idx.labelWidth, classificationOutput,
                idx.exampleShape, d);
    }

    /**
     * Rows held in memory (e.g. a buffer's contents a plugin trains on), labels already in the scenario's ids.
     *
     * @param data                 the rows (kept by reference, not modified)
     * @param classificationOutput the output whose labels carry the classes
     * @param index                the experience's position
     * @return the experience
     */
    public static Experience inMemory(MultiDataSet data, int classificationOutput, int index) {
        Experience e = of("train", ExampleSource.of(data), classificationOutput);
        return e.at(index, e.seen);
    }

    /**
     * The union of experiences (e.g. the cumulative baseline's data): its examples are those of all of them, its
     * classes their union, its index and seen classes those of the last one, its task id theirs if they share one.
     * Experiences of one source merge into one selection; iterating a union of several sources mixes them in a
     * seeded random order. An example several of them hold is in the union once.
     *
     * @param experiences at least one experience, all of one label width and classification output
     * @return the union
     */
    public static Experience union(List<Experience> experiences) {
        if (experiences.isEmpty()) {
            throw new IllegalArgumentException("The union of no experiences is empty");
        }
        if (experiences.size() == 1) {
            return experiences.get(0);
        }
        Experience last = experiences.get(experiences.size() - 1);
        TreeSet<Integer> cls = new TreeSet<>();
        List<ExperienceData.Part> parts = new ArrayList<>();
        int task = experiences.get(0).taskId;
        for (Experience e : experiences) {
            if (e.numClasses != last.numClasses || e.classOutput != last.classOutput) {
                throw new IllegalArgumentException("Cannot unite experiences of " + e.numClasses + " and "
                        + last.numClasses + " classes (or different classification outputs)");
            }
            Arrays.stream(e.classes).forEach(cls::add);
            parts.addAll(e.data.parts);
            if (e.taskId != task) {
                task = -1;
            }
        }
        return new Experience(last.streamName, last.index, task, cls.stream().mapToInt(Integer::intValue).toArray(),
                last.seen, last.numClasses, last.classOutput, last.exampleShape,
                new ExperienceData(merged(parts), last.data.shuffleBuffer));
    }

    /**
     * Parts of one source with one transform and relabelling merge into one selection: a source read in order into
     * one ascending part (one pass per epoch); a random-access source keeps the parts in order, each without the
     * positions an earlier one already has. Either way an example is in a union once.
     */
    private static List<ExperienceData.Part> merged(List<ExperienceData.Part> parts) {
        List<ExperienceData.Part> out = new ArrayList<>();
        for (ExperienceData.Part p : parts) {
            List<Integer> same = new ArrayList<>();
            for (int i = 0; i < out.size(); i++) {
                ExperienceData.Part q = out.get(i);
                if (q.source == p.source && q.transform == p.transform && Arrays.equals(q.classOrder, p.classOrder)
                        && q.classOutput == p.classOutput) {
                    same.add(i);
                }
            }
            if (same.isEmpty()) {
                out.add(p);
            } else if (!p.source.randomAccess()) {
                int at = same.get(0);
                ExperienceData.Part q = out.get(at);
                int[] pos = java.util.stream.IntStream.concat(Arrays.stream(q.positions), Arrays.stream(p.positions))
                        .sorted().distinct().toArray();
                out.set(at, q.with(pos));
            } else {
                java.util.Set<Integer> have = new java.util.HashSet<>();
                for (int i : same) {
                    Arrays.stream(out.get(i).positions).forEach(have::add);
                }
                int[] fresh = Arrays.stream(p.positions).filter(q -> !have.contains(q)).toArray();
                if (fresh.length > 0) {
                    out.add(fresh.length == p.positions.length ? p : p.with(fresh));
                }
            }
        }
        return out;
    }

    /**
     * This experience placed at a position of a stream: the same examples with another index and seen classes
     * (the trainer's view of an experience given to it on its own).
     *
     * @param index the position
     * @param seen  the classes seen up to and including it
     * @return an experience sharing this one's data
     */
    public Experience at(int index, int[] seen) {
        return new Experience(streamName, index, taskId, classes, seen, numClasses, classOutput, exampleShape, data);
    }

    /**
     * @param bufferSize examples the shuffle buffer of a source read in order holds (≥ 1)
     * @return this experience with that shuffle buffer
     */
    public Experience withShuffleBuffer(int bufferSize) {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("The shuffle buffer should hold at least 1 example (got: " + bufferSize
                    + ")");
        }
        return new Experience(streamName, index, taskId, classes, seen, numClasses, classOutput, exampleShape,
                new ExperienceData(data.parts, bufferSize));
    }

    /**
     * The examples of some of this experience's classes, read from the same source (no example is read now).
     *
     * @param relabelled class ids (as {@link #classes()} gives them)
     * @return an experience over those examples (same index, seen classes and task id), or one with no parts if none
     * @throws IllegalArgumentException if none of its examples has those classes
     */
    public Experience ofClasses(int... relabelled) {
        java.util.Set<Integer> want = new java.util.HashSet<>();
        Arrays.stream(relabelled).forEach(want::add);
        List<ExperienceData.Part> parts = new ArrayList<>();
        for (ExperienceData.Part p : data.parts) {
            int[] pos = Arrays.stream(p.positions).filter(q -> want.contains(p.relabelled(q))).toArray();
            if (pos.length > 0) {
                parts.add(p.with(pos));
            }
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("Experience " + index + " has no examples of classes "
                    + Arrays.toString(relabelled) + " (its classes: " + Arrays.toString(classes) + ")");
        }
        int[] cls = Arrays.stream(classes).filter(want::contains).toArray();
        return new Experience(streamName, index, taskId, cls, seen, numClasses, classOutput, exampleShape,
                new ExperienceData(parts, data.shuffleBuffer));
    }

    /**
     * @return the (relabelled) class of every example in the unshuffled order (from the index; nothing is read)
     */
    public int[] classIdsInOrder() {
        int[] out = new int[numExamples()];
        int k = 0;
        for (ExperienceData.Part p : data.parts) {
            for (int q : p.positions) {
                out[k++] = p.relabelled(q);
            }
        }
        return out;
    }

    /**
     * Some examples as an experience of their own, read from the same source (nothing is read now), e.g. the
     * training part after a validation split.
     *
     * @param indices distinct indices in [0, numExamples()) of the unshuffled order
     * @return an experience over those examples, in ascending order (same index, classes, seen classes)
     */
    public Experience subset(int[] indices) {
        int[] sorted = Arrays.stream(indices).sorted().distinct().toArray();
        if (sorted.length == 0) {
            throw new IllegalArgumentException("A subset needs at least one example");
        }
        if (sorted[0] < 0 || sorted[sorted.length - 1] >= data.numExamples) {
            throw new IndexOutOfBoundsException("Indices must be in [0, " + data.numExamples + ")");
        }
        List<ExperienceData.Part> parts = new ArrayList<>();
        long offset = 0;
        int k = 0;
        for (ExperienceData.Part p : data.parts) {
            List<Integer> mine = new ArrayList<>();
            while (k < sorted.length && sorted[k] < offset + p.positions.length) {
                mine.add(p.positions[(int) (sorted[k] - offset)]);
                k++;
            }
            if (!mine.isEmpty()) {
                parts.add(p.with(mine.stream().mapToInt(Integer::intValue).toArray()));
            }
            offset += p.positions.length;
        }
        return new Experience(streamName, index, taskId, classes, seen, numClasses, classOutput, exampleShape,
                new ExperienceData(parts, data.shuffleBuffer));
    }

    /**
     * @param relabelled a class id
     * @return how many of this experience's examples have it (from the index; nothing is read)
     */
    public int count(int relabelled) {
        int n = 0;
        for (ExperienceData.Part p : data.parts) {
            for (int q : p.positions) {
                if (p.relabelled(q) == relabelled) {
                    n++;
                }
            }
        }
        return n;
    }

    /**
     * Some examples, read now: those at the given indices of this experience's unshuffled order (the order of
     * {@code iterator(b, false, s)}), e.g. the exemplars a selection policy picked. Only these rows are kept.
     *
     * @param indices indices in [0, numExamples()), any order
     * @return the rows in the order of {@code indices}, relabelled and transformed as the iterator gives them
     */
    public MultiDataSet rows(int[] indices) {
        if (indices.length == 0) {
            throw new IllegalArgumentException("No rows asked for");
        }
        long[] offsets = new long[data.parts.size() + 1];
        for (int i = 0; i < data.parts.size(); i++) {
            offsets[i + 1] = offsets[i] + data.parts.get(i).positions.length;
        }
        List<ExperienceData.Part> parts = new ArrayList<>();
        List<int[]> picked = new ArrayList<>();
        for (int pi = 0; pi < data.parts.size(); pi++) {
            ExperienceData.Part p = data.parts.get(pi);
            java.util.TreeSet<Integer> mine = new java.util.TreeSet<>();
            for (int idx : indices) {
                if (idx < 0 || idx >= data.numExamples) {
                    throw new IndexOutOfBoundsException("Row " + idx + " is outside the " + data.numExamples
                            + " examples of " + this);
                }
                if (idx >= offsets[pi] && idx < offsets[pi + 1]) {
                    mine.add((int) (idx - offsets[pi]));
                }
            }
            int[] local = mine.stream().mapToInt(Integer::intValue).toArray();
            if (local.length > 0) {
                parts.add(p.with(Arrays.stream(local).map(l -> p.positions[l]).toArray()));
                final long offset = offsets[pi];
                picked.add(Arrays.stream(local).map(l -> (int) (l + offset)).toArray());
            }
        }
        Experience sub = new Experience(streamName, index, taskId, classes, seen, numClasses, classOutput,
                exampleShape, new ExperienceData(parts, data.shuffleBuffer));
        // the sub-experience yields its rows in ascending index order; reorder them as asked
        int[] ascending = picked.stream().flatMapToInt(Arrays::stream).toArray();
        MultiDataSet all = null;
        MultiDataSetIterator it = sub.iterator(Math.max(1, ascending.length), false, 0);
        while (it.hasNext()) {
            MultiDataSet b = it.next();
            all = all == null ? b : io.github.dl4jcontinual.data.Batches.concat(all, b);
        }
        java.util.Map<Integer, Integer> at = new java.util.HashMap<>();
        for (int i = 0; i < ascending.length; i++) {
            at.put(ascending[i], i);
        }
        int[] order = Arrays.stream(indices).map(at::get).toArray();
        return io.github.dl4jcontinual.data.Batches.rows(all, order);
    }

    /** @return the position of this experience in its stream (0-based), -1 if it belongs to none yet */
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
        return (int) data.numExamples;
    }

    /** @return the label width of the classification output (the scenario's number of classes) */
    public int numClasses() {
        return numClasses;
    }

    /** @return the index of the output whose labels carry the classes */
    public int classificationOutput() {
        return classOutput;
    }

    /** @return the number of input arrays of a minibatch */
    public int numInputs() {
        return exampleShape.length;
    }

    /**
     * @param input an input index
     * @return the shape of one example of that input (e.g. {@code [784]}, {@code [1, 28, 28]}, {@code [28, 28]});
     *         -1 where the source's minibatches differ (e.g. sequence length)
     */
    public long[] exampleShape(int input) {
        return exampleShape[input].clone();
    }

    /** @return the input transform of a domain-incremental experience (e.g. a pixel permutation), or null */
    public MultiDataSetPreProcessor transform() {
        return data.transform();
    }

    /** @return a description of where the examples are read from */
    public String describeSource() {
        return data.bySource().keySet().stream().map(ExampleSource::describe).collect(Collectors.joining(" + "));
    }

    /**
     * A fresh iterator over this experience, reading its source(s). Sources with random access are shuffled by
     * position (again on each reset); sources read in order are read once per epoch through a seeded shuffle
     * buffer of {@link #withShuffleBuffer} examples. The input transform (if any) is applied before the iterator's
     * own pre-processor.
     *
     * @param batchSize minibatch size
     * @param shuffle   whether to shuffle (again on each reset)
     * @param seed      shuffle seed
     * @return a resettable iterator whose {@code asyncSupported()} is false
     */
    public MultiDataSetIterator iterator(int batchSize, boolean shuffle, long seed) {
        return ExperienceIterators.of(data, batchSize, shuffle, seed);
    }

    @Override
    public String toString() {
        return streamName + " experience " + index + " (classes " + Arrays.toString(classes) + ", "
                + numExamples() + " examples" + (taskId >= 0 ? ", task " + taskId : "") + ")";
    }

    ExperienceData data() {
        return data;
    }
}
