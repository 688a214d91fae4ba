package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.zoo.LearnerConfiguration;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Hyper-parameters of {@link AtlasLearner}; immutable, built with {@link Builder}, JSON round trip with
 * {@link #toJson()} / {@link #fromJson(String)}.
 *
 * <p>Defaults (methods.md §4.5 scaled down for a CPU, fixed before any run): stage 1 ("experience-based learning")
 * 2 epochs, stage 2 ("novel knowledge expansion") {@link #getEpochs()} = 3 epochs (paper: 20 per stage); batch 32
 * (paper 128); AdamW β = (0.9, 0.98), ε 1e-8 (paper 1e-4, for fp16), weight decay 0.01 on weight matrices only;
 * base learning rate 1e-3 (paper 5e-4, doubled for the far shorter runs) for adapters, keys and heads, queries in
 * stage 1 at 5e-2 (the paper's absolute value: base × 100); per stage a linear warm-up over 10 % of the steps,
 * then linear decay to 0; adapter bottleneck 24 (the paper's 48/768 = 1/16 of MiniLM's 384); 4 heads in the query
 * attention; orthogonality weight 0.1; text sites after MiniLM layers 4 and 5 (the last two of six); image sites
 * after the image tower's last hidden layer and after its projection; matching logits scaled by 30 (the alignment
 * scale); captions "a photo of a {name}."; one query per (task, adapter) (the faithful design, methods.md §4.3);
 * whole-adapter weighting (one gate per sample; {@link Weighting#DIMENSION} with 24 query slots is the per-channel
 * variant). Evaluation batch 1000, seed 1.</p>
 *
 * <p>Epoch rule: a task trained without stage 1 because no earlier adapters exist (the first task of an ATLAS
 * stream) runs stage 2 for stage-1 + stage-2 epochs, so that it gets the same number of updates as the sequential
 * baseline's task (see {@link AtlasLearner#train(AtlasTask, int, int)}).</p>
 */
public final class AtlasConfiguration extends LearnerConfiguration {
    /** What is trained per task. */
    public enum Method {
        /** Stage 1 (new queries over the frozen old adapters + head), then stage 2 (a new adapter, query, key + head). */
        ATLAS,
        /** Baseline: one adapter set (one adapter, query and key per site) fine-tuned task after task, per-task heads. */
        SEQUENTIAL
    }

    /** How an adapter's output is weighted at a site (methods.md §4.2). */
    public enum Weighting {
        /** "adapter-whole-weighted": one gate α_i ∈ [0, 1] per sample and adapter (query and key {@code [1, D]}). */
        WHOLE,
        /**
         * "adapter-dimension-weighted": queries and keys of {@link #getQuerySlots()} slots ({@code [S, D]}), one gate
         * per sample, adapter and channel, {@code α[b, d] = (1 + Σ_s ĉ[b, s, d] k̂[s, d]) / 2}.
         */
        DIMENSION
    }

    private final Method method;
    private final Weighting weighting;
    private final int querySlots;
    private final int stage1Epochs;
    private final double queryLearningRate;
    private final double weightDecay;
    private final double warmupFraction;
    private final int bottleneck;
    private final int queryHeads;
    private final double orthoWeight;
    private final double scale;
    private final List<Integer> textSiteLayers;
    private final boolean hiddenImageSite;
    private final boolean embeddingImageSite;
    private final boolean queryPerTask;
    private final String captionTemplate;

    private AtlasConfiguration(Builder b) {
        super(b);
        this.method = b.method;
        this.weighting = b.weighting;
        this.querySlots = b.querySlots;
        this.stage1Epochs = b.stage1Epochs;
        this.queryLearningRate = b.queryLearningRate;
        this.weightDecay = b.weightDecay;
        this.warmupFraction = b.warmupFraction;
        this.bottleneck = b.bottleneck;
        this.queryHeads = b.queryHeads;
        this.orthoWeight = b.orthoWeight;
        this.scale = b.scale;
        this.textSiteLayers = Collections.unmodifiableList(new ArrayList<>(new TreeSet<>(b.textSiteLayers)));
        this.hiddenImageSite = b.hiddenImageSite;
        this.embeddingImageSite = b.embeddingImageSite;
        this.queryPerTask = b.queryPerTask;
        this.captionTemplate = b.captionTemplate;
    }

    public Method getMethod() {
        return method;
    }

    /** Whole-adapter (default) or per-dimension weighting of the adapters. */
    public Weighting getWeighting() {
        return weighting;
    }

    /** Query/key slots S of the per-dimension weighting (default 24, as released; unused for WHOLE). */
    public int getQuerySlots() {
        return querySlots;
    }

    /** Rows of one query or key: S for {@link Weighting#DIMENSION}, 1 for {@link Weighting#WHOLE}. */
    public int slotsPerQuery() {
        return weighting == Weighting.DIMENSION ? querySlots : 1;
    }

    /** Epochs of stage 1 per task (tasks after the first, ATLAS only). */
    public int getStage1Epochs() {
        return stage1Epochs;
    }

    /** Epochs of stage 2 per task: {@link #getEpochs()}. */
    public int getStage2Epochs() {
        return getEpochs();
    }

    /** Learning rate of the queries in stage 1 (the head trains at {@link #getLearningRate()}). */
    public double getQueryLearningRate() {
        return queryLearningRate;
    }

    public double getWeightDecay() {
        return weightDecay;
    }

    public double getWarmupFraction() {
        return warmupFraction;
    }

    public int getBottleneck() {
        return bottleneck;
    }

    public int getQueryHeads() {
        return queryHeads;
    }

    public double getOrthoWeight() {
        return orthoWeight;
    }

    public double getScale() {
        return scale;
    }

    /** Text-tower layers (0-based, sorted) after which an adapter site sits. */
    public List<Integer> getTextSiteLayers() {
        return textSiteLayers;
    }

    public boolean isHiddenImageSite() {
        return hiddenImageSite;
    }

    public boolean isEmbeddingImageSite() {
        return embeddingImageSite;
    }

    /** One query per (task, adapter) (true) or one per adapter, re-learned by later tasks as released (false). */
    public boolean isQueryPerTask() {
        return queryPerTask;
    }

    /** Caption of a class name ({@code %s} = the name). */
    public String getCaptionTemplate() {
        return captionTemplate;
    }

    /** The caption of {@code name}. */
    public String caption(String name) {
        return String.format(java.util.Locale.ROOT, captionTemplate, name);
    }

    /** Learning-rate factor of step {@code step} (0-based) of a stage of {@code total} steps: warm-up, then decay. */
    public double scheduleFactor(long step, long total) {
        long warm = (long) Math.ceil(warmupFraction * total);
        if (step < warm) {
            return (step + 1.0) / warm;
        }
        return Math.max(0.0, (double) (total - step) / Math.max(1, total - warm));
    }

    /** A builder holding this configuration's values. */
    public Builder toBuilder() {
        return new Builder().from(this).method(method).weighting(weighting).querySlots(querySlots)
                .stage1Epochs(stage1Epochs).queryLearningRate(queryLearningRate)
                .weightDecay(weightDecay).warmupFraction(warmupFraction).bottleneck(bottleneck).queryHeads(queryHeads)
                .orthoWeight(orthoWeight).scale(scale).textSiteLayers(textSiteLayers).hiddenImageSite(hiddenImageSite)
                .embeddingImageSite(embeddingImageSite).queryPerTask(queryPerTask).captionTemplate(captionTemplate);
    }

    private Map<String, Object> values() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("method", method.name());
        m.put("weighting", weighting.name());
        m.put("querySlots", querySlots);
        m.put("stage1Epochs", stage1Epochs);
        m.put("stage2Epochs", getEpochs());
        m.put("batchSize", getBatchSize());
        m.put("learningRate", getLearningRate());
        m.put("queryLearningRate", queryLearningRate);
        m.put("weightDecay", weightDecay);
        m.put("warmupFraction", warmupFraction);
        m.put("bottleneck", bottleneck);
        m.put("queryHeads", queryHeads);
        m.put("orthoWeight", orthoWeight);
        m.put("scale", scale);
        m.put("textSiteLayers", textSiteLayers);
        m.put("hiddenImageSite", hiddenImageSite);
        m.put("embeddingImageSite", embeddingImageSite);
        m.put("queryPerTask", queryPerTask);
        m.put("captionTemplate", captionTemplate);
        m.put("evalBatchSize", getEvalBatchSize());
        m.put("seed", getSeed());
        return m;
    }

    /** This configuration as JSON (every value, by name). */
    public String toJson() {
        return ContinualJson.toJson(values());
    }

    /**
     * Reads {@link #toJson()}'s format; every key is required.
     *
     * @throws IllegalArgumentException for invalid JSON, a missing or unknown key, or an invalid value
     */
    @SuppressWarnings("unchecked")
    public static AtlasConfiguration fromJson(String json) {
        Map<String, Object> m = ContinualJson.fromJson(json, Map.class);
        Map<String, Object> expected = new Builder().build().values();
        if (!m.keySet().equals(expected.keySet())) {
            throw new IllegalArgumentException("AtlasConfiguration JSON should have the keys " + expected.keySet()
                    + " (got: " + m.keySet() + ")");
        }
        List<Integer> layers = new ArrayList<>();
        for (Object o : (List<Object>) m.get("textSiteLayers")) {
            layers.add(((Number) o).intValue());
        }
        return new Builder().method(enumValue(Method.class, m, "method"))
                .weighting(enumValue(Weighting.class, m, "weighting")).querySlots(num(m, "querySlots").intValue())
                .stage1Epochs(num(m, "stage1Epochs").intValue()).epochs(num(m, "stage2Epochs").intValue())
                .batchSize(num(m, "batchSize").intValue()).learningRate(num(m, "learningRate").doubleValue())
                .queryLearningRate(num(m, "queryLearningRate").doubleValue())
                .weightDecay(num(m, "weightDecay").doubleValue()).warmupFraction(num(m, "warmupFraction").doubleValue())
                .bottleneck(num(m, "bottleneck").intValue()).queryHeads(num(m, "queryHeads").intValue())
                .orthoWeight(num(m, "orthoWeight").doubleValue()).scale(num(m, "scale").doubleValue())
                .textSiteLayers(layers).hiddenImageSite((Boolean) m.get("hiddenImageSite"))
                .embeddingImageSite((Boolean) m.get("embeddingImageSite"))
                .queryPerTask((Boolean) m.get("queryPerTask")).captionTemplate((String) m.get("captionTemplate"))
                .evalBatchSize(num(m, "evalBatchSize").intValue()).seed(num(m, "seed").longValue()).build();
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, Map<String, Object> m, String key) {
        Object o = m.get(key);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(o)) {
                return e;
            }
        }
        throw new IllegalArgumentException("AtlasConfiguration JSON: " + key + " should be one of "
                + java.util.Arrays.toString(type.getEnumConstants()) + " (got: " + o + ")");
    }

    private static Number num(Map<String, Object> m, String key) {
        Object o = m.get(key);
        if (!(o instanceof Number)) {
            throw new IllegalArgumentException("AtlasConfiguration JSON: " + key + " should be a number (got: " + o
                    + ")");
        }
        return (Number) o;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AtlasConfiguration && ((AtlasConfiguration) o).values().equals(values());
    }

    @Override
    public int hashCode() {
        return values().hashCode();
    }

    @Override
    public String toString() {
        return "AtlasConfiguration" + values();
    }

    /** Builder with the defaults listed on {@link AtlasConfiguration}. */
    public static final class Builder extends LearnerConfiguration.Builder<AtlasConfiguration, Builder> {
        private Method method = Method.ATLAS;
        private Weighting weighting = Weighting.WHOLE;
        private int querySlots = 24;
        private int stage1Epochs = 2;
        private double queryLearningRate = 5e-2;
        private double weightDecay = 0.01;
        private double warmupFraction = 0.1;
        private int bottleneck = 24;
        private int queryHeads = 4;
        private double orthoWeight = 0.1;
        private double scale = 30;
        private List<Integer> textSiteLayers = List.of(4, 5);
        private boolean hiddenImageSite = true;
        private boolean embeddingImageSite = true;
        private boolean queryPerTask = true;
        private String captionTemplate = "a photo of a %s.";

        /** Defaults as listed on {@link AtlasConfiguration} (epochs = stage-2 epochs). */
        public Builder() {
            super(3, 32, 1e-3, 1000);
        }

        @Override
        protected Builder self() {
            return this;
        }

        /** ATLAS or the sequential fine-tuning baseline (default ATLAS). */
        public Builder method(Method m) {
            this.method = Objects.requireNonNull(m, "method");
            return this;
        }

        /** Whole-adapter (default) or per-dimension weighting. */
        public Builder weighting(Weighting w) {
            this.weighting = Objects.requireNonNull(w, "weighting");
            return this;
        }

        /** Query/key slots of the per-dimension weighting (default 24, as released). */
        public Builder querySlots(int s) {
            this.querySlots = positive("querySlots", s);
            return this;
        }

        /** Stage-1 epochs (default 2; 0 skips stage 1). */
        public Builder stage1Epochs(int e) {
            if (e < 0) {
                throw new IllegalArgumentException("stage1Epochs should be >= 0 (got: " + e + ")");
            }
            this.stage1Epochs = e;
            return this;
        }

        /** Stage-2 epochs (the shared {@link #epochs}). */
        public Builder stage2Epochs(int e) {
            return epochs(e);
        }

        /** Learning rate of the queries in stage 1 (default 5e-2). */
        public Builder queryLearningRate(double lr) {
            this.queryLearningRate = strictlyPositive("queryLearningRate", lr);
            return this;
        }

        /** Decoupled (AdamW) weight decay of weight matrices (default 0.01). */
        public Builder weightDecay(double wd) {
            this.weightDecay = nonNegative("weightDecay", wd);
            return this;
        }

        /** Fraction of a stage's steps spent in linear warm-up (default 0.1), in [0, 1). */
        public Builder warmupFraction(double f) {
            if (!(f >= 0 && f < 1)) {
                throw new IllegalArgumentException("warmupFraction should be in [0, 1) (got: " + f + ")");
            }
            this.warmupFraction = f;
            return this;
        }

        /** Adapter bottleneck r (default 24). */
        public Builder bottleneck(int r) {
            this.bottleneck = positive("bottleneck", r);
            return this;
        }

        /** Heads of the projection-free query attention (default 4; must divide every site's width). */
        public Builder queryHeads(int h) {
            this.queryHeads = positive("queryHeads", h);
            return this;
        }

        /** Weight of the orthogonality penalties (default 0.1). */
        public Builder orthoWeight(double w) {
            this.orthoWeight = nonNegative("orthoWeight", w);
            return this;
        }

        /** Scale of the image-text matching cosines (default 30). */
        public Builder scale(double s) {
            this.scale = strictlyPositive("scale", s);
            return this;
        }

        /** Text-tower layers after which a site sits (default 4, 5); may be empty (no text adapters). */
        public Builder textSiteLayers(List<Integer> layers) {
            for (Integer l : Objects.requireNonNull(layers, "textSiteLayers")) {
                if (l == null || l < 0) {
                    throw new IllegalArgumentException("textSiteLayers should hold layer indices >= 0 (got: "
                            + layers + ")");
                }
            }
            this.textSiteLayers = new ArrayList<>(layers);
            return this;
        }

        /** A site after the image tower's last hidden layer (default true). */
        public Builder hiddenImageSite(boolean b) {
            this.hiddenImageSite = b;
            return this;
        }

        /** A site after the image tower's projection into the text space (default true). */
        public Builder embeddingImageSite(boolean b) {
            this.embeddingImageSite = b;
            return this;
        }

        /** One query per (task, adapter) (default true) or one per adapter, re-learned as released. */
        public Builder queryPerTask(boolean b) {
            this.queryPerTask = b;
            return this;
        }

        /** Caption template with one {@code %s} for the class name (default "a photo of a %s."). */
        public Builder captionTemplate(String t) {
            if (t == null || !t.contains("%s") || t.indexOf("%s") != t.lastIndexOf("%s")) {
                throw new IllegalArgumentException("captionTemplate should contain %s exactly once (got: '" + t
                        + "')");
            }
            this.captionTemplate = t;
            return this;
        }

        @Override
        public AtlasConfiguration build() {
            return new AtlasConfiguration(this);
        }
    }
}
