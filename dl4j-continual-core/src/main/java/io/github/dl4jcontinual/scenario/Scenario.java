package io.github.dl4jcontinual.scenario;

import java.util.Arrays;
import java.util.List;

/**
 * A continual-learning benchmark: a train and a test {@link ExperienceStream} over one class timeline.
 *
 * <p>Class ids inside the scenario are relabelled in order of arrival (0..numClasses-1);
 * {@link #originalClassId(int)} maps them back to the dataset's ids. Immutable; safe to share between
 * trainers. Build one with {@link ClassIncrementalScenario.Builder} or {@link DomainIncrementalScenario}.</p>
 */
public final class Scenario {
    private final String name;
    private final ScenarioType type;
    private final ExperienceStream train;
    private final ExperienceStream test;
    private final int[] classOrder;
    private final int numClasses;
    private final int sourceLabelWidth;
    private final List<String> classNames;

    Scenario(String name, ScenarioType type, ExperienceStream train, ExperienceStream test, int[] classOrder,
             int numClasses) {
        this(name, type, train, test, classOrder, numClasses, numClasses);
    }

    Scenario(String name, ScenarioType type, ExperienceStream train, ExperienceStream test, int[] classOrder,
             int numClasses, int sourceLabelWidth) {
        this(name, type, train, test, classOrder, numClasses, sourceLabelWidth, List.of());
    }

    Scenario(String name, ScenarioType type, ExperienceStream train, ExperienceStream test, int[] classOrder,
             int numClasses, int sourceLabelWidth, List<String> classNames) {
        checkNames(classNames, sourceLabelWidth);
        if (sourceLabelWidth < numClasses) {
            throw new IllegalArgumentException("The source's labels have " + sourceLabelWidth + " columns, fewer "
                    + "than the scenario's " + numClasses + " classes");
        }
        for (ExperienceStream stream : List.of(train, test)) {
            for (Experience e : stream) {
                if (e.taskId().isPresent() != (type == ScenarioType.TASK_INCREMENTAL)) {
                    throw new IllegalArgumentException("Experience " + e.index() + " of the " + stream.name()
                            + " stream of the " + type + " scenario " + name + (e.taskId().isPresent()
                            ? " has task id " + e.taskId().getAsInt() + ": only a TASK_INCREMENTAL scenario has task ids"
                            : " has no task id: a TASK_INCREMENTAL scenario needs one on every experience"));
                }
            }
        }
        this.name = name;
        this.type = type;
        this.train = train;
        this.test = test;
        this.classOrder = classOrder.clone();
        this.numClasses = numClasses;
        this.sourceLabelWidth = sourceLabelWidth;
        this.classNames = List.copyOf(classNames);
    }

    static void checkNames(List<String> names, int width) {
        java.util.Objects.requireNonNull(names, "classNames");
        if (!names.isEmpty() && names.size() != width) {
            throw new IllegalArgumentException(names.size() + " class names for labels of " + width + " columns: "
                    + "give one name per label column (dataset class id), or none");
        }
        for (int i = 0; i < names.size(); i++) {
            if (names.get(i) == null) {
                throw new IllegalArgumentException("Class name " + i + " is null");
            }
        }
    }

    /**
     * @return the dataset's class names by class id (index = label column, {@link #sourceLabelWidth()} of them),
     *         unmodifiable; empty when the scenario has none (they come from
     *         {@link ClassIncrementalScenario.Builder#classNames}, a DataVec reader's labels, or
     *         {@link #withClassNames})
     */
    public List<String> classNames() {
        return classNames;
    }

    /**
     * @param relabelled a class id inside the scenario
     * @return its name, or the dataset's class id as text when the scenario has no names
     */
    public String className(int relabelled) {
        int id = originalClassId(relabelled);
        return classNames.isEmpty() ? Integer.toString(id) : classNames.get(id);
    }

    /**
     * @param names one name per label column (dataset class id), or empty for none
     * @return this scenario (same streams) with those class names
     * @throws IllegalArgumentException if there is not one name per label column or a name is null
     */
    public Scenario withClassNames(List<String> names) {
        return new Scenario(name, type, train, test, classOrder, numClasses, sourceLabelWidth, names);
    }

    /** @return a human-readable name, e.g. "split-mnist" */
    public String name() {
        return name;
    }

    /** @return class-, task- or domain-incremental */
    public ScenarioType type() {
        return type;
    }

    /** @return the training stream */
    public ExperienceStream trainStream() {
        return train;
    }

    /** @return the test stream */
    public ExperienceStream testStream() {
        return test;
    }

    /**
     * @return the number of classes of the scenario (relabelled 0..numClasses-1): the width of the labels it
     *         yields, which a fixed output layer must match
     */
    public int numClasses() {
        return numClasses;
    }

    /**
     * @return the number of label columns of the dataset the scenario was built from; wider than
     *         {@link #numClasses()} when some of its classes have no examples (the scenario keeps only the classes
     *         it uses, {@link #classOrder()})
     */
    public int sourceLabelWidth() {
        return sourceLabelWidth;
    }

    /** @return the dataset's class ids in arrival order (index = relabelled id) */
    public int[] classOrder() {
        return classOrder.clone();
    }

    /**
     * @param relabelled a class id inside the scenario
     * @return the dataset's original class id
     */
    public int originalClassId(int relabelled) {
        if (relabelled < 0 || relabelled >= classOrder.length) {
            throw new IllegalArgumentException("Class id " + relabelled + " is out of range [0, " + classOrder.length
                    + ")");
        }
        return classOrder[relabelled];
    }

    @Override
    public String toString() {
        return name + " (" + type + ", " + train.size() + " train / " + test.size() + " test experiences, "
                + numClasses + " classes, order " + Arrays.toString(classOrder) + ")";
    }
}
