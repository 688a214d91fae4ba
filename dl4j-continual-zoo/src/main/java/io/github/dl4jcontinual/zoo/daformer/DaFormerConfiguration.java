package io.github.dl4jcontinual.zoo.daformer;

import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Objects;

/**
 * DAFormer (Wang et al., "Dual-Attention Transformers for Class-Incremental Learning: A Tale of Two Memories") as a
 * plugin of {@link io.github.dl4jcontinual.trainer.ContinualTrainer}: the immutable, JSON-serialisable
 * ({@code @class}) configuration of {@link DaFormerPlugin}. The network is the user's: a
 * {@code ComputationGraph} with at least one attention block (DL4J's {@code SelfAttentionLayer},
 * {@code LearnedSelfAttentionLayer}, self-attention {@code AttentionVertex}, or the zoo's {@code TransformerBlock});
 * its last one becomes the dual-attention block. Use it with a FIXED head whose classifier has one output per class
 * of the scenario; the trainer's epochs, batch size and the network's own updater drive the training.
 *
 * <pre>{@code
 * ContinualTrainer.wrap(vit, new ContinualConfiguration.Builder().headPolicy(HeadPolicy.FIXED)
 *         .plugin(new DaFormerConfiguration.Builder().edition(DaFormerConfiguration.Edition.M).build()).build())
 *     .fit(scenario);
 * }</pre>
 *
 * <p>Defaults are the recipe of docs/daformer.md at the Split-Fashion-MNIST CPU budget: edition M, 500 herded
 * exemplars, logit distillation on, divergence head weight 0.1, KNN distillation weight 1 (k 5, τ 0.1), 10 epochs of
 * balanced fine-tuning at learning rate 1e-3.</p>
 */
public final class DaFormerConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;

    /** Which key memory. */
    public enum Edition {
        /** One shared set of sample-agnostic keys for all tasks; every task head reads the same embedding. */
        S,
        /** One set of sample-agnostic keys per task; head τ reads task τ's embedding. */
        M
    }

    private Edition edition = Edition.M;
    private int memorySize = 500;
    private boolean distillation = true;
    private double divergenceWeight = 0.1;
    private double knnWeight = 1.0;
    private int knnK = 5;
    private double knnTemperature = 0.1;
    private int fineTuneEpochs = 10;
    private double fineTuneLearningRate = 1e-3;
    private String attentionLayer;
    private int numTokens;
    private IUpdater updater;

    /** For Jackson; use the {@link Builder}. */
    private DaFormerConfiguration() {
    }

    @Override
    public ContinualPlugin instantiate() {
        return new DaFormerPlugin(this);
    }

    @Override
    public String name() {
        return "daformer-" + edition.name().toLowerCase(java.util.Locale.ROOT) + (knnWeight > 0 ? "" : "-noknn");
    }

    /** @return S or M */
    public Edition getEdition() {
        return edition;
    }

    /** @return the exemplar budget over all seen classes (herded, equal share per class); 0 for none */
    public int getMemorySize() {
        return memorySize;
    }

    /** @return whether the old classes' logits are distilled from the previous model (weight λ = n_old / n_all) */
    public boolean isDistillation() {
        return distillation;
    }

    /** @return the divergence head's loss weight, 0 for none */
    public double getDivergenceWeight() {
        return divergenceWeight;
    }

    /** @return the KNN invariant distillation's weight, 0 for none */
    public double getKnnWeight() {
        return knnWeight;
    }

    /** @return the neighbours of the KNN term */
    public int getKnnK() {
        return knnK;
    }

    /** @return the temperature of the KNN term */
    public double getKnnTemperature() {
        return knnTemperature;
    }

    /** @return epochs of balanced fine-tuning on the memory after every experience but the first, 0 for none */
    public int getFineTuneEpochs() {
        return fineTuneEpochs;
    }

    /** @return the learning rate of the network's updater during balanced fine-tuning */
    public double getFineTuneLearningRate() {
        return fineTuneLearningRate;
    }

    /** @return the attention vertex that becomes the dual-attention block; null for the last one found by type */
    public String getAttentionLayer() {
        return attentionLayer;
    }

    /** @return the tokens of a DL4J attention layer's sequence when the graph's input types do not say; 0: from them */
    public int getNumTokens() {
        return numTokens;
    }

    /** @return the updater of the layers the plugin adds; null for the replaced attention layer's own (a copy) */
    public IUpdater getUpdater() {
        return updater == null ? null : updater.clone();
    }

    /**
     * @param json JSON written by {@link #toJson()}
     * @return the configuration
     * @throws IllegalArgumentException on invalid JSON or JSON of another plugin
     */
    public static DaFormerConfiguration fromJson(String json) {
        PluginConfiguration p = ContinualJson.fromJson(json, PluginConfiguration.class);
        if (!(p instanceof DaFormerConfiguration)) {
            throw new IllegalArgumentException("The JSON describes a " + p.getClass().getName()
                    + ", not a DaFormerConfiguration");
        }
        return (DaFormerConfiguration) p;
    }

    /** @return a builder starting from these values */
    public Builder toBuilder() {
        return new Builder((DaFormerConfiguration) copy());
    }

    @Override
    public String toString() {
        return "DAFormer-" + edition + "(memory=" + memorySize + ", distillation=" + distillation + ", div="
                + divergenceWeight + ", knn=" + knnWeight + " k=" + knnK + " t=" + knnTemperature + ", fine-tune="
                + fineTuneEpochs + "x lr " + fineTuneLearningRate
                + (attentionLayer != null ? ", attention=" + attentionLayer : "")
                + (numTokens > 0 ? ", tokens=" + numTokens : "") + (updater != null ? ", updater=" + updater : "")
                + ")";
    }

    /** Builder; every value has a default. Setters refuse a bad value naming it. */
    public static final class Builder extends JsonConfiguration.Builder<DaFormerConfiguration> {
        /** Starts from the defaults. */
        public Builder() {
            this(new DaFormerConfiguration());
        }

        private Builder(DaFormerConfiguration start) {
            super(start);
        }

        private static int positive(String what, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " should be > 0 (got: " + v + ")");
            }
            return v;
        }

        private static int nonNegative(String what, int v) {
            if (v < 0) {
                throw new IllegalArgumentException(what + " should be >= 0 (got: " + v + ")");
            }
            return v;
        }

        private static double nonNegative(String what, double v) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(what + " should be a finite value >= 0 (got: " + v + ")");
            }
            return v;
        }

        private static double positive(String what, double v) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(what + " should be a finite value > 0 (got: " + v + ")");
            }
            return v;
        }

        /** @param e S (one shared key set) or M (one per task; default) @return this builder */
        public Builder edition(Edition e) {
            c.edition = Objects.requireNonNull(e, "edition");
            return this;
        }

        /** @param n exemplar budget over all seen classes, herded (default 500; 0: no memory) @return this builder */
        public Builder memorySize(int n) {
            c.memorySize = nonNegative("memorySize", n);
            return this;
        }

        /** @param on logit distillation from the previous model (default on) @return this builder */
        public Builder distillation(boolean on) {
            c.distillation = on;
            return this;
        }

        /** @param w divergence-head loss weight, 0 = off (default 0.1) @return this builder */
        public Builder divergenceWeight(double w) {
            c.divergenceWeight = nonNegative("divergenceWeight", w);
            return this;
        }

        /** @param w KNN invariant distillation weight, 0 = off (default 1) @return this builder */
        public Builder knnWeight(double w) {
            c.knnWeight = nonNegative("knnWeight", w);
            return this;
        }

        /** @param k neighbours of the KNN term (default 5) @return this builder */
        public Builder knnK(int k) {
            c.knnK = positive("knnK", k);
            return this;
        }

        /** @param t temperature of the KNN term (default 0.1) @return this builder */
        public Builder knnTemperature(double t) {
            c.knnTemperature = positive("knnTemperature", t);
            return this;
        }

        /** @param n balanced fine-tuning epochs after each experience but the first, 0 = off (default 10) @return this builder */
        public Builder fineTuneEpochs(int n) {
            c.fineTuneEpochs = nonNegative("fineTuneEpochs", n);
            return this;
        }

        /** @param lr learning rate of the network's updater during fine-tuning (default 1e-3) @return this builder */
        public Builder fineTuneLearningRate(double lr) {
            c.fineTuneLearningRate = positive("fineTuneLearningRate", lr);
            return this;
        }

        /**
         * @param name the attention vertex that becomes the dual-attention block (default null: the last
         *             SelfAttentionLayer, LearnedSelfAttentionLayer, AttentionVertex or TransformerBlock of the graph)
         * @return this builder
         */
        public Builder attentionLayer(String name) {
            if (name != null && name.isBlank()) {
                throw new IllegalArgumentException("attentionLayer should be a vertex name or null (got: '" + name
                        + "')");
            }
            c.attentionLayer = name;
            return this;
        }

        /**
         * @param t tokens of the sequence a DL4J attention layer reads, for graphs whose input types do not give it
         *          (default 0: read from the graph)
         * @return this builder
         */
        public Builder numTokens(int t) {
            c.numTokens = nonNegative("numTokens", t);
            return this;
        }

        /**
         * @param u updater of the layers the plugin adds (dual block, heads, divergence head); null (default) for a
         *          copy of the replaced attention layer's
         * @return this builder
         */
        public Builder updater(IUpdater u) {
            c.updater = u == null ? null : u.clone();
            return this;
        }

        /** @return the configuration */
        public DaFormerConfiguration build() {
            return super.build();
        }
    }
}
