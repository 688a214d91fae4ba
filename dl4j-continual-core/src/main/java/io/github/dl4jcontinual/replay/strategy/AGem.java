package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.replay.selection.RandomSelection;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Averaged GEM (Chaudhry et al. 2019): before every update, the minibatch gradient g is compared with a
 * reference gradient g_ref of the model's own loss on {@code replayBatch} examples drawn from the episodic memory;
 * if {@code g·g_ref < 0} it is projected to {@code g − (g·g_ref / g_ref·g_ref) g_ref}. Implemented as a DL4J
 * {@code onGradientCalculation} listener; g_ref comes from a twin network sharing the model's parameters. The
 * default memory is experience-balanced with random selection (filled at the end of each experience), so the
 * reference gradient only covers past experiences.
 */
public class AGem extends RehearsalConfiguration {
    private static final long serialVersionUID = 1L;

    /** Defaults: experience-balanced memory of 500 (random selection), reference batch 128. */
    protected AGem() {
        super(new BufferConfiguration.Builder().type(BufferConfiguration.Type.EXPERIENCE_BALANCED).capacity(500)
                .selection(new RandomSelection()).build(), 128);
    }

    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    @Override
    public String name() {
        return "agem";
    }

    /** Builder of {@link AGem}. */
    public static final class Builder extends RehearsalConfiguration.Builder<AGem, Builder> {
        /** Starts from the defaults. */
        public Builder() {
            super(new AGem());
        }
    }

    static final class Runtime extends GradientProjectionRuntime {
        Runtime(RehearsalConfiguration conf) {
            super(conf);
        }

        @Override
        public void beforeExperience(ContinualContext ctx, Experience experience) {
            twinFor(ctx);
        }

        @Override
        public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
            int width = ctx.headSize();
            return List.of(new BaseTrainingListener() {
                @Override
                public void onGradientCalculation(Model model) {
                    ReplayBatch ref = buffer.sample(conf.getReplayBatch(), width, sampleRng);
                    if (ref == null) {
                        return;
                    }
                    INDArray g = model.getGradientsViewArray();
                    INDArray r = twin.gradient(ref.toMultiDataSet());
                    double dot = g.mul(r).sumNumber().doubleValue();
                    if (dot < 0) {
                        double rr = r.mul(r).sumNumber().doubleValue();
                        if (rr > 0) {
                            g.subi(r.mul(dot / rr));
                            projections++;
                        }
                    }
                }
            });
        }
    }
}
