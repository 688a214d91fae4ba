package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;

import java.util.Arrays;

/**
 * CTP (compatible momentum contrast + topology preservation, Zhu et al., ICCV 2023) as a plugin of the continual
 * trainer, and the plain dual encoder its VL baselines share ({@link Builder#plain()}: ITA only = SeqF; add core's
 * regularisation or replay plugins for EWC / MAS / RWalk / ER; {@link Builder#lwf},
 * {@link Builder#featureDistillation} and {@link Builder#cosineProjections} are the contrastive terms of LwF, iCaRL and LUCIR). Immutable; JSON round trip through the trainer's
 * {@code ContinualConfiguration} ({@code "@class"}).
 *
 * <p>Defaults are the release's constants and docs/ctp.md §4–5: embedding 128, text adapter bottleneck 64, queue
 * 1024, m = 0.9 (task 0: EMA 0.995), α = ½, τ = 0.07 (topology), initial temperature 0.07 (learnable, clamped to
 * [1/100, 1/2]), loss weights ITA, CMC, MD, TPX, TPS all 1, AdamW (DL4J {@code Adam} + {@code WeightDecay} 0.05)
 * with a per-iteration cosine 1e-3 → 1e-5 restarted per experience (a new optimiser per experience); LwF and
 * feature distillation off (weight 0), plain projections.</p>
 */
public final class CtpConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;

    private int embedDim = 128;
    private int adapterBottleneck = 64;
    private int queueSize = 1024;
    private double momentum = 0.9;
    private double initMomentum = 0.995;
    private double alpha = 0.5;
    private double tau = 0.07;
    private double initTemperature = 0.07;
    private double[] weights = {1, 1, 1, 1, 1};
    private double learningRate = 1e-3;
    private double minLearningRate = 1e-5;
    private double weightDecay = 0.05;
    private double lwf;
    private double featureDistillation;
    private boolean cosineProjections;

    private CtpConfiguration() {
        // for Jackson and the Builder
    }

    @Override
    public ContinualPlugin instantiate() {
        return new CtpPlugin(this);
    }

    /** @return "ctp", or "dual-encoder" for the model without CTP's momentum and topology terms */
    @Override
    public String name() {
        return usesMomentum() || usesTopology() ? "ctp" : "dual-encoder";
    }

    /** @return whether a topology term (TPX or TPS) has a weight &gt; 0 */
    public boolean usesTopology() {
        return weights[3] > 0 || weights[4] > 0;
    }

    /** @return whether the momentum model and the queues are used (CMC or MD weight &gt; 0) */
    public boolean usesMomentum() {
        return weights[1] > 0 || weights[2] > 0;
    }

    /**
     * @return whether the previous-task reference model is used (TPX, TPS, LwF or feature distillation weight
     * &gt; 0)
     */
    public boolean usesReference() {
        return usesTopology() || lwf > 0 || featureDistillation > 0;
    }

    /** @return λ of the contrastive LwF term (0: off) */
    public double getLwf() {
        return lwf;
    }

    /** @return whether LUCIR's feature distillation is on (weight &gt; 0) */
    public boolean usesFeatureDistillation() {
        return featureDistillation > 0;
    }

    /** @return λ of LUCIR's 1 − cos feature distillation (0: off) */
    public double getFeatureDistillation() {
        return featureDistillation;
    }

    /** @return whether both projections are LUCIR's cosine-normalised linear layers */
    public boolean isCosineProjections() {
        return cosineProjections;
    }

    /** @return the embedding width d */
    public int getEmbedDim() {
        return embedDim;
    }

    /** @return the text adapter's bottleneck */
    public int getAdapterBottleneck() {
        return adapterBottleneck;
    }

    /** @return the capacity of each feature queue */
    public int getQueueSize() {
        return queueSize;
    }

    /** @return m of the compatible momentum update (tasks after the first) */
    public double getMomentum() {
        return momentum;
    }

    /** @return the EMA momentum of the first task */
    public double getInitMomentum() {
        return initMomentum;
    }

    /** @return α, the share of the current model in the compatible target */
    public double getAlpha() {
        return alpha;
    }

    /** @return the fixed temperature of the topology terms */
    public double getTau() {
        return tau;
    }

    /** @return the initial contrastive temperature */
    public double getInitTemperature() {
        return initTemperature;
    }

    /** @return λ of ITA, CMC, MD, TPX, TPS (a copy) */
    public double[] getWeights() {
        return weights.clone();
    }

    /** @return the learning rate at the start of each experience */
    public double getLearningRate() {
        return learningRate;
    }

    /** @return the learning rate at the end of each experience */
    public double getMinLearningRate() {
        return minLearningRate;
    }

    /** @return the decoupled weight decay coefficient (DL4J {@code WeightDecay}, times the learning rate) */
    public double getWeightDecay() {
        return weightDecay;
    }

    /**
     * @param json from {@link #toJson()}
     * @return the configuration
     * @throws IllegalArgumentException if the JSON holds another plugin configuration
     */
    public static CtpConfiguration fromJson(String json) {
        PluginConfiguration p = ContinualJson.fromJson(json, PluginConfiguration.class);
        if (!(p instanceof CtpConfiguration)) {
            throw new IllegalArgumentException("The JSON holds a " + p.getClass().getName() + ", not a "
                    + "CtpConfiguration");
        }
        return (CtpConfiguration) p;
    }

    /** Checked builder: each setter names a bad value. */
    public static final class Builder extends JsonConfiguration.Builder<CtpConfiguration> {
        /** Starts from the defaults. */
        public Builder() {
            super(new CtpConfiguration());
        }

        private static double positive(String name, double v) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(name + " should be a finite number > 0 (got: " + v + ")");
            }
            return v;
        }

        private static double fraction(String name, double v) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException(name + " should be in [0, 1] (got: " + v + ")");
            }
            return v;
        }

        /** The plain dual encoder (ITA only): SeqF, and the base of the regularisation and replay baselines. */
        public Builder plain() {
            return weights(1, 0, 0, 0, 0);
        }

        /**
         * @param ita in-batch contrast
         * @param cmc momentum contrast against the queues
         * @param md  momentum distillation
         * @param tpx cross-modal topology preservation
         * @param tps intra-modal topology preservation
         * @return this
         */
        public Builder weights(double ita, double cmc, double md, double tpx, double tps) {
            double[] w = {ita, cmc, md, tpx, tps};
            String[] n = {"ita", "cmc", "md", "tpx", "tps"};
            for (int i = 0; i < 5; i++) {
                if (!(w[i] >= 0) || Double.isInfinite(w[i])) {
                    throw new IllegalArgumentException("The " + n[i] + " weight should be a finite number >= 0 (got: "
                            + w[i] + ")");
                }
            }
            c.weights = w;
            return this;
        }

        /** @param d embedding width (&gt;= 1) @return this */
        public Builder embedDim(int d) {
            c.embedDim = requireAtLeast("embedDim", d, 1);
            return this;
        }

        /** @param b text adapter bottleneck (&gt;= 1) @return this */
        public Builder adapterBottleneck(int b) {
            c.adapterBottleneck = requireAtLeast("adapterBottleneck", b, 1);
            return this;
        }

        /** @param n queue capacity (&gt;= 1) @return this */
        public Builder queueSize(int n) {
            c.queueSize = requireAtLeast("queueSize", n, 1);
            return this;
        }

        /** @param m compatible momentum in [0, 1] @return this */
        public Builder momentum(double m) {
            c.momentum = fraction("momentum", m);
            return this;
        }

        /** @param m first-task EMA momentum in [0, 1] @return this */
        public Builder initMomentum(double m) {
            c.initMomentum = fraction("initMomentum", m);
            return this;
        }

        /** @param a α in [0, 1] @return this */
        public Builder alpha(double a) {
            c.alpha = fraction("alpha", a);
            return this;
        }

        /** @param t topology temperature &gt; 0 @return this */
        public Builder tau(double t) {
            c.tau = positive("tau", t);
            return this;
        }

        /** @param t initial contrastive temperature in [0.01, 0.5] @return this */
        public Builder initTemperature(double t) {
            if (!(t >= 0.01 && t <= 0.5)) {
                throw new IllegalArgumentException("initTemperature should be in [0.01, 0.5] (the clamp of the "
                        + "learnable scale, 1/100 .. 1/2) (got: " + t + ")");
            }
            c.initTemperature = t;
            return this;
        }

        /**
         * @param start learning rate at the start of each experience (&gt; 0)
         * @param end   at its end (&gt; 0, at most start)
         * @return this
         */
        public Builder learningRate(double start, double end) {
            positive("learning rate", start);
            positive("final learning rate", end);
            if (end > start) {
                throw new IllegalArgumentException("The final learning rate " + end + " should not exceed the "
                        + "initial " + start);
            }
            c.learningRate = start;
            c.minLearningRate = end;
            return this;
        }

        /** @param wd decoupled weight decay &gt;= 0 @return this */
        public Builder weightDecay(double wd) {
            if (!(wd >= 0) || Double.isInfinite(wd)) {
                throw new IllegalArgumentException("weightDecay should be a finite number >= 0 (got: " + wd + ")");
            }
            c.weightDecay = wd;
            return this;
        }

        /**
         * LwF for the dual encoder: ½[KL(softmax(v_ref/τ) ‖ softmax(v/τ)) + KL(same for w)] over the unnormalised
         * projections (their dimensions as logits, τ = {@link #tau}) against the model at the start of the
         * experience; experience 0 has no reference and no term.
         *
         * @param w its weight, finite and &gt;= 0 (0: off)
         * @return this
         */
        public Builder lwf(double w) {
            c.lwf = requireNonNegative("lwf", w);
            return this;
        }

        /**
         * LUCIR's feature distillation: ½[mean(1 − cos(h_v, h_v,ref)) + mean(1 − cos(h_w, h_w,ref))] over the
         * towers' features (the image tower's output, the input of {@value CtpPlugin#IMG_PROJ}, and the text
         * adapter's output) against the model at the start of the experience.
         *
         * @param w its weight, finite and &gt;= 0 (0: off)
         * @return this
         */
        public Builder featureDistillation(double w) {
            c.featureDistillation = requireNonNegative("featureDistillation", w);
            return this;
        }

        /**
         * @param on whether both projections are cosine-normalised (LUCIR): the tower feature and each output
         *           unit's weight vector are L2-normalised, no bias; LUCIR's learnable scale σ is left out because
         *           every term and the evaluation L2-normalise the projections, which cancels it
         * @return this
         */
        public Builder cosineProjections(boolean on) {
            c.cosineProjections = on;
            return this;
        }

        /** @return the configuration */
        public CtpConfiguration build() {
            if (c.weights[0] == 0 && c.weights[1] == 0) {
                throw new IllegalArgumentException("At least one contrastive term (ITA or CMC) needs a weight > 0 "
                        + "(got weights " + Arrays.toString(c.weights) + ")");
            }
            return super.build();
        }
    }
}
