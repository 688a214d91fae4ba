package io.github.dl4jcontinual.plugin;

import io.github.dl4jcontinual.eval.MetricRow;
import io.github.dl4jcontinual.scenario.Experience;

import java.util.List;

/**
 * A measurement of the model on the test stream after every experience: the trainer's class-IL and task-IL
 * accuracy ({@link io.github.dl4jcontinual.eval.AccuracyMetric}), a plugin's extra classifier (iCaRL's
 * nearest-mean-of-exemplars head), iTAML's task prediction with test-time adaptation, retrieval recall. Each row
 * it returns becomes a row of a named {@link io.github.dl4jcontinual.eval.AccuracyMatrix} in the run's
 * {@link io.github.dl4jcontinual.eval.ContinualResult} (key {@code name() + "." + row}, or just the row for an
 * unnamed metric), its scalars the result's named scalars. Called on the trainer's thread; it must not train the
 * model (copies may be adapted).
 */
public interface StreamMetric {

    /** @return a short, stable name prefixing the metric's matrices (e.g. "nme"); empty for the trainer's own */
    String name();

    /**
     * @param ctx  the trainer's context (model, seen classes, the class-IL classes allowed)
     * @param test the test experiences, in stream order
     * @return one entry per test experience for each named row; experiences it cannot score are undefined
     */
    MetricRow evaluate(ContinualContext ctx, List<Experience> test);

    /**
     * @return whether the metric is also evaluated before the first experience (the baseline of forward transfer);
     *         false by default
     */
    default boolean hasBaseline() {
        return false;
    }
}
