package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.serde.JsonConfiguration;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.TextTokenizer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The ATLAS plugin's configuration (arXiv 2410.10923; docs/prompts-adapters.md; {@link AtlasPlugin} is the runtime): adapter
 * sites with query/key weighting after the layers the user names, two training stages per experience, per-task
 * heads, image-text tasks through fixed class-name text embeddings. Immutable, built with {@link Builder} (every
 * setter names a bad value), JSON round trip through the trainer's {@code ContinualConfiguration} JSON.
 *
 * <p>Defaults (docs/prompts-adapters.md scaled down for a CPU, fixed before any run): stage 1 ("experience-based learning")
 * 2 epochs, stage 2 ("novel knowledge expansion") 3 epochs (paper: 20 per stage); AdamW = DL4J's {@code Adam} with
 * β = (0.9, 0.98), ε 1e-8 plus DL4J's {@code WeightDecay} 0.01 (decoupled, scaled by the learning rate) on the
 * adapters' and heads' weight matrices; base learning rate 1e-3 (adapters, keys, heads), queries in stage 1 at 5e-2;
 * per stage a linear warm-up over 10 % of its steps, then linear decay to 0 ({@link AtlasSchedule}); bottleneck 24;
 * 4 heads in the query attention; orthogonality weight 0.1; matching logits scaled by 30; one query per (task,
 * adapter); whole-adapter weighting. Sites: the layers named by {@link Builder#siteLayers}; by default after the
 * last two dense layers before the output layer. An experience whose classes all have a text embedding
 * ({@link Builder#classText}) is an image-text matching task, one whose classes have none an image task.</p>
 *
 * <p>Budget rule: an ATLAS experience without earlier adapters (the first) runs stage 2 for stage-1 + stage-2
 * epochs, so that every task gets the same number of updates as sequential fine-tuning with that many epochs.</p>
 */
public final class AtlasConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;

    /** What is trained per task. */
    public enum Method {
        /** Stage 1 (new queries over the frozen old adapters + head), then stage 2 (a new adapter, query, key + head). */
        ATLAS,
        /** Baseline: one adapter set (one adapter, query and key per site) fine-tuned task after task, per-task heads. */
        SEQUENTIAL
    }

    /** How an adapter's output is weighted at a site (docs/prompts-adapters.md). */
    public enum Weighting {
        /** "adapter-whole-weighted": one gate α_i ∈ [0, 1] per sample and adapter (query and key {@code [1, D]}). */
        WHOLE,
        /** "adapter-dimension-weighted": one gate per sample, adapter and channel (query and key {@code [S, D]}). */
        DIMENSION
    }

    private Method method = Method.ATLAS;
    private Weighting weighting = Weighting.WHOLE;
    private int querySlots = 24;
    private int stage1Epochs = 2;
    private int stage2Epochs = 3;
    private TreeMap<Integer, int[]> experienceEpochs = new TreeMap<>();
    private double learningRate = 1e-3;
    private double queryLearningRate = 5e-2;
    private double weightDecay = 0.01;
    private double warmupFraction = 0.1;
    private double beta1 = 0.9;
    private double beta2 = 0.98;
    private double epsilon = 1e-8;
    private int bottleneck = 24;
    private int queryHeads = 4;
    private double orthoWeight = 0.1;
    private double scale = 30;
    private ArrayList<String> siteLayers = new ArrayList<>();
    private boolean queryPerTask = true;
    private TreeMap<Integer, double[]> classTexts = new TreeMap<>();
    private TreeSet<Integer> untrained = new TreeSet<>();
    private boolean adapters = true;

    private AtlasConfiguration() {
        // for Jackson and the Builder
    }

    @Override
    public ContinualPlugin instantiate() {
        return new AtlasPlugin(this);
    }

    /** @return "atlas" or "atlas-sequential" */
    @Override
    public String name() {
        return method == Method.ATLAS ? "atlas" : "atlas-sequential";
    }

    public Method getMethod() { return method; }

    public Weighting getWeighting() { return weighting; }

    /** Query/key slots S of the per-dimension weighting (default 24; unused for WHOLE). */
    public int getQuerySlots() { return querySlots; }

    /** Rows of one query or key: S for {@link Weighting#DIMENSION}, 1 for {@link Weighting#WHOLE}. */
    public int slotsPerQuery() { return weighting == Weighting.DIMENSION ? querySlots : 1; }

    /** Stage-1 epochs of an experience without its own setting. */
    public int getStage1Epochs() { return stage1Epochs; }

    /** Stage-2 epochs of an experience without its own setting. */
    public int getStage2Epochs() { return stage2Epochs; }

    /** @param experience an experience index @return {stage-1, stage-2} epochs configured for it */
    public int[] stageEpochs(int experience) {
        int[] e = experienceEpochs.get(experience);
        return e != null ? e.clone() : new int[]{stage1Epochs, stage2Epochs};
    }

    public double getLearningRate() { return learningRate; }

    /** Learning rate of the queries in stage 1 (the head trains at the base rate). */
    public double getQueryLearningRate() { return queryLearningRate; }

    public double getWeightDecay() { return weightDecay; }

    public double getWarmupFraction() { return warmupFraction; }

    public double getBeta1() { return beta1; }

    public double getBeta2() { return beta2; }

    public double getEpsilon() { return epsilon; }

    public int getBottleneck() { return bottleneck; }

    public int getQueryHeads() { return queryHeads; }

    public double getOrthoWeight() { return orthoWeight; }

    public double getScale() { return scale; }

    /** The layers after which a site sits (names, or indices of a MultiLayerNetwork); empty = the default. */
    public List<String> getSiteLayers() { return new ArrayList<>(siteLayers); }

    /** One query per (task, adapter) (true) or one per adapter, re-learned by later tasks as released (false). */
    public boolean isQueryPerTask() { return queryPerTask; }

    /** The text embedding of class c (a copy), or null if c has none. */
    public double[] classText(int c) {
        double[] t = classTexts.get(c);
        return t == null ? null : t.clone();
    }

    /** The classes with a text embedding. */
    public List<Integer> textClasses() { return new ArrayList<>(classTexts.keySet()); }

    /** Experiences that add their adapters, queries, keys and head without training (the untrained control). */
    public List<Integer> getUntrained() { return new ArrayList<>(untrained); }

    /** Whether adapter sites are inserted (false: the per-task heads alone on the frozen network, a control). */
    public boolean isAdapters() { return adapters; }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return new Builder((AtlasConfiguration) copy());
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "AtlasConfiguration{%s, %s, stages %d+%d, lr %g/%g, wd %g, bottleneck %d, "
                        + "heads %d, ortho %g, sites %s, %d text classes, queryPerTask %s, untrained %s}", method,
                weighting, stage1Epochs, stage2Epochs, learningRate, queryLearningRate, weightDecay, bottleneck,
                queryHeads, orthoWeight, !adapters ? "none" : siteLayers.isEmpty() ? "default" : siteLayers, classTexts.size(),
                queryPerTask, untrained);
    }

    /** Checked builder; starts from the defaults listed on {@link AtlasConfiguration}. */
    public static final class Builder extends JsonConfiguration.Builder<AtlasConfiguration> {
        /** Starts from the defaults. */
        public Builder() {
            this(new AtlasConfiguration());
        }

        private Builder(AtlasConfiguration start) {
            super(start);
        }

        private static int positive(String name, int v) {
            if (v <= 0) {
                throw new IllegalArgumentException(name + " should be > 0 (got: " + v + ")");
            }
            return v;
        }

        private static double positive(String name, double v) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(name + " should be > 0 and finite (got: " + v + ")");
            }
            return v;
        }

        private static double nonNegative(String name, double v) {
            if (!(v >= 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException(name + " should be >= 0 and finite (got: " + v + ")");
            }
            return v;
        }

        /** @param m ATLAS or the sequential fine-tuning baseline (default ATLAS) @return this */
        public Builder method(Method m) { c.method = Objects.requireNonNull(m, "method"); return this; }

        /** @param w whole-adapter (default) or per-dimension weighting @return this */
        public Builder weighting(Weighting w) { c.weighting = Objects.requireNonNull(w, "weighting"); return this; }

        /** @param s query/key slots of the per-dimension weighting (default 24) @return this */
        public Builder querySlots(int s) {
            if (s < 2) {
                throw new IllegalArgumentException("querySlots should be >= 2: the per-dimension gates are normalised "
                        + "along the slots (got: " + s + ")");
            }
            c.querySlots = s;
            return this;
        }

        /** @param e stage-1 epochs per experience, >= 0 (default 2; 0 skips stage 1) @return this */
        public Builder stage1Epochs(int e) {
            c.stage1Epochs = requireAtLeast("stage1Epochs", e, 0);
            return this;
        }

        /** @param e stage-2 epochs per experience, > 0 (default 3) @return this */
        public Builder stage2Epochs(int e) { c.stage2Epochs = positive("stage2Epochs", e); return this; }

        /**
         * Epochs of one experience (e.g. a downstream task trained longer than the upstream stream).
         *
         * @param experience its index, >= 0
         * @param stage1     stage-1 epochs, >= 0
         * @param stage2     stage-2 epochs, > 0
         * @return this
         */
        public Builder experienceEpochs(int experience, int stage1, int stage2) {
            if (experience < 0 || stage1 < 0 || stage2 <= 0) {
                throw new IllegalArgumentException("experienceEpochs needs experience >= 0, stage1 >= 0, stage2 > 0 "
                        + "(got: " + experience + ", " + stage1 + ", " + stage2 + ")");
            }
            c.experienceEpochs.put(experience, new int[]{stage1, stage2});
            return this;
        }

        /** @param lr base learning rate of adapters, keys and heads (default 1e-3) @return this */
        public Builder learningRate(double lr) { c.learningRate = positive("learningRate", lr); return this; }

        /** @param lr learning rate of the queries in stage 1 (default 5e-2) @return this */
        public Builder queryLearningRate(double lr) {
            c.queryLearningRate = positive("queryLearningRate", lr);
            return this;
        }

        /** @param wd decoupled weight decay of weight matrices (DL4J WeightDecay; default 0.01) @return this */
        public Builder weightDecay(double wd) { c.weightDecay = nonNegative("weightDecay", wd); return this; }

        /** @param f fraction of a stage's steps in linear warm-up, in [0, 1) (default 0.1) @return this */
        public Builder warmupFraction(double f) {
            if (!(f >= 0 && f < 1)) {
                throw new IllegalArgumentException("warmupFraction should be in [0, 1) (got: " + f + ")");
            }
            c.warmupFraction = f;
            return this;
        }

        /**
         * @param b1  Adam β1 in [0, 1) (default 0.9)
         * @param b2  Adam β2 in [0, 1) (default 0.98)
         * @param eps Adam ε > 0 (default 1e-8)
         * @return this
         */
        public Builder adam(double b1, double b2, double eps) {
            if (!(b1 >= 0 && b1 < 1) || !(b2 >= 0 && b2 < 1)) {
                throw new IllegalArgumentException("Adam betas should be in [0, 1) (got: " + b1 + ", " + b2 + ")");
            }
            c.beta1 = b1;
            c.beta2 = b2;
            c.epsilon = positive("epsilon", eps);
            return this;
        }

        /** @param r adapter bottleneck (default 24) @return this */
        public Builder bottleneck(int r) { c.bottleneck = positive("bottleneck", r); return this; }

        /** @param h heads of the query attention; must divide every site's width (default 4) @return this */
        public Builder queryHeads(int h) { c.queryHeads = positive("queryHeads", h); return this; }

        /** @param w weight of the orthogonality penalties (default 0.1) @return this */
        public Builder orthoWeight(double w) { c.orthoWeight = nonNegative("orthoWeight", w); return this; }

        /** @param s scale of the image-text matching cosines (default 30) @return this */
        public Builder scale(double s) { c.scale = positive("scale", s); return this; }

        /**
         * @param layers the layers after which a site sits (layer or vertex names; a MultiLayerNetwork's layers
         *               also by index), in any order; empty: after the last two dense layers before the output
         * @return this
         */
        public Builder siteLayers(String... layers) {
            TreeSet<String> seen = new TreeSet<>();
            for (String l : layers) {
                if (l == null || l.isBlank() || !seen.add(l)) {
                    throw new IllegalArgumentException("siteLayers should be distinct, non-empty layer names (got: "
                            + Arrays.toString(layers) + ")");
                }
            }
            c.siteLayers = new ArrayList<>(Arrays.asList(layers));
            return this;
        }

        /** @param b one query per (task, adapter) (default) or per adapter, re-learned as released @return this */
        public Builder queryPerTask(boolean b) { c.queryPerTask = b; return this; }

        /**
         * @param cls       a class (label column), >= 0
         * @param embedding its fixed text embedding (copied; non-empty, finite)
         * @return this
         */
        public Builder classText(int cls, double[] embedding) {
            if (cls < 0) {
                throw new IllegalArgumentException("classText: class should be >= 0 (got: " + cls + ")");
            }
            if (embedding == null || embedding.length == 0 || Arrays.stream(embedding).anyMatch(v -> !Double.isFinite(v))) {
                throw new IllegalArgumentException("classText: the embedding of class " + cls + " should be a "
                        + "non-empty finite vector (got: " + (embedding == null ? null : embedding.length + " values")
                        + ")");
            }
            if (!c.classTexts.isEmpty() && c.classTexts.firstEntry().getValue().length != embedding.length) {
                throw new IllegalArgumentException("classText: class " + cls + " has an embedding of width "
                        + embedding.length + " but earlier classes have " + c.classTexts.firstEntry().getValue().length);
            }
            c.classTexts.put(cls, embedding.clone());
            return this;
        }

        /**
         * The frozen text tower's embeddings of {@code String.format(template, name)} as the classes' text constants.
         *
         * @param encoder   the text tower
         * @param tokenizer its tokenizer
         * @param names     class → class name
         * @param template  a caption with one {@code %s}, e.g. "a photo of a %s."
         * @return this
         */
        public Builder classTexts(BertTextEncoder encoder, TextTokenizer tokenizer, Map<Integer, String> names,
                                  String template) {
            if (template == null || !template.contains("%s") || template.indexOf("%s") != template.lastIndexOf("%s")) {
                throw new IllegalArgumentException("the caption template should contain %s exactly once (got: '"
                        + template + "')");
            }
            List<Integer> cls = new ArrayList<>(new TreeMap<>(names).keySet());
            List<String> captions = new ArrayList<>();
            for (int k : cls) {
                captions.add(String.format(Locale.ROOT, template, names.get(k)));
            }
            INDArray e = encoder.embed(tokenizer, captions).castTo(DataType.DOUBLE);
            for (int i = 0; i < cls.size(); i++) {
                classText(cls.get(i), e.getRow(i).toDoubleVector());
            }
            return this;
        }

        /**
         * @param on insert adapter sites (default true); false keeps only the per-task heads on the frozen network
         *           (the head-only and zero-shot controls)
         * @return this
         */
        public Builder adapters(boolean on) { c.adapters = on; return this; }

        /** @param experiences experiences that add their structure without training (the untrained control) @return this */
        public Builder untrained(int... experiences) {
            for (int e : experiences) {
                if (e < 0) {
                    throw new IllegalArgumentException("untrained experiences should be >= 0 (got: "
                            + Arrays.toString(experiences) + ")");
                }
                c.untrained.add(e);
            }
            return this;
        }

        /** @return the configuration (a copy of this builder's values) */
        public AtlasConfiguration build() {
            return super.build();
        }
    }
}
