package io.github.dl4jcontinual.zoo;

/**
 * Hyper-parameters shared by the zoo's self-contained SameDiff learners: epochs per experience, training minibatch,
 * base learning rate, evaluation minibatch and seed. Immutable; subclasses add their own through
 * {@link Builder}, whose setters check their values (an {@link IllegalArgumentException} names the bad value).
 */
public abstract class LearnerConfiguration {
    private final int epochs;
    private final int batchSize;
    private final double learningRate;
    private final int evalBatchSize;
    private final long seed;

    protected LearnerConfiguration(Builder<?, ?> b) {
        this.epochs = b.epochs;
        this.batchSize = b.batchSize;
        this.learningRate = b.learningRate;
        this.evalBatchSize = b.evalBatchSize;
        this.seed = b.seed;
    }

    public int getEpochs() {
        return epochs;
    }

    public int getBatchSize() {
        return batchSize;
    }

    public double getLearningRate() {
        return learningRate;
    }

    public int getEvalBatchSize() {
        return evalBatchSize;
    }

    public long getSeed() {
        return seed;
    }

    /** The shared part of a {@code toString()}. */
    protected String commonString() {
        return "epochs=" + epochs + ", batch=" + batchSize + ", lr=" + learningRate + ", evalBatch=" + evalBatchSize
                + ", seed=" + seed;
    }

    /** Checks v &gt; 0. */
    public static int positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " should be > 0 (got: " + v + ")");
        }
        return v;
    }

    /** Checks v ≥ 0 and finite. */
    public static double nonNegative(String what, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " should be >= 0 and finite (got: " + v + ")");
        }
        return v;
    }

    /** Checks v &gt; 0 and finite. */
    public static double strictlyPositive(String what, double v) {
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(what + " should be > 0 and finite (got: " + v + ")");
        }
        return v;
    }

    /**
     * Builder of the shared values.
     *
     * @param <C> the configuration built
     * @param <B> the concrete builder
     */
    public abstract static class Builder<C extends LearnerConfiguration, B extends Builder<C, B>> {
        private int epochs;
        private int batchSize;
        private double learningRate;
        private int evalBatchSize;
        private long seed = 1;

        /** Starts from the subclass's defaults. */
        protected Builder(int epochs, int batchSize, double learningRate, int evalBatchSize) {
            this.epochs = epochs;
            this.batchSize = batchSize;
            this.learningRate = learningRate;
            this.evalBatchSize = evalBatchSize;
        }

        /** This builder, typed. */
        protected abstract B self();

        /** Epochs per experience. */
        public B epochs(int e) {
            this.epochs = positive("epochs", e);
            return self();
        }

        /** Training minibatch size. */
        public B batchSize(int b) {
            this.batchSize = positive("batchSize", b);
            return self();
        }

        /** Base learning rate. */
        public B learningRate(double lr) {
            this.learningRate = strictlyPositive("learningRate", lr);
            return self();
        }

        /** Evaluation minibatch size. */
        public B evalBatchSize(int b) {
            this.evalBatchSize = positive("evalBatchSize", b);
            return self();
        }

        /** Seed of initialisation, shuffling and sampling (default 1). */
        public B seed(long s) {
            this.seed = s;
            return self();
        }

        /** Copies the shared values of {@code c}. */
        public B from(LearnerConfiguration c) {
            return epochs(c.getEpochs()).batchSize(c.getBatchSize()).learningRate(c.getLearningRate())
                    .evalBatchSize(c.getEvalBatchSize()).seed(c.getSeed());
        }

        /** The configuration. */
        public abstract C build();
    }
}
