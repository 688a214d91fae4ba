package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.data.ReplayDataSetIterator;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.Objects;

/**
 * Dark Experience Replay (Buzzega et al. 2020; Mammoth's {@code der.py}/{@code derpp.py}). The loss of each step
 * is {@code CE(current) + α·MSE(f(x'), z')} on a replayed minibatch (x', z') whose logits z' were stored when x'
 * was inserted (reservoir), and for DER++ ({@code β > 0}) also {@code + β·CE(f(x''), y'')} on a second,
 * independently drawn replay minibatch. The MSE term is added as a gradient contribution (see the package
 * documentation); the β term joins x'' to the minibatch with per-example weights. Requires a FIXED head (stored
 * logits have the head's width at insertion). Logits are the model's inference-mode logits right before it is
 * updated on the minibatch (identical to Mammoth's training-mode outputs for networks without dropout).
 */
public class DarkExperienceReplay extends RehearsalConfiguration {
    private static final long serialVersionUID = 1L;
    private double alpha = 0.3;
    private double beta;

    /** Defaults: reservoir of 500, replay minibatch 10, α 0.3, β 0 (DER). */
    protected DarkExperienceReplay() {
        super(new BufferConfiguration.Builder().capacity(500).build(), 10);
    }

    /** @return the weight of the logit MSE */
    public double getAlpha() {
        return alpha;
    }

    /** @return the weight of the replayed cross-entropy (0: DER, &gt; 0: DER++) */
    public double getBeta() {
        return beta;
    }

    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    @Override
    public String name() {
        return beta > 0 ? "der++" : "der";
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && alpha == ((DarkExperienceReplay) o).alpha && beta == ((DarkExperienceReplay) o).beta;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), alpha, beta);
    }

    /** Builder of {@link DarkExperienceReplay}. */
    public static final class Builder extends RehearsalConfiguration.Builder<DarkExperienceReplay, Builder> {
        /** Starts from the defaults. */
        public Builder() {
            super(new DarkExperienceReplay());
        }

        /**
         * @param alpha weight of the logit MSE, ≥ 0
         * @return this builder
         */
        public Builder alpha(double alpha) {
            if (!(alpha >= 0)) {
                throw new IllegalArgumentException("alpha should be >= 0 (got: " + alpha + ")");
            }
            c.alpha = alpha;
            return this;
        }

        /**
         * @param beta weight of the replayed cross-entropy, ≥ 0 (&gt; 0 makes it DER++)
         * @return this builder
         */
        public Builder beta(double beta) {
            if (!(beta >= 0)) {
                throw new IllegalArgumentException("beta should be >= 0 (got: " + beta + ")");
            }
            c.beta = beta;
            return this;
        }
    }

    static final class Runtime extends RehearsalRuntime {
        private final DarkExperienceReplay der;
        private SharedParameterTwin twin;
        private ReplayBatch pending;
        private long mainRows;

        Runtime(DarkExperienceReplay conf) {
            super(conf);
            this.der = conf;
        }

        @Override
        boolean storesLogits() {
            return true;
        }

        @Override
        public void beforeExperience(ContinualContext ctx, Experience experience) {
            if (ctx.configuration().getHeadPolicy() != HeadPolicy.FIXED) {
                throw new IllegalArgumentException("DER stores logits of a fixed-width head: use HeadPolicy.FIXED "
                        + "(got: " + ctx.configuration().getHeadPolicy() + ")");
            }
            if (twin == null || !twin.isFor(ctx.model())) {
                twin = SharedParameterTwin.logits(ctx.model());
            }
        }

        @Override
        public DataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience, DataSetIterator data) {
            int exp = experience.index();
            int mb = conf.getReplayBatch();
            ReplayDataSetIterator it = new ReplayDataSetIterator(data, cur -> {
                int width = (int) cur.getLabels().size(1);
                pending = der.alpha > 0 ? buffer.sample(mb, width, sampleRng) : null;
                ReplayBatch labelled = der.beta > 0 ? buffer.sample(mb, width, sampleRng) : null;
                // the current parameters' logits, computed only if the buffer keeps rows of this minibatch
                buffer.observeLazily(cur, () -> twin.output(cur.getFeatures()), exp, bufferRng);
                mainRows = cur.numExamples() + (labelled == null ? 0 : labelled.size());
                return labelled == null ? null : labelled.toDataSet();
            });
            return der.beta > 0 ? it.weighted(1.0, der.beta) : it;
        }

        @Override
        public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
            return List.of(new BaseTrainingListener() {
                @Override
                public void onGradientCalculation(Model model) {
                    if (pending == null) {
                        return;
                    }
                    ReplayBatch p = pending;
                    pending = null;
                    INDArray g = twin.gradient(p.features(), p.logits());
                    // DL4J divides the summed gradient by the main batch's rows; the MSE is a mean over its own rows
                    model.getGradientsViewArray().addi(g.mul(der.alpha * mainRows / p.size()));
                }
            });
        }
    }
}
