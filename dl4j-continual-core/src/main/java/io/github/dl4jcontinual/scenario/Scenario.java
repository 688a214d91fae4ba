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

    Scenario(String name, ScenarioType type, ExperienceStream train, ExperienceStream test, int[] classOrder,
             int numClasses) {
        this(name, type, train, test, classOrder, numClasses, numClasses);
    }

    Scenario(String name, ScenarioType type, ExperienceStream train, ExperienceStream test, int[] classOrder,
             int numClasses, int sourceLabelWidth) {
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
