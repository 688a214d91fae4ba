package io.github.dl4jcontinual.replay.strategy;

import java.io.Serializable;

/**
 * Runtime side shared by the strategies that edit the gradient in {@code onGradientCalculation} against gradients
 * of the episodic memory (A-GEM, GEM), computed by the rehearsal runtime's twin network (re-made when the model
 * changes, e.g. a grown head): the number of projected gradients, kept in the checkpointed state.
 */
abstract class GradientProjectionRuntime extends RehearsalRuntime {
    /** Gradients projected so far in the stream. */
    protected long projections;

    GradientProjectionRuntime(RehearsalConfiguration conf) {
        super(conf);
    }

    @Override
    Serializable extraState() {
        return projections;
    }

    @Override
    void restoreExtraState(Serializable extra) {
        projections = (Long) extra;
    }

    /** @return how many gradients were projected so far */
    long projections() {
        return projections;
    }
}
