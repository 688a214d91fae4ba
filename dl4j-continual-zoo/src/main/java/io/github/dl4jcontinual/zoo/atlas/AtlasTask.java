package io.github.dl4jcontinual.zoo.atlas;

import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * One task of a mixed-modality ATLAS stream (task-incremental: the task is known at test time). Its inputs are the
 * frozen image tower's hidden features ({@link AtlasImageSide#hidden}), {@code [n, H]}, labels one-hot over the
 * task's own C classes. An {@link Kind#IMAGE} task is classified by its own linear head on the (adapted) image
 * embedding; an {@link Kind#IMAGE_TEXT} task picks, for each image, the right caption among the captions of its C
 * class names (scaled cosine between the adapted image embedding and the adapted text-tower embedding of each
 * caption, CLIP-style). Immutable; the data sets are copied.
 */
public final class AtlasTask {
    /** The task's modality. */
    public enum Kind {
        /** Image-only classification with a task head. */
        IMAGE,
        /** Image-text matching: the right class-name caption among the task's candidates. */
        IMAGE_TEXT
    }

    private final String name;
    private final Kind kind;
    private final List<String> classNames;
    private final DataSet train;
    private final DataSet test;

    /**
     * @param name       a label for reports
     * @param kind       the modality
     * @param classNames the C class names, index = label column (used as captions by IMAGE_TEXT tasks; their
     *                   number fixes C for IMAGE tasks)
     * @param train      training features {@code [n, H]} and one-hot labels {@code [n, C]}
     * @param test       test features and labels, same layout
     * @throws IllegalArgumentException if C &lt; 2, the label widths differ from C or the feature widths differ
     */
    public AtlasTask(String name, Kind kind, List<String> classNames, DataSet train, DataSet test) {
        this.name = Objects.requireNonNull(name, "name");
        this.kind = Objects.requireNonNull(kind, "kind");
        if (classNames == null || classNames.size() < 2) {
            throw new IllegalArgumentException("Task " + name + " needs at least 2 class names (got: " + classNames
                    + ")");
        }
        this.classNames = Collections.unmodifiableList(new ArrayList<>(classNames));
        for (DataSet d : Arrays.asList(train, test)) {
            Objects.requireNonNull(d, "data of task " + name);
            if (d.getLabels().rank() != 2 || d.getLabels().size(1) != classNames.size()) {
                throw new IllegalArgumentException("Task " + name + ": labels should be [n, " + classNames.size()
                        + "] (one column per class name), got " + Arrays.toString(d.getLabels().shape()));
            }
            if (d.getFeatures().rank() != 2 || d.numExamples() == 0) {
                throw new IllegalArgumentException("Task " + name + ": features should be a non-empty [n, H] matrix "
                        + "(got " + Arrays.toString(d.getFeatures().shape()) + ")");
            }
        }
        if (train.getFeatures().size(1) != test.getFeatures().size(1)) {
            throw new IllegalArgumentException("Task " + name + ": train features have width "
                    + train.getFeatures().size(1) + " but test features " + test.getFeatures().size(1));
        }
        this.train = new DataSet(train.getFeatures().dup(), train.getLabels().dup());
        this.test = new DataSet(test.getFeatures().dup(), test.getLabels().dup());
    }

    public String name() {
        return name;
    }

    public Kind kind() {
        return kind;
    }

    /** The class names (C of them). */
    public List<String> classNames() {
        return classNames;
    }

    /** C. */
    public int numClasses() {
        return classNames.size();
    }

    /** Training data (do not modify). */
    public DataSet train() {
        return train;
    }

    /** Test data (do not modify). */
    public DataSet test() {
        return test;
    }

    @Override
    public String toString() {
        return name + " (" + kind + ", " + classNames.size() + " classes, " + train.numExamples() + " train / "
                + test.numExamples() + " test)";
    }
}
