package io.github.dl4jcontinual.zoo.l2p;

import java.util.Locale;

/**
 * Hyper-parameters of {@link L2pLearner}; immutable, built with {@link Builder}. Defaults: the paper's pool of
 * M = 10 prompts of length Lp = 5 with N = 5 selected, surrogate weight λ = 0.1 (the PyTorch port's
 * {@code pull_constraint_coeff}), training-time masking of other tasks' logits; Adam 0.01, 3 epochs, batch 32
 * (CPU-sized; the paper uses Adam 0.03, batch 16 on ViT-B/16).
 */
public final class L2pConfiguration {
    private final int poolSize;
    private final int promptLength;
    private final int topK;
    private final double pullWeight;
    private final double learningRate;
    private final int epochs;
    private final int batchSize;
    private final boolean trainMask;
    private final int evalBatchSize;
    private final long seed;

    private L2pConfiguration(Builder b) {
        this.poolSize = b.poolSize;
        this.promptLength = b.promptLength;
        this.topK = b.topK;
        this.pullWeight = b.pullWeight;
        this.learningRate = b.learningRate;
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.trainMask = b.trainMask;
        this.evalBatchSize = b.evalBatchSize;
        this.seed = b.seed;
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

    public double getLearningRate() {
        return learningRate;
    }

    public int getEpochs() {
        return epochs;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public boolean isTrainMask() {
        return trainMask;
    }

    public int getEvalBatchSize() {
        return evalBatchSize;
    }

    public long getSeed() {
        return seed;
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return new Builder().poolSize(poolSize).promptLength(promptLength).topK(topK).pullWeight(pullWeight)
                .learningRate(learningRate).epochs(epochs).batchSize(batchSize).trainMask(trainMask)
                .evalBatchSize(evalBatchSize).seed(seed);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "L2pConfiguration(M=%d, Lp=%d, N=%d, lambda=%s, lr=%s, epochs=%d, batch=%d, "
                + "trainMask=%s, seed=%d)", poolSize, promptLength, topK, pullWeight, learningRate, epochs, batchSize,
                trainMask, seed);
    }

    /** Builder with the defaults listed on {@link L2pConfiguration}. */
    public static final class Builder {
        private int poolSize = 10;
        private int promptLength = 5;
        private int topK = 5;
        private double pullWeight = 0.1;
        private double learningRate = 0.01;
        private int epochs = 3;
        private int batchSize = 32;
        private boolean trainMask = true;
        private int evalBatchSize = 500;
        private long seed = 1;

        private static int positive(String what, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " should be > 0 (got: " + v + ")");
            }
            return v;
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
            if (!(w >= 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("pullWeight should be >= 0 and finite (got: " + w + ")");
            }
            this.pullWeight = w;
            return this;
        }

        /** Adam learning rate. */
        public Builder learningRate(double lr) {
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("learningRate should be > 0 and finite (got: " + lr + ")");
            }
            this.learningRate = lr;
            return this;
        }

        /** Epochs per task. */
        public Builder epochs(int e) {
            this.epochs = positive("epochs", e);
            return this;
        }

        /** Minibatch size. */
        public Builder batchSize(int b) {
            this.batchSize = positive("batchSize", b);
            return this;
        }

        /** Mask the logits of classes outside the current task during training (default true). */
        public Builder trainMask(boolean on) {
            this.trainMask = on;
            return this;
        }

        /** Evaluation minibatch. */
        public Builder evalBatchSize(int b) {
            this.evalBatchSize = positive("evalBatchSize", b);
            return this;
        }

        /** Seed of the prompt/key/head initialisation and of the minibatch order. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        public L2pConfiguration build() {
            return new L2pConfiguration(this);
        }
    }
}
