package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Runtime side of the strategies whose step is one joined forward/backward through {@link DerJointLoss} on the
 * classification output (DER, DER++, MIR): the loss is installed for each experience and the user's put back after
 * it; in a boundary-free run it is installed when the trainer hands over a segment of the stream
 * ({@link #installForSegment}) and put back at the end of that pass ({@link #segmentEnd}), so that evaluations and
 * checkpoints between segments see the user's loss.
 */
abstract class JointLossRuntime extends RehearsalRuntime {
    private final OutputLossSwap loss;
    private final String requirement;

    /**
     * @param conf        the strategy's configuration
     * @param requirement why the strategy needs a fixed head, for the message (e.g. "DER stores logits of")
     */
    JointLossRuntime(RehearsalConfiguration conf, String requirement) {
        super(conf);
        this.loss = new OutputLossSwap(conf.name().toUpperCase(java.util.Locale.ROOT));
        this.requirement = requirement;
    }

    /**
     * @param base the user's loss
     * @return the joined loss wrapping it
     */
    abstract DerJointLoss jointLoss(ILossFunction base);

    /** Called before the user's loss is put back (DER offers its last rows to the buffer). */
    void beforeRestore() {
    }

    private void installLoss(ContinualContext ctx) {
        if (ctx.configuration().getHeadPolicy() != HeadPolicy.FIXED) {
            throw new IllegalArgumentException(requirement + " a fixed-width head: use HeadPolicy.FIXED (got: "
                    + ctx.configuration().getHeadPolicy() + ")");
        }
        loss.install(ctx.model(), this::jointLoss);
    }

    /** In a boundary-free run (no {@code beforeExperience}): installs the loss for the segment handed over. */
    void installForSegment(ContinualContext ctx) {
        if (ctx.configuration().isBoundaryFree()) {
            installLoss(ctx);
        }
    }

    /**
     * @param ctx the context
     * @return a listener putting the user's loss back at the end of a boundary-free segment's pass
     */
    TrainingListener segmentEnd(ContinualContext ctx) {
        return new BaseTrainingListener() {
            @Override
            public void onEpochEnd(Model m) {
                if (ctx.configuration().isBoundaryFree()) {
                    beforeRestore();
                    loss.restore();
                }
            }
        };
    }

    @Override
    public void beforeExperience(ContinualContext ctx, Experience experience) {
        installLoss(ctx);
    }

    @Override
    public void afterExperience(ContinualContext ctx, Experience experience) {
        beforeRestore();
        loss.restore();
        super.afterExperience(ctx, experience);
    }

    @Override
    public void onStreamEnd(ContinualContext ctx) {
        loss.restore();
    }
}
