package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.TextTokenizer;
import io.github.dl4jcontinual.zoo.text.TokenLayout;
import io.github.dl4jcontinual.zoo.transformer.TransformerOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * ATLAS (Li et al., arXiv 2410.10923; methods.md §4): task-incremental learning over a stream that mixes
 * image-only classification tasks and image-text matching tasks ({@link AtlasTask}) on a frozen image tower
 * ({@link AtlasImageSide}) and a frozen pretrained text tower ({@link BertTextEncoder}), with {@link AtlasAdapterSite}
 * adapter banks at every insertion site: after the image tower's last hidden layer, after its projection, and inside
 * the text tower after the configured layers (through {@link BertTextEncoder#encode}'s {@code afterLayer} hook).
 *
 * <p>For task t (0-based) with the adapters Φ_0..Φ_{t−1} of the earlier tasks (frozen, with their keys):
 * <ul>
 *   <li><b>stage 1</b> (experience-based learning, t &gt; 0): new queries q_t^0..q_t^{t−1} at every site, at the
 *       query learning rate, and the task's head (image tasks; at the base rate) train on
 *       {@code CE + w·Σ_sites ortho(queries)}; every site outputs {@code Σ_{i<t} α_t^i Φ_i(u)}.</li>
 *   <li><b>stage 2</b> (novel knowledge expansion): a new adapter Φ_t with its query q_t^t and key k_t at every site
 *       and the head train on {@code CE + w·Σ_sites [ortho(queries) + ortho(keys)]}; stage-1 queries, old adapters
 *       and keys are frozen; every site outputs {@code Σ_{i≤t} α_t^i Φ_i(u)}.</li>
 * </ul>
 * Inference on task j uses adapters 0..j, task j's queries and head j. With {@link AtlasConfiguration#isQueryPerTask()}
 * false the queries are stored per adapter only and re-created and re-learned by every later task (as released), so
 * earlier tasks are then evaluated with the latest queries. {@link AtlasConfiguration.Method#SEQUENTIAL} is the
 * baseline: one adapter (with query and key) per site fine-tuned on every task in turn, per-task heads.
 *
 * <p>Heads: an image task's logits are {@code e W_t + b_t} on the adapted image embedding e; an image-text task's are
 * {@code s·cos(e, text_c)} over the captions of its classes, text_c the adapted text-tower embedding (mean-pooled)
 * of "a photo of a {name}.". Optimiser: AdamW per stage (fresh moments), learning rate per
 * {@link AtlasConfiguration#scheduleFactor}. Every stage builds a fresh SameDiff graph whose tower weights are
 * constants; the learned parameters live in this learner's store between stages (copies). Text-site adapters of an
 * image-only task are created (identity at start, W2 = 0) but never trained, since no loss reaches them.
 */
public final class AtlasLearner {
    /** Placeholder of the image tower's hidden features. */
    public static final String X = "x";
    /** Placeholder of the one-hot labels over the task's classes. */
    public static final String Y = "y";
    /** The task's logits. */
    public static final String LOGITS = "logits";
    /** The training loss. */
    public static final String LOSS = "atlas_loss";
    private static final String TEXT_PREFIX = "text.";

    /** Which graph is built. */
    public enum Stage {
        /** Experience-based learning: queries over the old adapters + head. */
        STAGE1,
        /** Novel knowledge expansion: new adapter, query, key + head. */
        STAGE2,
        /** Inference with the task's adapters, queries and head. */
        EVAL
    }

    private final AtlasConfiguration conf;
    private final AtlasImageSide image;
    private final BertTextEncoder encoder;
    private final TextTokenizer tokenizer;
    private final DataType type;
    private final Map<String, INDArray> store = new LinkedHashMap<>();
    private final List<AtlasTask> tasks = new ArrayList<>();
    private final Random rng;
    private PrintStream progress;
    private double lastLoss = Double.NaN;

    /** A graph of one task and stage, with its sites and the store names of its variables. */
    public static final class Graph {
        private final SameDiff sd;
        private final List<AtlasAdapterSite> sites;
        private final List<String> trainable;
        private final Map<String, String> storeNames;

        private Graph(SameDiff sd, List<AtlasAdapterSite> sites, List<String> trainable,
                      Map<String, String> storeNames) {
            this.sd = sd;
            this.sites = sites;
            this.trainable = trainable;
            this.storeNames = storeNames;
        }

        /** The graph (placeholders {@link #X}, {@link #Y}; outputs {@link #LOGITS}, {@link #LOSS}). */
        public SameDiff sameDiff() {
            return sd;
        }

        /** The adapter sites, image sites first, then text sites by layer. */
        public List<AtlasAdapterSite> sites() {
            return Collections.unmodifiableList(sites);
        }

        /** Names of the variables this stage trains. */
        public List<String> trainable() {
            return Collections.unmodifiableList(trainable);
        }
    }

    /** A learner in single precision. */
    public AtlasLearner(AtlasConfiguration conf, AtlasImageSide image, BertTextEncoder encoder,
                        TextTokenizer tokenizer) {
        this(conf, image, encoder, tokenizer, DataType.FLOAT);
    }

    /**
     * @param conf      hyper-parameters
     * @param image     the frozen image projection
     * @param encoder   the frozen text tower (its width must equal the image side's D), or null for image-only streams
     * @param tokenizer its tokenizer (null iff encoder is null)
     * @param type      FLOAT, or DOUBLE for gradient checks
     * @throws IllegalArgumentException when widths, heads or site layers do not fit
     */
    public AtlasLearner(AtlasConfiguration conf, AtlasImageSide image, BertTextEncoder encoder,
                        TextTokenizer tokenizer, DataType type) {
        this.conf = java.util.Objects.requireNonNull(conf, "conf");
        this.image = java.util.Objects.requireNonNull(image, "image");
        if ((encoder == null) != (tokenizer == null)) {
            throw new IllegalArgumentException("Give both a text encoder and its tokenizer, or neither");
        }
        int heads = conf.getQueryHeads();
        if (conf.isHiddenImageSite() && image.hiddenWidth() % heads != 0
                || conf.isEmbeddingImageSite() && image.width() % heads != 0) {
            throw new IllegalArgumentException("queryHeads " + heads + " should divide the image widths H = "
                    + image.hiddenWidth() + " and D = " + image.width());
        }
        if (encoder != null) {
            if (encoder.hidden() != image.width()) {
                throw new IllegalArgumentException("The text tower's width " + encoder.hidden()
                        + " should equal the image projection's width D = " + image.width());
            }
            for (int l : conf.getTextSiteLayers()) {
                if (l >= encoder.layers()) {
                    throw new IllegalArgumentException("Text site layer " + l + " does not exist: the text tower has "
                            + encoder.layers() + " layers (0.." + (encoder.layers() - 1) + ")");
                }
            }
        }
        this.encoder = encoder;
        this.tokenizer = tokenizer;
        this.type = type;
        this.rng = new Random(conf.getSeed());
    }

    /** Prints a line per stage to {@code out} (null: silent). */
    public AtlasLearner progress(PrintStream out) {
        this.progress = out;
        return this;
    }

    /** The configuration. */
    public AtlasConfiguration configuration() {
        return conf;
    }

    /** Tasks trained so far (index = task id). */
    public List<AtlasTask> tasks() {
        return Collections.unmodifiableList(tasks);
    }

    /** Training loss of the last minibatch (NaN before training). */
    public double lastScore() {
        return lastLoss;
    }

    /** Copies of every learned parameter by store name (adapters, keys, queries, heads). */
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        store.forEach((k, v) -> m.put(k, v.dup()));
        return m;
    }

    private int adapters(int t, Stage stage) {
        if (conf.getMethod() == AtlasConfiguration.Method.SEQUENTIAL) {
            return 1;
        }
        return stage == Stage.STAGE1 ? t : t + 1;
    }

    private String storeName(String graphName, int t) {
        if (graphName.endsWith("_query") && conf.getMethod() == AtlasConfiguration.Method.ATLAS
                && conf.isQueryPerTask()) {
            return graphName + "@task" + t;
        }
        return graphName;
    }

    private void checkTask(AtlasTask task) {
        if (task.train().getFeatures().size(1) != image.hiddenWidth()) {
            throw new IllegalArgumentException("Task " + task.name() + " has features of width "
                    + task.train().getFeatures().size(1) + ", expected the image tower's hidden width "
                    + image.hiddenWidth());
        }
        if (task.kind() == AtlasTask.Kind.IMAGE_TEXT && encoder == null) {
            throw new IllegalArgumentException("Task " + task.name() + " matches images with text, but the learner "
                    + "has no text tower");
        }
    }

    /**
     * Builds the graph of task {@code t} (already added by {@link #train}, or the task about to be trained) for a
     * stage, with the stored parameters loaded. Public for tests (gradient checks).
     */
    public Graph graph(int t, Stage stage) {
        if (t < 0 || t >= tasks.size()) {
            throw new IllegalArgumentException("Task " + t + " unknown: " + tasks.size() + " tasks so far");
        }
        AtlasTask task = tasks.get(t);
        int n = adapters(t, stage);
        if (n == 0) {
            throw new IllegalArgumentException("Stage 1 needs earlier adapters; task " + t + " has none");
        }
        Nd4j.getRandom().setSeed(conf.getSeed() * 1_000_003L + 31L * t + stage.ordinal());
        SameDiff sd = SameDiff.create();
        List<AtlasAdapterSite> sites = new ArrayList<>();
        int hw = image.hiddenWidth();
        int d = image.width();
        int r = conf.getBottleneck();
        int heads = conf.getQueryHeads();
        SDVariable h = sd.placeHolder(X, type, -1, hw);
        if (conf.isHiddenImageSite()) {
            AtlasAdapterSite s = new AtlasAdapterSite(sd, "img_h", h, 1, hw, n, r, heads, conf.getWeighting(),
                    conf.slotsPerQuery());
            sites.add(s);
            h = s.output();
        }
        SDVariable e = h.mmul(sd.constant("proj_w", image.weight().castTo(type)))
                .add(sd.constant("proj_b", image.bias().castTo(type)));
        if (conf.isEmbeddingImageSite()) {
            AtlasAdapterSite s = new AtlasAdapterSite(sd, "img_e", e, 1, d, n, r, heads, conf.getWeighting(),
                    conf.slotsPerQuery());
            sites.add(s);
            e = s.output();
        }
        int c = task.numClasses();
        List<String> head = new ArrayList<>();
        SDVariable logits;
        if (task.kind() == AtlasTask.Kind.IMAGE) {
            double bound = 1.0 / Math.sqrt(d);
            SDVariable w = sd.var("head" + t + "_w", Nd4j.rand(type, d, c).muli(2 * bound).subi(bound));
            SDVariable b = sd.var("head" + t + "_b", Nd4j.zeros(type, 1, c));
            head.add(w.name());
            head.add(b.name());
            logits = e.mmul(w).add(b);
        } else {
            SDVariable text = text(sd, task, n, sites);
            logits = TransformerOps.unitRows(sd, e, d).mmul(TransformerOps.unitRows(sd, text, d).permute(1, 0))
                    .mul(conf.getScale());
        }
        logits = logits.rename(LOGITS);
        SDVariable loss = TransformerOps.softmaxCrossEntropy(sd, logits, sd.placeHolder(Y, type, -1, c));
        if (stage != Stage.EVAL && conf.getOrthoWeight() > 0) {
            for (AtlasAdapterSite s : sites) {
                SDVariable o = AtlasAdapterSite.orthogonality(sd, s.queries());
                if (stage == Stage.STAGE2) {
                    o = o.add(AtlasAdapterSite.orthogonality(sd, s.keys()));
                }
                loss = loss.add(o.mul(conf.getOrthoWeight()));
            }
        }
        loss = loss.rename(LOSS);
        sd.setLossVariables(loss);
        List<String> trainable = new ArrayList<>();
        if (stage != Stage.EVAL) {
            for (AtlasAdapterSite s : sites) {
                if (conf.getMethod() == AtlasConfiguration.Method.SEQUENTIAL || stage == Stage.STAGE2) {
                    int own = n - 1;
                    for (String suffix : new String[]{"w1", "b1", "w2", "b2", "query", "key"}) {
                        trainable.add(s.name() + "_" + own + "_" + suffix);
                    }
                } else {
                    for (SDVariable q : s.queries()) {
                        trainable.add(q.name());
                    }
                }
            }
            trainable.addAll(head);
        }
        Map<String, String> names = new HashMap<>();
        boolean freshQueries = stage == Stage.STAGE1 && !conf.isQueryPerTask();
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() != VariableType.VARIABLE) {
                continue;
            }
            String key = storeName(v.name(), t);
            names.put(v.name(), key);
            INDArray stored = store.get(key);
            if (stored != null && !(freshQueries && trainable.contains(v.name()))) {
                sd.getArrForVarName(v.name()).assign(stored);
            } else if (stored == null && stage == Stage.EVAL) {
                throw new IllegalStateException("Parameter " + key + " of task " + t + " was never trained");
            }
        }
        return new Graph(sd, sites, trainable, names);
    }

    /** The adapted text-tower embeddings of the task's captions, {@code [C, D]}. */
    private SDVariable text(SameDiff sd, AtlasTask task, int n, List<AtlasAdapterSite> sites) {
        int[][] seqs = new int[task.numClasses()][];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = TokenLayout.wrap(tokenizer, tokenizer.tokenize(conf.caption(task.classNames().get(i))));
        }
        TokenLayout.Batch b = TokenLayout.pad(seqs);
        int tokens = b.tokens();
        SDVariable ids = sd.constant("caption_ids", b.flatIds());
        SDVariable mask = sd.constant("caption_mask", b.mask(type));
        List<Integer> layers = conf.getTextSiteLayers();
        return encoder.encode(sd, TEXT_PREFIX, encoder.lookup(sd, TEXT_PREFIX, ids, type), mask, tokens, (l, u) -> {
            if (!layers.contains(l)) {
                return u;
            }
            AtlasAdapterSite s = new AtlasAdapterSite(sd, "txt" + l, u, tokens, encoder.hidden(), n,
                    conf.getBottleneck(), conf.getQueryHeads(), conf.getWeighting(), conf.slotsPerQuery());
            sites.add(s);
            return s.output();
        });
    }

    /**
     * Adds the task and trains it: stage 1 (ATLAS, when earlier adapters exist and stage-1 epochs &gt; 0), then
     * stage 2; the first task of an ATLAS learner gets stage-1 + stage-2 epochs of stage 2 (see
     * {@link #train(AtlasTask, int, int)}).
     *
     * @return the number of parameter updates
     * @throws IllegalArgumentException if the task's feature width or modality does not fit this learner
     */
    public long train(AtlasTask task) {
        return train(task, conf.getStage1Epochs(), conf.getStage2Epochs());
    }

    /**
     * {@link #train(AtlasTask)} with this task's own epochs (e.g. a downstream task with more epochs than the
     * upstream stream); stage 1 runs only for ATLAS with earlier adapters.
     *
     * <p><b>Budget rule:</b> when ATLAS has no earlier adapters (its first task), stage 1 cannot run and stage 2
     * runs for {@code stage1Epochs + stage2Epochs} epochs instead, so every task gets the same number of updates,
     * equal to the sequential baseline's (which trains {@code stage2Epochs} only, with {@code stage1Epochs} added by
     * the caller when it wants the same budget).</p>
     *
     * @param stage1Epochs ≥ 0
     * @param stage2Epochs &gt; 0
     */
    public long train(AtlasTask task, int stage1Epochs, int stage2Epochs) {
        if (stage1Epochs < 0 || stage2Epochs <= 0) {
            throw new IllegalArgumentException("Stage epochs should be >= 0 and > 0 (got: " + stage1Epochs + ", "
                    + stage2Epochs + ")");
        }
        int t = addTask(task);
        long steps = 0;
        int expansion = stage2Epochs;
        if (conf.getMethod() == AtlasConfiguration.Method.ATLAS) {
            if (t > 0) {
                if (stage1Epochs > 0) {
                    steps += runStage(t, Stage.STAGE1, stage1Epochs);
                }
            } else {
                expansion += stage1Epochs;
            }
        }
        steps += runStage(t, Stage.STAGE2, expansion);
        return steps;
    }

    /**
     * A control: adds the task with everything a trained task would add (adapters, keys, queries, head) left at
     * their initial values, without a single update. Later tasks then see untrained "experience" of the same
     * size as after real training.
     *
     * @return the task's index
     */
    public int addUntrained(AtlasTask task) {
        int t = addTask(task);
        if (conf.getMethod() == AtlasConfiguration.Method.ATLAS && t > 0) {
            runStage(t, Stage.STAGE1, 0);
        }
        runStage(t, Stage.STAGE2, 0);
        return t;
    }

    /** Checks and appends a task without training it (tests drive the stages one by one); returns its index. */
    int addTask(AtlasTask task) {
        checkTask(task);
        tasks.add(task);
        return tasks.size() - 1;
    }

    /** Trains one stage of task t for {@code epochs} epochs; returns the number of updates. */
    long runStage(int t, Stage stage, int epochs) {
        long t0 = System.currentTimeMillis();
        Graph g = graph(t, stage);
        SameDiff sd = g.sd;
        DataSet d = tasks.get(t).train();
        int n = d.numExamples();
        int batch = conf.getBatchSize();
        long total = (long) epochs * ((n + batch - 1) / batch);
        Map<String, INDArray[]> moments = new HashMap<>();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long step = 0;
        for (int e = 0; e < epochs; e++) {
            Collections.shuffle(Arrays.asList(order), rng);
            for (int s = 0; s < n; s += batch) {
                int[] idx = new int[Math.min(batch, n - s)];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = order[s + i];
                }
                Map<String, INDArray> feed = new HashMap<>();
                feed.put(X, d.getFeatures().getRows(idx).castTo(type));
                feed.put(Y, d.getLabels().getRows(idx).castTo(type));
                OutAndGrad og = sd.calculateGradientsAndOutputs(feed, List.of(LOSS), g.trainable);
                lastLoss = og.getOutputs().get(LOSS).getDouble(0);
                adamW(sd, g.trainable, og.getGradients(), moments, step, total, stage);
                step++;
            }
        }
        for (SDVariable v : sd.variables()) {
            if (v.getVariableType() != VariableType.VARIABLE) {
                continue;
            }
            String key = g.storeNames.get(v.name());
            if (g.trainable.contains(v.name()) || !store.containsKey(key)) {
                store.put(key, sd.getArrForVarName(v.name()).dup());
            }
        }
        if (progress != null) {
            progress.printf(Locale.ROOT, "  task %d (%s) %s: %d steps, last loss %.4f (%d s)%n", t,
                    tasks.get(t).name(), stage, step, lastLoss, (System.currentTimeMillis() - t0) / 1000);
        }
        return step;
    }

    /** AdamW (β 0.9 / 0.98, ε 1e-8, bias-corrected, decoupled decay on weight matrices). */
    private void adamW(SameDiff sd, List<String> trainable, Map<String, INDArray> grads,
                       Map<String, INDArray[]> moments, long step, long total, Stage stage) {
        double b1 = 0.9;
        double b2 = 0.98;
        double factor = conf.scheduleFactor(step, total);
        double correction = Math.sqrt(1 - Math.pow(b2, step + 1)) / (1 - Math.pow(b1, step + 1));
        for (String v : trainable) {
            INDArray g = grads.get(v);
            if (g == null) {
                throw new IllegalStateException("No gradient for " + v);
            }
            boolean query = v.endsWith("_query");
            double lr = factor * (stage == Stage.STAGE1 && query ? conf.getQueryLearningRate()
                    : conf.getLearningRate());
            INDArray w = sd.getArrForVarName(v);
            INDArray[] m = moments.computeIfAbsent(v, k -> new INDArray[]{Nd4j.zerosLike(g), Nd4j.zerosLike(g)});
            m[0].muli(b1).addi(g.mul(1 - b1));
            m[1].muli(b2).addi(g.mul(g).muli(1 - b2));
            if (v.endsWith("_w1") || v.endsWith("_w2") || v.endsWith("_w")) {
                w.subi(w.mul(lr * conf.getWeightDecay()));
            }
            w.subi(m[0].div(Transforms.sqrt(m[1], true).addi(1e-8)).muli(lr * correction));
        }
    }

    /**
     * Logits of task {@code t} (its adapters, queries and head) for hidden features {@code [n, H]}, {@code [n, C]}.
     */
    public INDArray logits(int t, INDArray features) {
        if (features.rank() != 2 || features.size(1) != image.hiddenWidth()) {
            throw new IllegalArgumentException("Expected the image tower's hidden features [n, " + image.hiddenWidth()
                    + "] (got shape " + Arrays.toString(features.shape()) + ")");
        }
        SameDiff sd = graph(t, Stage.EVAL).sd;
        return predict(sd, features);
    }

    private INDArray predict(SameDiff sd, INDArray features) {
        long n = features.size(0);
        List<INDArray> parts = new ArrayList<>();
        for (long s = 0; s < n; s += conf.getEvalBatchSize()) {
            INDArray x = features.get(NDArrayIndex.interval(s, Math.min(n, s + conf.getEvalBatchSize())),
                    NDArrayIndex.all()).castTo(type);
            parts.add(sd.output(Map.of(X, x), LOGITS).get(LOGITS).detach());
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    /** Correct predictions of task {@code t} on {@code data} (features {@code [n, H]}, one-hot {@code [n, C]}). */
    public long correct(int t, DataSet data) {
        INDArray p = logits(t, data.getFeatures()).argMax(1);
        INDArray y = data.getLabels().argMax(1);
        return p.eq(y).castTo(DataType.INT).sumNumber().longValue();
    }

    /** Task-IL accuracy of task {@code t} on its test set. */
    public double testAccuracy(int t) {
        return (double) correct(t, tasks.get(t).test()) / tasks.get(t).test().numExamples();
    }

    /**
     * Trains the tasks in order, evaluating every task of the list trained so far on its test set after each (task
     * known at test time).
     *
     * @return R[i][j] = accuracy on {@code stream.get(j)} after training {@code stream.get(i)} (−1 / NaN for j &gt; i)
     */
    public AccuracyMatrix fit(List<AtlasTask> stream) {
        return fit(stream, true);
    }

    /**
     * {@link #fit} without a single update: every task is added with {@link #addUntrained} and evaluated in the same
     * way. With no adapter site (both image sites off, no text-site layers) and image-text tasks this is the
     * zero-shot accuracy of the frozen towers: the image embedding against the task's caption embeddings.
     *
     * @return R[i][j] as {@link #fit}; every row equal, since nothing trains
     */
    public AccuracyMatrix fitUntrained(List<AtlasTask> stream) {
        return fit(stream, false);
    }

    private AccuracyMatrix fit(List<AtlasTask> stream, boolean train) {
        int offset = tasks.size();
        long[] totals = new long[stream.size()];
        for (int j = 0; j < totals.length; j++) {
            totals[j] = stream.get(j).test().numExamples();
        }
        long[][] rows = new long[stream.size()][];
        for (int i = 0; i < stream.size(); i++) {
            if (train) {
                train(stream.get(i));
            } else {
                addUntrained(stream.get(i));
            }
            rows[i] = new long[stream.size()];
            Arrays.fill(rows[i], -1);
            for (int j = 0; j <= i; j++) {
                rows[i][j] = correct(offset + j, stream.get(j).test());
            }
            if (progress != null) {
                StringBuilder sb = new StringBuilder();
                for (int j = 0; j <= i; j++) {
                    sb.append(String.format(Locale.ROOT, " %s %.2f %%", stream.get(j).name(),
                            100.0 * rows[i][j] / totals[j]));
                }
                progress.printf(Locale.ROOT, "%s after task %d:%s%n", conf.getMethod(), i, sb);
            }
        }
        return new AccuracyMatrix(rows, totals, null);
    }
}
