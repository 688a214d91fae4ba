package io.github.dl4jcontinual.zoo.l2p;

import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;
import org.nd4j.linalg.learning.config.IUpdater;


/**
 * L2P (Wang et al., CVPR 2022, "Learning to Prompt for Continual Learning") as a plugin of the
 * {@link io.github.dl4jcontinual.trainer.ContinualTrainer}: the immutable, JSON-serialisable ({@code @class})
 * configuration of a prompt pool inserted into the user's own {@code ComputationGraph}. See {@link L2pPlugin} for
 * what the plugin does to the network.
 *
 * <pre>{@code
 * ContinualConfiguration conf = new ContinualConfiguration.Builder().headPolicy(HeadPolicy.FIXED)
 *         .plugin(new L2pConfiguration.Builder().updater(new Adam(0.01)).build()).build();
 * ContinualResult r = ContinualTrainer.wrap(vit, conf).fit(scenario);
 * }</pre>
 *
 * <p>Defaults: the paper's pool of M = 10 prompts of length Lp = 5 with N = 5 selected, surrogate weight
 * λ = 0.1 (the PyTorch port's {@code pull_constraint_coeff}), training-time masking of the logits of classes
 * outside the current experience (the paper's train mask), no prompt-frequency penalty, the network's own updater
 * (the classification output layer's) for prompts, keys and head, the first attention block found by type and the
 * first token-pooling layer after it. Epochs, minibatch size and seed are the trainer's.</p>
 *
 * <p>Single-value checks throw {@link IllegalArgumentException} in the Builder's setters, naming the value.</p>
 */
public final class L2pConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 2L;

    private int poolSize = 10;
    private int promptLength = 5;
    private int topK = 5;
    private double pullWeight = 0.1;
    private boolean trainMask = true;
    private boolean frequencyPenalty;
    private IUpdater updater;
    private String attentionLayer;
    private String poolLayer;

    private L2pConfiguration() {
        // for Jackson and the Builder
    }

    @Override
    public ContinualPlugin instantiate() {
        return new L2pPlugin(this);
    }

    /** @return "l2p" */
    @Override
    public String name() {
        return "l2p";
    }

    /** @return M, the number of prompts (and keys) */
    public int getPoolSize() {
        return poolSize;
    }

    /** @return Lp, tokens per prompt */
    public int getPromptLength() {
        return promptLength;
    }

    /** @return N, prompts selected per example */
    public int getTopK() {
        return topK;
    }

    /** @return λ, the weight of the key-matching surrogate */
    public double getPullWeight() {
        return pullWeight;
    }

    /** @return whether training masks the logits of classes outside the current experience */
    public boolean isTrainMask() {
        return trainMask;
    }

    /**
     * @return whether training-time selection scales each key's distance {@code 1 − cos} by the prompt's
     *         normalised selection frequency over the previous experiences (test-time selection never does)
     */
    public boolean isFrequencyPenalty() {
        return frequencyPenalty;
    }

    /** @return the updater of prompts, keys and head; null for the classification output's own */
    public IUpdater getUpdater() {
        return updater == null ? null : updater.clone();
    }

    /** @return the name of the attention layer/vertex whose input gets the prompts; null to find the first */
    public String getAttentionLayer() {
        return attentionLayer;
    }

    /** @return the name of the layer that pools the token sequence; null to find the first after the attention */
    public String getPoolLayer() {
        return poolLayer;
    }

    /**
     * @param json JSON written by {@link #toJson()}
     * @return the configuration
     * @throws IllegalArgumentException on invalid JSON or JSON of another plugin
     */
    public static L2pConfiguration fromJson(String json) {
        PluginConfiguration p = ContinualJson.fromJson(json, PluginConfiguration.class);
        if (!(p instanceof L2pConfiguration)) {
            throw new IllegalArgumentException("The JSON describes a " + p.getClass().getName()
                    + ", not an L2pConfiguration");
        }
        return (L2pConfiguration) p;
    }

    /** @return a Builder starting from this configuration */
    public Builder toBuilder() {
        return new Builder((L2pConfiguration) copy());
    }

    @Override
    public String toString() {
        return "L2P(M=" + poolSize + ", Lp=" + promptLength + ", N=" + topK + ", lambda=" + pullWeight
                + ", trainMask=" + trainMask + ", frequencyPenalty=" + frequencyPenalty + ", updater="
                + (updater == null ? "network's" : updater) + (attentionLayer == null ? "" : ", attention="
                + attentionLayer) + (poolLayer == null ? "" : ", pool=" + poolLayer) + ")";
    }

    /** Builder of {@link L2pConfiguration}; starts from the defaults. */
    public static final class Builder extends JsonConfiguration.Builder<L2pConfiguration> {
        /** Starts from the defaults. */
        public Builder() {
            this(new L2pConfiguration());
        }

        private Builder(L2pConfiguration start) {
            super(start);
        }

        private static int positive(String name, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(name + " should be >= 1 (got: " + v + ")");
            }
            return v;
        }

        /** @param m pool size M, &gt;= 1 (default 10) @return this builder */
        public Builder poolSize(int m) {
            c.poolSize = positive("poolSize", m);
            return this;
        }

        /** @param lp tokens per prompt Lp, &gt;= 1 (default 5) @return this builder */
        public Builder promptLength(int lp) {
            c.promptLength = positive("promptLength", lp);
            return this;
        }

        /** @param n prompts selected per example N, &gt;= 1 and at most M (default 5) @return this builder */
        public Builder topK(int n) {
            c.topK = positive("topK", n);
            return this;
        }

        /** @param w weight λ of the key-matching surrogate, finite and &gt;= 0 (default 0.1) @return this builder */
        public Builder pullWeight(double w) {
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("pullWeight should be a finite value >= 0 (got: " + w + ")");
            }
            c.pullWeight = w;
            return this;
        }

        /** @param on mask other experiences' classes during training (default true) @return this builder */
        public Builder trainMask(boolean on) {
            c.trainMask = on;
            return this;
        }

        /** @param on the prompt-frequency penalty of training-time selection (default false) @return this builder */
        public Builder frequencyPenalty(boolean on) {
            c.frequencyPenalty = on;
            return this;
        }

        /**
         * @param u updater of prompts, keys and head, e.g. {@code new Adam(0.01)}; null (default) for the
         *          classification output layer's own
         * @return this builder
         */
        public Builder updater(IUpdater u) {
            c.updater = u == null ? null : u.clone();
            return this;
        }

        /**
         * @param name the attention layer/vertex whose input sequence gets the prompts, when the first one found by
         *             type is not the right one (null: find it)
         * @return this builder
         */
        public Builder attentionLayer(String name) {
            c.attentionLayer = name;
            return this;
        }

        /**
         * @param name the layer that pools the token sequence into the classifier's feature (its input is read at
         *             the prompt positions); null: the first GlobalPoolingLayer, LastTimeStep or zoo TokenPooling
         *             after the attention
         * @return this builder
         */
        public Builder poolLayer(String name) {
            c.poolLayer = name;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException if N &gt; M
         */
        public L2pConfiguration build() {
            if (c.topK > c.poolSize) {
                throw new IllegalArgumentException("topK " + c.topK + " is larger than the pool size " + c.poolSize);
            }
            return super.build();
        }
    }
}
