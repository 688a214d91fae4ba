package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ContinualContext;

import java.io.Serializable;

/**
 * Runtime side shared by the strategies that edit the gradient in {@code onGradientCalculation} against gradients
 * of the episodic memory (A-GEM, GEM): a twin network sharing the model's parameters, re-made when the model
 * changes (e.g. a grown head), and the number of projected gradients, kept in the checkpointed state.
 */
abstract class GradientProjectionRuntime extends RehearsalRuntime {
    /** The twin computing memory gradients; valid for the current model after {@link #twinFor}. */
    protected ContinualModel.Twin twin;
    /** Gradients projected so far in the stream. */
    protected long projections;

    GradientProjectionRuntime(RehearsalConfiguration conf) {
        super(conf);
    }

    /** Makes {@link #twin} share the parameters of the context's current model. */
    void twinFor(ContinualContext ctx) {
        if (twin == null || !twin.isFor(ctx.model())) {
            twin = ctx.model().twin(null, null);
        }
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
