package io.github.dl4jcontinual.zoo.l2p;

import io.github.dl4jcontinual.zoo.LearnerConfiguration;

/**
 * Hyper-parameters of {@link L2pLearner}; immutable, built with {@link Builder}. Defaults: the paper's pool of
 * M = 10 prompts of length Lp = 5 with N = 5 selected, surrogate weight λ = 0.1 (the PyTorch port's
 * {@code pull_constraint_coeff}), training-time masking of other tasks' logits; Adam 0.01, 3 epochs, batch 32,
 * evaluation batch 500, seed 1 (CPU-sized; the paper uses Adam 0.03, batch 16 on ViT-B/16); the prompt-frequency
 * penalty (the paper's optional batch-wise diversification, see {@link L2pLearner}) is off by default.
 */
public final class L2pConfiguration extends LearnerConfiguration {
    private final int poolSize;
    private final int promptLength;
    private final int topK;
    private final double pullWeight;
    private final boolean trainMask;
    private final boolean frequencyPenalty;

    private L2pConfiguration(Builder b) {
        super(b);
        this.poolSize = b.poolSize;
        this.promptLength = b.promptLength;
        this.topK = b.topK;
        this.pullWeight = b.pullWeight;
        this.trainMask = b.trainMask;
        this.frequencyPenalty = b.frequencyPenalty;
    }

    public int getPoolSize() {
        return poolSize;
    }

    public int getPromptLength() {
        return promptLength;
    }

    public int getTopK() {
        return topK;
    }

    public double getPullWeight() {
        return pullWeight;
    }

    public boolean isTrainMask() {
        return trainMask;
    }

    /**
     * Whether training-time selection scales each key's distance {@code 1 − cos} by the prompt's normalised
     * selection frequency over the previous tasks (test-time selection never does).
     */
    public boolean isFrequencyPenalty() {
        return frequencyPenalty;
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return new Builder().from(this).poolSize(poolSize).promptLength(promptLength).topK(topK)
                .pullWeight(pullWeight).trainMask(trainMask).frequencyPenalty(frequencyPenalty);
    }

    @Override
    public String toString() {
        return "L2pConfiguration(M=" + poolSize + ", Lp=" + promptLength + ", N=" + topK + ", lambda=" + pullWeight
                + ", trainMask=" + trainMask + ", frequencyPenalty=" + frequencyPenalty + ", " + commonString() + ")";
    }

    /** Builder with the defaults listed on {@link L2pConfiguration}. */
    public static final class Builder extends LearnerConfiguration.Builder<L2pConfiguration, Builder> {
        private int poolSize = 10;
        private int promptLength = 5;
        private int topK = 5;
        private double pullWeight = 0.1;
        private boolean trainMask = true;
        private boolean frequencyPenalty = false;

        /** Defaults as listed on {@link L2pConfiguration}. */
        public Builder() {
            super(3, 32, 0.01, 500);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** Pool size M. */
        public Builder poolSize(int m) {
            this.poolSize = positive("poolSize", m);
            return this;
        }

        /** Tokens per prompt Lp. */
        public Builder promptLength(int lp) {
            this.promptLength = positive("promptLength", lp);
            return this;
        }

        /** Prompts selected per image N (at most M). */
        public Builder topK(int n) {
            this.topK = positive("topK", n);
            return this;
        }

        /** Weight λ of the key-matching surrogate loss. */
        public Builder pullWeight(double w) {
            this.pullWeight = nonNegative("pullWeight", w);
            return this;
        }

        /** Mask the logits of classes outside the current task during training (default true). */
        public Builder trainMask(boolean on) {
            this.trainMask = on;
            return this;
        }

        /** The prompt-frequency penalty of training-time selection (default false). */
        public Builder frequencyPenalty(boolean on) {
            this.frequencyPenalty = on;
            return this;
        }

        @Override
        public L2pConfiguration build() {
            return new L2pConfiguration(this);
        }
    }
}
