package io.github.dl4jcontinual.zoo.alta;

import io.github.dl4jcontinual.zoo.LearnerConfiguration;

import java.util.Objects;

/**
 * Hyper-parameters of {@link AltaLearner}; immutable, built with {@link Builder}. Defaults follow the release
 * (batch 32, replay batch 32, buffer 200, α = β = 0.4, SGD momentum 0.9, weight decay 5e-4, learning rate 0.002,
 * adapter D → D/16 → D, context "a photo of a", class-IL over all K classes) except the epochs (5 instead of 30,
 * CPU budget) and the schedule, which is {@link Schedule#COSINE_PER_TASK} ("as designed") instead of the released
 * constant 1e-5. Evaluation batch 1000, seed 1, logit scale 30.
 */
public final class AltaConfiguration extends LearnerConfiguration {
    /** Learning-rate schedules. */
    public enum Schedule {
        /** Cosine from the learning rate to 0 over each task's epochs, stepped per epoch (restarted per task). */
        COSINE_PER_TASK,
        /** The learning rate, constant. */
        CONSTANT,
        /** 1e-5 constant whatever the learning rate: the released main.py never steps its warm-up scheduler. */
        AS_RELEASED
    }

    private final AltaHead head;
    private final int replayBatchSize;
    private final int bufferSize;
    private final double alpha;
    private final double beta;
    private final double momentum;
    private final double weightDecay;
    private final Schedule schedule;
    private final int adapterReduction;
    private final double scale;
    private final String contextInit;
    private final boolean classIlOverAllClasses;

    private AltaConfiguration(Builder b) {
        super(b);
        this.head = b.head;
        this.replayBatchSize = b.replayBatchSize;
        this.bufferSize = b.bufferSize;
        this.alpha = b.alpha;
        this.beta = b.beta;
        this.momentum = b.momentum;
        this.weightDecay = b.weightDecay;
        this.schedule = b.schedule;
        this.adapterReduction = b.adapterReduction;
        this.scale = b.scale;
        this.contextInit = b.contextInit;
        this.classIlOverAllClasses = b.classIlOverAllClasses;
    }

    public AltaHead getHead() {
        return head;
    }

    public int getReplayBatchSize() {
        return replayBatchSize;
    }

    public int getBufferSize() {
        return bufferSize;
    }

    public double getAlpha() {
        return alpha;
    }

    public double getBeta() {
        return beta;
    }

    public double getMomentum() {
        return momentum;
    }

    public double getWeightDecay() {
        return weightDecay;
    }

    public Schedule getSchedule() {
        return schedule;
    }

    public int getAdapterReduction() {
        return adapterReduction;
    }

    public double getScale() {
        return scale;
    }

    public String getContextInit() {
        return contextInit;
    }

    public boolean isClassIlOverAllClasses() {
        return classIlOverAllClasses;
    }

    /**
     * The learning rate of epoch {@code epoch} (0-based) of a task of {@link #getEpochs()} epochs.
     */
    public double learningRate(int epoch) {
        switch (schedule) {
            case COSINE_PER_TASK:
                return getLearningRate() * 0.5 * (1 + Math.cos(Math.PI * epoch / getEpochs()));
            case CONSTANT:
                return getLearningRate();
            default:
                return 1e-5;
        }
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return new Builder().from(this).head(head).replayBatchSize(replayBatchSize).bufferSize(bufferSize)
                .alpha(alpha).beta(beta).momentum(momentum).weightDecay(weightDecay).schedule(schedule)
                .adapterReduction(adapterReduction).scale(scale).contextInit(contextInit)
                .classIlOverAllClasses(classIlOverAllClasses);
    }

    @Override
    public String toString() {
        return "AltaConfiguration(head=" + head + ", replayBatch=" + replayBatchSize + ", buffer=" + bufferSize
                + ", alpha=" + alpha + ", beta=" + beta + ", momentum=" + momentum + ", wd=" + weightDecay
                + ", schedule=" + schedule + ", reduction=" + adapterReduction + ", scale=" + scale + ", ctx='"
                + contextInit + "', classIlOverAll=" + classIlOverAllClasses + ", " + commonString() + ")";
    }

    /** Builder with the defaults listed on {@link AltaConfiguration}. */
    public static final class Builder extends LearnerConfiguration.Builder<AltaConfiguration, Builder> {
        private AltaHead head = AltaHead.ALTA;
        private int replayBatchSize = 32;
        private int bufferSize = 200;
        private double alpha = 0.4;
        private double beta = 0.4;
        private double momentum = 0.9;
        private double weightDecay = 5e-4;
        private Schedule schedule = Schedule.COSINE_PER_TASK;
        private int adapterReduction = 16;
        private double scale = 30;
        private String contextInit = "a photo of a";
        private boolean classIlOverAllClasses = true;

        /** Defaults as listed on {@link AltaConfiguration}. */
        public Builder() {
            super(5, 32, 0.002, 1000);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** The logit head / method (default {@link AltaHead#ALTA}). */
        public Builder head(AltaHead h) {
            this.head = Objects.requireNonNull(h, "head");
            return this;
        }

        /** Replay minibatch (default 32). */
        public Builder replayBatchSize(int b) {
            this.replayBatchSize = positive("replayBatchSize", b);
            return this;
        }

        /** Reservoir buffer of (feature, logits, label) items (default 200; 0 disables replay). */
        public Builder bufferSize(int m) {
            this.bufferSize = (int) nonNegative("bufferSize", m);
            return this;
        }

        /** Weight of the replayed cross-entropy (default 0.4). */
        public Builder alpha(double a) {
            this.alpha = nonNegative("alpha", a);
            return this;
        }

        /** Weight of the replayed logit MSE (default 0.4). */
        public Builder beta(double b) {
            this.beta = nonNegative("beta", b);
            return this;
        }

        /** SGD momentum (default 0.9; state kept across tasks as the release's single optimiser). */
        public Builder momentum(double m) {
            if (!(m >= 0 && m < 1)) {
                throw new IllegalArgumentException("momentum should be in [0, 1) (got: " + m + ")");
            }
            this.momentum = m;
            return this;
        }

        /** SGD weight decay (default 5e-4, PyTorch style: added to the gradient). */
        public Builder weightDecay(double wd) {
            this.weightDecay = nonNegative("weightDecay", wd);
            return this;
        }

        /** Learning-rate schedule (default {@link Schedule#COSINE_PER_TASK}). */
        public Builder schedule(Schedule s) {
            this.schedule = Objects.requireNonNull(s, "schedule");
            return this;
        }

        /** Adapter bottleneck D / reduction (default 16). */
        public Builder adapterReduction(int r) {
            this.adapterReduction = positive("adapterReduction", r);
            return this;
        }

        /** Fixed logit scale s (CLIP's exp(logit_scale); default 30, the alignment scale of the examples). */
        public Builder scale(double s) {
            this.scale = strictlyPositive("scale", s);
            return this;
        }

        /** Phrase whose word embeddings initialise the context (default "a photo of a"). */
        public Builder contextInit(String phrase) {
            if (phrase == null || phrase.isBlank()) {
                throw new IllegalArgumentException("contextInit should be non-blank (got: '" + phrase + "')");
            }
            this.contextInit = phrase;
            return this;
        }

        /** Class-IL argmax over all K classes as released (default true) or over the classes seen so far. */
        public Builder classIlOverAllClasses(boolean all) {
            this.classIlOverAllClasses = all;
            return this;
        }

        @Override
        public AltaConfiguration build() {
            return new AltaConfiguration(this);
        }
    }
}
