package io.github.dl4jcontinual.metalearning;

import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.selection.FirstSelection;
import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.HeadPolicy;

import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * iTAML (Rajasegaran et al., CVPR 2020; docs/itaml.md) as a plugin of the
 * {@link io.github.dl4jcontinual.trainer.ContinualTrainer}: the immutable, JSON-serialisable ({@code @class})
 * configuration of its task-agnostic meta-update, its exemplar memory and its task prediction with test-time
 * adaptation. See {@link ItamlPlugin} for what the plugin does.
 *
 * <pre>{@code
 * ItamlConfiguration itaml = ItamlConfiguration.splitMnist().rule(MetaUpdateRule.PAPER).build();
 * ContinualConfiguration conf = ItamlConfiguration.splitMnistTrainer(itaml).seed(1).build();
 * ContinualResult r = ContinualTrainer.wrap(net, conf).fit(scenario);
 * r.matrix("itaml.with_task_prediction");      // iTAML's reported accuracy
 * }</pre>
 *
 * <p>What belongs to the trainer comes from its {@link ContinualConfiguration}: the minibatch size (new data and
 * exemplars together), the epochs of every session but the first, the seed and the evaluation minibatch size.
 * Defaults here are the released MNIST values of the method's own settings (§5.5): outer rule
 * {@link MetaUpdateRule#PAPER}, r = 1 inner step, β = 0.5, memory 2000 chosen with {@link FirstSelection} (first
 * examples of each class in data-set order), learning rate 0.1 halved after epochs 5, 10 and 15 of each session,
 * test continuum of 20 samples, test-time adaptation for 1 epoch of Adam(1e-3) with minibatch 64; the first session
 * trains for the trainer's epochs (the preset {@link #splitMnist()} sets 5 and the session-4 learning rate 0.05).
 * The number of sessions T of η_t = exp(−β·t/T) is the stream's length under {@code fit(scenario)}; a trainer
 * learning experiences one at a time needs {@link Builder#sessions(int)}.</p>
 *
 * <p>Single-value checks throw {@link IllegalArgumentException} in the Builder's setters, naming the value.</p>
 */
public final class ItamlConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 2L;

    private MetaUpdateRule rule = MetaUpdateRule.PAPER;
    private int innerSteps = 1;
    private double beta = 0.5;
    private int sessions;
    private int memorySize = 2000;
    private SelectionPolicy selection = new FirstSelection();
    private int firstSessionEpochs;
    private double learningRate = 0.1;
    private TreeMap<Integer, Double> sessionLearningRates = new TreeMap<>();
    private int[] lrMilestones = {5, 10, 15};
    private double lrDecay = 0.5;
    private int continuum = 20;
    private int adaptEpochs = 1;
    private int adaptBatchSize = 64;
    private double adaptLearningRate = 1e-3;

    private ItamlConfiguration() {
        // for Jackson and the Builder
    }

    /**
     * The paper's Split-MNIST settings of the plugin (docs/itaml.md): the defaults plus 5 epochs in the first
     * session and learning rate 0.05 in session 4. Use it with {@link #splitMnistTrainer(ItamlConfiguration)}.
     *
     * @return a Builder to adjust further
     */
    public static Builder splitMnist() {
        return new Builder().firstSessionEpochs(5).sessionLearningRate(4, 0.05);
    }

    /**
     * The trainer settings of the paper's Split-MNIST protocol around an iTAML plugin: minibatch 256, 20 epochs
     * per session (the plugin's {@link #getFirstSessionEpochs()} in the first), evaluation minibatch 1000, a FIXED
     * head with one output per class (unseen classes masked in the class-IL row), shuffling on. Set the seed (and
     * e.g. {@code progress(false)}) on the returned builder.
     *
     * @param itaml the plugin, e.g. {@code splitMnist().build()}
     * @return a trainer Builder holding the plugin
     */
    public static ContinualConfiguration.Builder splitMnistTrainer(ItamlConfiguration itaml) {
        return new ContinualConfiguration.Builder().batchSize(256).epochsPerExperience(20).evalBatchSize(1000)
                .headPolicy(HeadPolicy.FIXED).plugin(Objects.requireNonNull(itaml, "itaml"));
    }

    /** {@inheritDoc} */
    @Override
    public ContinualPlugin instantiate() {
        return new ItamlPlugin(this);
    }

    /** @return "itaml-paper" or "itaml-released" */
    @Override
    public String name() {
        return "itaml-" + rule.name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @return the outer update rule */
    public MetaUpdateRule getRule() {
        return rule;
    }

    /** @return r, the inner steps per task and minibatch */
    public int getInnerSteps() {
        return innerSteps;
    }

    /** @return β of η_t = exp(−β·t/T) */
    public double getBeta() {
        return beta;
    }

    /** @return T, the number of sessions of η_t; 0 for the length of the training stream */
    public int getSessions() {
        return sessions;
    }

    /** @return the exemplar budget (equal share per seen class); 0 for no memory */
    public int getMemorySize() {
        return memorySize;
    }

    /** @return the exemplar selection policy */
    public SelectionPolicy getSelection() {
        return selection;
    }

    /** @return epochs of the first session; 0 for the trainer's epochs per experience */
    public int getFirstSessionEpochs() {
        return firstSessionEpochs;
    }

    /**
     * @param configured the trainer's epochs per experience
     * @param session    a session index
     * @return the epochs of that session
     */
    public int epochs(int configured, int session) {
        return session == 0 && firstSessionEpochs > 0 ? firstSessionEpochs : configured;
    }

    /** @return the base learning rate, set on the network's updater every epoch */
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

    /**
     * @param json JSON written by {@link #toJson()}
     * @return the configuration
     * @throws IllegalArgumentException on invalid JSON or JSON of another plugin
     */
    public static ItamlConfiguration fromJson(String json) {
        PluginConfiguration p = ContinualJson.fromJson(json, PluginConfiguration.class);
        if (!(p instanceof ItamlConfiguration)) {
            throw new IllegalArgumentException("The JSON describes a " + p.getClass().getName()
                    + ", not an ItamlConfiguration");
        }
        return (ItamlConfiguration) p;
    }

    /** @return a Builder starting from this configuration */
    public Builder toBuilder() {
        return new Builder((ItamlConfiguration) copy());
    }

    @Override
    public String toString() {
        return "iTAML(rule=" + rule + ", r=" + innerSteps + ", beta=" + beta
                + (sessions > 0 ? ", T=" + sessions : "") + ", memory=" + memorySize + " " + selection
                + ", first-session epochs=" + (firstSessionEpochs > 0 ? firstSessionEpochs : "trainer's")
                + ", lr=" + learningRate + " " + sessionLearningRates + " x" + lrDecay + " at "
                + Arrays.toString(lrMilestones) + ", continuum=" + continuum + ", adapt=" + adaptEpochs + "x Adam("
                + adaptLearningRate + ") batch " + adaptBatchSize + ")";
    }

    /** Builder of {@link ItamlConfiguration}; starts from the defaults. */
    public static final class Builder extends JsonConfiguration.Builder<ItamlConfiguration> {
        /** Starts from the defaults. */
        public Builder() {
            this(new ItamlConfiguration());
        }

        private Builder(ItamlConfiguration start) {
            super(start);
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
         * @param t T of η_t = exp(−β·t/T), ≥ 1; 0 (the default) takes the length of the training stream, which a
         *          trainer learning one experience at a time does not know
         * @return this builder
         */
        public Builder sessions(int t) {
            c.sessions = requireAtLeast("sessions", t, 0);
            return this;
        }

        /**
         * @param size exemplar budget, ≥ 0 (0: no memory)
         * @return this builder
         */
        public Builder memorySize(int size) {
            c.memorySize = requireAtLeast("memorySize", size, 0);
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
         * @param epochs epochs of the first session, ≥ 0 (0, the default: the trainer's epochs per experience)
         * @return this builder
         */
        public Builder firstSessionEpochs(int epochs) {
            c.firstSessionEpochs = requireAtLeast("firstSessionEpochs", epochs, 0);
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
         * @param decay      factor in (0, 1] applied after each milestone
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
    }
}
