package io.github.dl4jcontinual.metalearning;

import io.github.dl4jcontinual.replay.selection.FirstSelection;
import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import io.github.dl4jcontinual.serde.ContinualJson;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The immutable, JSON-serialisable configuration of {@link ItamlTrainer} (iTAML, methods.md §5). Defaults are the
 * released MNIST settings (§5.5) except the per-session learning-rate override, which {@link #splitMnist()} adds:
 * outer rule {@link MetaUpdateRule#PAPER}, r = 1 inner step, β = 0.5, memory 2000 chosen with
 * {@link FirstSelection} (first examples of each class in data-set order), 20 epochs per session (5 in the first),
 * batch 256, learning rate 0.1 halved after epochs 5, 10 and 15, test continuum of 20 samples, test-time adaptation
 * for 1 epoch of Adam(1e-3) with batch 64.
 *
 * <p>Single-value checks throw {@link IllegalArgumentException} in the Builder's setters, naming the value.</p>
 */
public final class ItamlConfiguration implements Serializable {
    private static final long serialVersionUID = 1L;

    private MetaUpdateRule rule = MetaUpdateRule.PAPER;
    private int innerSteps = 1;
    private double beta = 0.5;
    private int memorySize = 2000;
    private SelectionPolicy selection = new FirstSelection();
    private int epochs = 20;
    private int firstSessionEpochs = 5;
    private int batchSize = 256;
    private double learningRate = 0.1;
    private TreeMap<Integer, Double> sessionLearningRates = new TreeMap<>();
    private int[] lrMilestones = {5, 10, 15};
    private double lrDecay = 0.5;
    private int continuum = 20;
    private int adaptEpochs = 1;
    private int adaptBatchSize = 64;
    private double adaptLearningRate = 1e-3;
    private int evalBatchSize = 1000;
    private long seed = 1;

    private ItamlConfiguration() {
        // for Jackson and the Builder
    }

    /**
     * The paper's Split-MNIST settings (methods.md §5.5): the defaults plus learning rate 0.05 in session 4.
     *
     * @return a Builder to adjust further
     */
    public static Builder splitMnist() {
        return new Builder().sessionLearningRate(4, 0.05);
    }

    /** @return the outer update rule */
    public MetaUpdateRule getRule() {
        return rule;
    }

    /** @return r, the inner SGD steps per task and minibatch */
    public int getInnerSteps() {
        return innerSteps;
    }

    /** @return β of η_t = exp(−β·t/T) */
    public double getBeta() {
        return beta;
    }

    /** @return the exemplar budget (equal share per seen class) */
    public int getMemorySize() {
        return memorySize;
    }

    /** @return the exemplar selection policy */
    public SelectionPolicy getSelection() {
        return selection;
    }

    /** @return epochs of every session but the first */
    public int getEpochs() {
        return epochs;
    }

    /** @return epochs of the first session */
    public int getFirstSessionEpochs() {
        return firstSessionEpochs;
    }

    /** @return training minibatch size (new data and exemplars together) */
    public int getBatchSize() {
        return batchSize;
    }

    /** @return the base learning rate of the network's updater */
    public double getLearningRate() {
        return learningRate;
    }

    /** @return per-session overrides of the base learning rate (a copy) */
    public Map<Integer, Double> getSessionLearningRates() {
        return new TreeMap<>(sessionLearningRates);
    }

    /**
     * @param session a session index
     * @param epoch   an epoch within it (0-based)
     * @return the learning rate of that epoch: the session's rate times lrDecay^(milestones ≤ epoch)
     */
    public double learningRate(int session, int epoch) {
        double lr = sessionLearningRates.getOrDefault(session, learningRate);
        for (int m : lrMilestones) {
            if (epoch >= m) {
                lr *= lrDecay;
            }
        }
        return lr;
    }

    /** @return epochs after which the learning rate is multiplied by {@link #getLrDecay()} (a copy) */
    public int[] getLrMilestones() {
        return lrMilestones.clone();
    }

    /** @return the learning-rate decay factor at each milestone */
    public double getLrDecay() {
        return lrDecay;
    }

    /** @return the size of a test continuum (consecutive samples of one task) */
    public int getContinuum() {
        return continuum;
    }

    /** @return epochs of test-time adaptation on a task's exemplars */
    public int getAdaptEpochs() {
        return adaptEpochs;
    }

    /** @return minibatch size of test-time adaptation */
    public int getAdaptBatchSize() {
        return adaptBatchSize;
    }

    /** @return the Adam learning rate of test-time adaptation */
    public double getAdaptLearningRate() {
        return adaptLearningRate;
    }

    /** @return evaluation minibatch size */
    public int getEvalBatchSize() {
        return evalBatchSize;
    }

    /** @return the seed of shuffling, continuum order and selection */
    public long getSeed() {
        return seed;
    }

    /** @return this configuration as JSON */
    public String toJson() {
        return ContinualJson.toJson(this);
    }

    /**
     * @param json JSON written by {@link #toJson()}
     * @return the configuration
     * @throws IllegalArgumentException on invalid JSON
     */
    public static ItamlConfiguration fromJson(String json) {
        return ContinualJson.fromJson(json, ItamlConfiguration.class);
    }

    /** @return a Builder starting from this configuration */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.c = copy();
        return b;
    }

    private ItamlConfiguration copy() {
        ItamlConfiguration c = new ItamlConfiguration();
        c.rule = rule;
        c.innerSteps = innerSteps;
        c.beta = beta;
        c.memorySize = memorySize;
        c.selection = selection;
        c.epochs = epochs;
        c.firstSessionEpochs = firstSessionEpochs;
        c.batchSize = batchSize;
        c.learningRate = learningRate;
        c.sessionLearningRates = new TreeMap<>(sessionLearningRates);
        c.lrMilestones = lrMilestones.clone();
        c.lrDecay = lrDecay;
        c.continuum = continuum;
        c.adaptEpochs = adaptEpochs;
        c.adaptBatchSize = adaptBatchSize;
        c.adaptLearningRate = adaptLearningRate;
        c.evalBatchSize = evalBatchSize;
        c.seed = seed;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ItamlConfiguration)) {
            return false;
        }
        ItamlConfiguration c = (ItamlConfiguration) o;
        return rule == c.rule && innerSteps == c.innerSteps && Double.compare(beta, c.beta) == 0
                && memorySize == c.memorySize && Objects.equals(selection, c.selection) && epochs == c.epochs
                && firstSessionEpochs == c.firstSessionEpochs && batchSize == c.batchSize
                && Double.compare(learningRate, c.learningRate) == 0
                && sessionLearningRates.equals(c.sessionLearningRates) && Arrays.equals(lrMilestones, c.lrMilestones)
                && Double.compare(lrDecay, c.lrDecay) == 0 && continuum == c.continuum
                && adaptEpochs == c.adaptEpochs && adaptBatchSize == c.adaptBatchSize
                && Double.compare(adaptLearningRate, c.adaptLearningRate) == 0 && evalBatchSize == c.evalBatchSize
                && seed == c.seed;
    }

    @Override
    public int hashCode() {
        return Objects.hash(rule, innerSteps, beta, memorySize, selection, epochs, firstSessionEpochs, batchSize,
                learningRate, sessionLearningRates, Arrays.hashCode(lrMilestones), lrDecay, continuum, adaptEpochs,
                adaptBatchSize, adaptLearningRate, evalBatchSize, seed);
    }

    @Override
    public String toString() {
        return "iTAML(rule=" + rule + ", r=" + innerSteps + ", beta=" + beta + ", memory=" + memorySize + " "
                + selection + ", epochs=" + firstSessionEpochs + "/" + epochs + ", batch=" + batchSize + ", lr="
                + learningRate + " " + sessionLearningRates + " x" + lrDecay + " at " + Arrays.toString(lrMilestones)
                + ", continuum=" + continuum + ", adapt=" + adaptEpochs + "x Adam(" + adaptLearningRate + ") batch "
                + adaptBatchSize + ", seed=" + seed + ")";
    }

    /** Builder of {@link ItamlConfiguration}; starts from the defaults. */
    public static final class Builder {
        private ItamlConfiguration c = new ItamlConfiguration();

        /** Starts from the defaults. */
        public Builder() {
        }

        private static int positive(String name, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(name + " should be >= 1 (got: " + v + ")");
            }
            return v;
        }

        private static double positive(String name, double v) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(name + " should be a finite value > 0 (got: " + v + ")");
            }
            return v;
        }

        /**
         * @param rule the outer update rule (default PAPER)
         * @return this builder
         */
        public Builder rule(MetaUpdateRule rule) {
            c.rule = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * @param r inner steps per task and minibatch, ≥ 1 (default 1, the released value)
         * @return this builder
         */
        public Builder innerSteps(int r) {
            c.innerSteps = positive("innerSteps", r);
            return this;
        }

        /**
         * @param beta decay of the outer step, finite and ≥ 0 (default 0.5)
         * @return this builder
         */
        public Builder beta(double beta) {
            if (!(beta >= 0) || Double.isInfinite(beta)) {
                throw new IllegalArgumentException("beta should be a finite value >= 0 (got: " + beta + ")");
            }
            c.beta = beta;
            return this;
        }

        /**
         * @param size exemplar budget, ≥ 0 (0: no memory)
         * @return this builder
         */
        public Builder memorySize(int size) {
            if (size < 0) {
                throw new IllegalArgumentException("memorySize should be >= 0 (got: " + size + ")");
            }
            c.memorySize = size;
            return this;
        }

        /**
         * @param policy exemplar selection, e.g. {@link FirstSelection} (default, as released) or
         *               {@link io.github.dl4jcontinual.replay.selection.HerdingSelection}
         * @return this builder
         */
        public Builder selection(SelectionPolicy policy) {
            c.selection = Objects.requireNonNull(policy, "selection");
            return this;
        }

        /**
         * @param epochs epochs of every session but the first, ≥ 1
         * @return this builder
         */
        public Builder epochs(int epochs) {
            c.epochs = positive("epochs", epochs);
            return this;
        }

        /**
         * @param epochs epochs of the first session, ≥ 1
         * @return this builder
         */
        public Builder firstSessionEpochs(int epochs) {
            c.firstSessionEpochs = positive("firstSessionEpochs", epochs);
            return this;
        }

        /**
         * @param n training minibatch size, ≥ 1
         * @return this builder
         */
        public Builder batchSize(int n) {
            c.batchSize = positive("batchSize", n);
            return this;
        }

        /**
         * @param lr base learning rate, &gt; 0; set on the network's updater every epoch
         * @return this builder
         */
        public Builder learningRate(double lr) {
            c.learningRate = positive("learningRate", lr);
            return this;
        }

        /**
         * @param session a session index, ≥ 0
         * @param lr      that session's base learning rate, &gt; 0
         * @return this builder
         */
        public Builder sessionLearningRate(int session, double lr) {
            if (session < 0) {
                throw new IllegalArgumentException("session should be >= 0 (got: " + session + ")");
            }
            c.sessionLearningRates.put(session, positive("learningRate of session " + session, lr));
            return this;
        }

        /**
         * @param decay     factor in (0, 1] applied after each milestone
         * @param milestones epochs (within a session, ≥ 1, strictly increasing) after which it applies
         * @return this builder
         */
        public Builder lrSchedule(double decay, int... milestones) {
            if (!(decay > 0 && decay <= 1)) {
                throw new IllegalArgumentException("lr decay should be in (0, 1] (got: " + decay + ")");
            }
            for (int i = 0; i < milestones.length; i++) {
                if (milestones[i] < 1 || (i > 0 && milestones[i] <= milestones[i - 1])) {
                    throw new IllegalArgumentException("milestones should be >= 1 and strictly increasing (got: "
                            + Arrays.toString(milestones) + ")");
                }
            }
            c.lrDecay = decay;
            c.lrMilestones = milestones.clone();
            return this;
        }

        /**
         * @param n samples per test continuum, ≥ 1 (1: per-sample task prediction)
         * @return this builder
         */
        public Builder continuum(int n) {
            c.continuum = positive("continuum", n);
            return this;
        }

        /**
         * @param epochs epochs of test-time adaptation, ≥ 0 (0: classify with the generic model)
         * @param batch  its minibatch size, ≥ 1
         * @param lr     its Adam learning rate, &gt; 0
         * @return this builder
         */
        public Builder adaptation(int epochs, int batch, double lr) {
            if (epochs < 0) {
                throw new IllegalArgumentException("adaptation epochs should be >= 0 (got: " + epochs + ")");
            }
            c.adaptEpochs = epochs;
            c.adaptBatchSize = positive("adaptation batch", batch);
            c.adaptLearningRate = positive("adaptation learning rate", lr);
            return this;
        }

        /**
         * @param n evaluation minibatch size, ≥ 1
         * @return this builder
         */
        public Builder evalBatchSize(int n) {
            c.evalBatchSize = positive("evalBatchSize", n);
            return this;
        }

        /**
         * @param seed seed of shuffling, continuum order and exemplar selection
         * @return this builder
         */
        public Builder seed(long seed) {
            c.seed = seed;
            return this;
        }

        /** @return the configuration */
        public ItamlConfiguration build() {
            return c.copy();
        }
    }
}
