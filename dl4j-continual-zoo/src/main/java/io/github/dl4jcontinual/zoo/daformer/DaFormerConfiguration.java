package io.github.dl4jcontinual.zoo.daformer;

import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.zoo.transformer.DaFormer;

import java.io.Serializable;
import java.util.Objects;

/**
 * Immutable, JSON-serialisable configuration of {@link DaFormerLearner}: the architecture (edition, image, patch,
 * width, depth counting the dual block, heads, MLP ratio) and the recipe (exemplar memory, epochs, batch, Adam
 * learning rates, loss weights, KNN parameters, fine-tuning). Defaults are the Split-Fashion-MNIST CPU
 * configuration of the examples; {@link #cifar100()} gives the paper's CIFAR-100 architecture.
 */
public final class DaFormerConfiguration implements Serializable {
    private static final long serialVersionUID = 1L;
    private DaFormer.Edition edition = DaFormer.Edition.M;
    private int imageHeight = 28;
    private int imageWidth = 28;
    private int channels = 1;
    private int patchSize = 7;
    private int embedDim = 64;
    private int depth = 3;
    private int heads = 4;
    private double mlpRatio = 2.0;
    private int memorySize = 500;
    private int epochs = 1;
    private int batchSize = 64;
    private double learningRate = 1e-3;
    private boolean distillation = true;
    private double divergenceWeight = 0.1;
    private double knnWeight = 1.0;
    private int knnK = 5;
    private double knnTemperature = 0.1;
    private int fineTuneEpochs = 10;
    private double fineTuneLearningRate = 1e-3;
    private int evalBatchSize = 500;
    private long seed = 1;

    private DaFormerConfiguration() {
    }

    /** @return the paper's CIFAR-100 architecture (32×32×3, patch 4, width 384, depth 6, 12 heads, MLP 4) */
    public static Builder cifar100() {
        return new Builder().image(32, 32, 3).patchSize(4).embedDim(384).depth(6).heads(12).mlpRatio(4.0)
                .memorySize(2000).batchSize(128);
    }

    public DaFormer.Edition getEdition() { return edition; }
    public int getImageHeight() { return imageHeight; }
    public int getImageWidth() { return imageWidth; }
    public int getChannels() { return channels; }
    public int getPatchSize() { return patchSize; }
    public int getEmbedDim() { return embedDim; }
    public int getDepth() { return depth; }
    public int getHeads() { return heads; }
    public double getMlpRatio() { return mlpRatio; }
    public int getMemorySize() { return memorySize; }
    public int getEpochs() { return epochs; }
    public int getBatchSize() { return batchSize; }
    public double getLearningRate() { return learningRate; }
    public boolean isDistillation() { return distillation; }
    public double getDivergenceWeight() { return divergenceWeight; }
    public double getKnnWeight() { return knnWeight; }
    public int getKnnK() { return knnK; }
    public double getKnnTemperature() { return knnTemperature; }
    public int getFineTuneEpochs() { return fineTuneEpochs; }
    public double getFineTuneLearningRate() { return fineTuneLearningRate; }
    public int getEvalBatchSize() { return evalBatchSize; }
    public long getSeed() { return seed; }

    /** @return JSON */
    public String toJson() {
        return ContinualJson.toJson(this);
    }

    /**
     * @param json JSON from {@link #toJson()}
     * @return the configuration
     */
    public static DaFormerConfiguration fromJson(String json) {
        return ContinualJson.fromJson(json, DaFormerConfiguration.class);
    }

    /** @return a builder starting from these values */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.c = fromJson(toJson());
        return b;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DaFormerConfiguration && toJson().equals(((DaFormerConfiguration) o).toJson());
    }

    @Override
    public int hashCode() {
        return toJson().hashCode();
    }

    @Override
    public String toString() {
        return toJson();
    }

    /** Builder; every value has a default. */
    public static final class Builder {
        private DaFormerConfiguration c = new DaFormerConfiguration();

        private static int pos(String what, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(what + " should be > 0 (got: " + v + ")");
            }
            return v;
        }

        private static int nonNeg(String what, int v) {
            if (v < 0) {
                throw new IllegalArgumentException(what + " should be >= 0 (got: " + v + ")");
            }
            return v;
        }

        private static double nonNeg(String what, double v) {
            if (!(v >= 0)) {
                throw new IllegalArgumentException(what + " should be >= 0 (got: " + v + ")");
            }
            return v;
        }

        /** @param e S (one shared key set) or M (one per task; default) @return this */
        public Builder edition(DaFormer.Edition e) {
            c.edition = Objects.requireNonNull(e, "edition");
            return this;
        }

        /** @param h height @param w width @param ch channels (default 28×28×1) @return this */
        public Builder image(int h, int w, int ch) {
            c.imageHeight = pos("image height", h);
            c.imageWidth = pos("image width", w);
            c.channels = pos("channels", ch);
            return this;
        }

        /** @param p patch side (default 7) @return this */
        public Builder patchSize(int p) {
            c.patchSize = pos("patchSize", p);
            return this;
        }

        /** @param d width (default 64) @return this */
        public Builder embedDim(int d) {
            c.embedDim = pos("embedDim", d);
            return this;
        }

        /** @param n blocks including the dual block, ≥ 2 (default 3) @return this */
        public Builder depth(int n) {
            if (n < 2) {
                throw new IllegalArgumentException("depth counts the shared blocks and the dual block and should be "
                        + ">= 2 (got: " + n + ")");
            }
            c.depth = n;
            return this;
        }

        /** @param h heads (default 4) @return this */
        public Builder heads(int h) {
            c.heads = pos("heads", h);
            return this;
        }

        /** @param r MLP ratio (default 2) @return this */
        public Builder mlpRatio(double r) {
            if (!(r > 0)) {
                throw new IllegalArgumentException("mlpRatio should be > 0 (got: " + r + ")");
            }
            c.mlpRatio = r;
            return this;
        }

        /** @param n exemplar budget over all seen classes, herded (default 500) @return this */
        public Builder memorySize(int n) {
            c.memorySize = nonNeg("memorySize", n);
            return this;
        }

        /** @param n epochs per task (default 1) @return this */
        public Builder epochs(int n) {
            c.epochs = pos("epochs", n);
            return this;
        }

        /** @param n minibatch size (default 64) @return this */
        public Builder batchSize(int n) {
            c.batchSize = pos("batchSize", n);
            return this;
        }

        /** @param lr Adam learning rate (default 1e-3) @return this */
        public Builder learningRate(double lr) {
            if (!(lr > 0)) {
                throw new IllegalArgumentException("learningRate should be > 0 (got: " + lr + ")");
            }
            c.learningRate = lr;
            return this;
        }

        /** @param on logit distillation from the previous model, weighted λ = n_old/n_all (default on) @return this */
        public Builder distillation(boolean on) {
            c.distillation = on;
            return this;
        }

        /** @param w divergence-head loss weight, 0 = off (default 0.1) @return this */
        public Builder divergenceWeight(double w) {
            c.divergenceWeight = nonNeg("divergenceWeight", w);
            return this;
        }

        /** @param w KNN invariant distillation weight, 0 = off (default 1) @return this */
        public Builder knnWeight(double w) {
            c.knnWeight = nonNeg("knnWeight", w);
            return this;
        }

        /** @param k neighbours (default 5) @return this */
        public Builder knnK(int k) {
            c.knnK = pos("knnK", k);
            return this;
        }

        /** @param t KNN temperature (default 0.1) @return this */
        public Builder knnTemperature(double t) {
            if (!(t > 0)) {
                throw new IllegalArgumentException("knnTemperature should be > 0 (got: " + t + ")");
            }
            c.knnTemperature = t;
            return this;
        }

        /** @param n balanced fine-tuning epochs after each task ≥ 1, 0 = off (default 10) @return this */
        public Builder fineTuneEpochs(int n) {
            c.fineTuneEpochs = nonNeg("fineTuneEpochs", n);
            return this;
        }

        /** @param lr fine-tuning Adam learning rate (default 1e-3) @return this */
        public Builder fineTuneLearningRate(double lr) {
            if (!(lr > 0)) {
                throw new IllegalArgumentException("fineTuneLearningRate should be > 0 (got: " + lr + ")");
            }
            c.fineTuneLearningRate = lr;
            return this;
        }

        /** @param n evaluation batch size (default 500) @return this */
        public Builder evalBatchSize(int n) {
            c.evalBatchSize = pos("evalBatchSize", n);
            return this;
        }

        /** @param s seed (initialisation, shuffling, herding ties) @return this */
        public Builder seed(long s) {
            c.seed = s;
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException if the width is not divisible by the heads or the patch does not divide
         *                                  the image
         */
        public DaFormerConfiguration build() {
            if (c.embedDim % c.heads != 0) {
                throw new IllegalArgumentException("embedDim " + c.embedDim + " is not divisible by heads " + c.heads);
            }
            if (c.imageHeight % c.patchSize != 0 || c.imageWidth % c.patchSize != 0) {
                throw new IllegalArgumentException("patchSize " + c.patchSize + " should divide the image size "
                        + c.imageHeight + "×" + c.imageWidth);
            }
            DaFormerConfiguration out = c;
            c = fromJson(out.toJson());
            return out;
        }
    }
}
