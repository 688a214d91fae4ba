package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.eval.CumulativeRetrieval;
import io.github.dl4jcontinual.eval.RetrievalMatrix;
import io.github.dl4jcontinual.eval.RetrievalMetrics;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.replay.ReservoirReplayBuffer;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.replay.selection.KMeansSelection;
import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Vision-language continual pretraining on a {@link PairStream}: CTP and the baselines of {@link VlMethod}, on
 * one {@link DualEncoder}, evaluated by cross-modal retrieval on every domain after every experience.
 *
 * <p>Per task: a new AdamW (β 0.9/0.999, decoupled weight decay on all parameters but the temperature and
 * LUCIR's σ) with a per-iteration cosine schedule; {@code epochs} passes over the domain's pairs (plus the memory for the memory
 * methods, appended as in the release); the learnable inverse temperature is clamped to [2, 100]. Positives of the
 * contrastive terms are all pairs with the same caption (ALBEF's idx-based targets; templated captions repeat).
 * CTP (task t ≥ 1): before each step the momentum model gets the compatible update
 * (0.9·itself + 0.05·current + 0.05·previous-task model; task 0: EMA 0.995), its batch features plus the queues
 * (1024) are the keys of the momentum contrast and momentum distillation, and the previous-task model's in-batch
 * similarity distributions are the targets of the two topology terms; the momentum features are then enqueued.
 *
 * <p>Retrieval per domain ({@link #evaluate}): image→text over the domain's distinct test captions (a hit when
 * the image's own caption is in the top K) and text→image from each distinct caption (a hit when any image
 * with that caption is in the top K). Not thread-safe.
 */
public final class CtpLearner {
    private static final int EVAL_CHUNK = 512;
    private static final double MIN_SCALE = Math.log(2);
    private static final double MAX_SCALE = Math.log(100);
    private final CtpLearnerConfiguration conf;
    private final TextFeatures text;
    private final DualEncoder model;
    private final DualEncoder aux;
    private DualEncoder masGraph;
    private final Random rng;
    private final Map<String, Integer> captionIds = new HashMap<>();
    private final FeatureQueue queueV;
    private final FeatureQueue queueW;
    private Map<String, INDArray> momentumParams;
    private Map<String, INDArray> referenceParams;
    private final Map<String, INDArray[]> adam = new HashMap<>();
    private long adamStep;
    private Map<String, INDArray> importance;
    private Map<String, INDArray> anchor;
    private Map<String, INDArray> omega;
    private Map<String, INDArray> scores;
    private final ReservoirReplayBuffer reservoir;
    private final Map<Integer, int[]> exemplars = new LinkedHashMap<>();
    private int tasksDone;
    private CumulativeRetrieval cumulative;
    private Consumer<String> log = s -> { };

    /**
     * @param conf   hyper-parameters and method
     * @param text   frozen text features (e.g. {@link CachedTextFeatures} over MiniLM); a
     *               {@link TopLayerTextFeatures} also puts its trainable top layers into the model
     * @param pixels image input width
     * @throws IllegalArgumentException if the configuration's pretrained image tower does not read {@code pixels}
     *                                  inputs
     */
    public CtpLearner(CtpLearnerConfiguration conf, TextFeatures text, int pixels) {
        this.conf = conf;
        this.text = text;
        DualEncoder.Spec spec = new DualEncoder.Spec(pixels, conf.hidden, text.dim(), conf.adapterBottleneck,
                conf.embedDim, conf.initTemperature, conf.tau);
        if (conf.method == VlMethod.LUCIR) {
            spec = spec.withCosineProjections();
        }
        if (text instanceof TopLayerTextFeatures) {
            spec = spec.withTrainableText((TopLayerTextFeatures) text);
        }
        EnumSet<LossTerm> terms = EnumSet.of(LossTerm.ITA);
        VlMethod m = conf.method;
        if (m.isCtp()) {
            terms.addAll(EnumSet.of(LossTerm.CMC, LossTerm.MD, LossTerm.TPX, LossTerm.TPS));
        }
        if (m == VlMethod.LWF || m == VlMethod.ICARL) {
            terms.add(LossTerm.LWF);
        }
        if (m == VlMethod.LUCIR) {
            terms.add(LossTerm.LUCIR);
        }
        this.model = new DualEncoder(spec, terms, DataType.FLOAT, conf.seed);
        if (conf.imageTower != null) {
            conf.imageTower.copyInto(model);
        }
        this.aux = new DualEncoder(spec, EnumSet.noneOf(LossTerm.class), DataType.FLOAT, conf.seed);
        this.rng = new Random(conf.seed);
        this.queueV = new FeatureQueue(conf.queueSize, conf.embedDim);
        this.queueW = new FeatureQueue(conf.queueSize, conf.embedDim);
        this.reservoir = new ReservoirReplayBuffer(conf.memory, false);
    }

    /** @param sink receives one progress line per epoch @return this */
    public CtpLearner progress(Consumer<String> sink) {
        this.log = sink;
        return this;
    }

    /** @return the trained dual encoder */
    public DualEncoder model() {
        return model;
    }

    /** @return the image-feature queue */
    public FeatureQueue imageQueue() {
        return queueV;
    }

    /** @return the text-feature queue */
    public FeatureQueue textQueue() {
        return queueW;
    }

    /** @return the momentum model's parameters (live), or null before CTP training */
    public Map<String, INDArray> momentumParameters() {
        return momentumParams;
    }

    /** @return experiences trained so far */
    public int tasksDone() {
        return tasksDone;
    }

    /**
     * Trains on every remaining experience (JointT: once on the union) and evaluates all domains after each; after
     * experience i it also scores the cumulative test sets of domains 0..k for every k ≤ i
     * ({@link #cumulativeRetrieval()}).
     *
     * @return the retrieval matrix (JointT: one row)
     */
    public RetrievalMatrix fit(PairStream stream) {
        cumulative = null;
        if (conf.method == VlMethod.JOINT) {
            trainOn(stream.allTraining(), 0);
            tasksDone = stream.size();
            return new RetrievalMatrix(new double[][][]{evaluateAll(stream)});
        }
        List<double[][]> rows = new ArrayList<>();
        List<double[][]> prefixes = new ArrayList<>();
        boolean fromStart = tasksDone == 0;
        while (tasksDone < stream.size()) {
            trainExperience(stream, tasksDone);
            rows.add(evaluateAll(stream));
            prefixes.add(evaluatePrefixes(stream, tasksDone - 1));
        }
        if (fromStart) {
            cumulative = new CumulativeRetrieval(prefixes.toArray(new double[0][][]));
        }
        return new RetrievalMatrix(rows.toArray(new double[0][][]));
    }

    /**
     * @return CTP's eval.py table of the last {@link #fit} that started at experience 0 (checkpoint i on the union
     * of the test sets of domains 0..k, k ≤ i), or null (JointT, resumed runs, before fitting)
     */
    public CumulativeRetrieval cumulativeRetrieval() {
        return cumulative;
    }

    /**
     * Scores the current model on the cumulative test sets: element k is {@link #evaluate} on the union of the
     * test pairs of domains 0..k, for k = 0..{@code upTo}.
     */
    public double[][] evaluatePrefixes(PairStream stream, int upTo) {
        if (upTo < 0 || upTo >= stream.size()) {
            throw new IllegalArgumentException("upTo should be in [0, " + (stream.size() - 1) + "] (got: " + upTo + ")");
        }
        double[][] out = new double[upTo + 1][];
        PairDataset union = null;
        for (int k = 0; k <= upTo; k++) {
            union = union == null ? stream.test(k) : union.concat(stream.test(k));
            out[k] = evaluate(union);
        }
        return out;
    }

    private double[][] evaluateAll(PairStream stream) {
        double[][] row = new double[stream.size()][];
        for (int j = 0; j < stream.size(); j++) {
            row[j] = evaluate(stream.test(j));
        }
        return row;
    }

    /** Trains experience {@code t} (the next one) and updates the memory and regularisers. */
    public void trainExperience(PairStream stream, int t) {
        if (t != tasksDone) {
            throw new IllegalArgumentException("expected experience " + tasksDone + " next (got: " + t + ")");
        }
        PairDataset data = stream.train(t);
        PairDataset mem = memoryPairs(stream);
        trainOn(mem == null ? data : data.concat(mem), t);
        afterTask(stream, t);
        tasksDone++;
    }

    private void trainOn(PairDataset data, int t) {
        VlMethod m = conf.method;
        boolean needsRef = t > 0 && (m.isCtp() || m == VlMethod.LWF || m == VlMethod.ICARL || m == VlMethod.LUCIR);
        referenceParams = needsRef ? model.copyParameters() : null;
        if (m.isCtp()) {
            momentumParams = model.copyParameters();
        }
        adam.clear();
        adamStep = 0;
        Map<String, INDArray> taskStart = model.copyParameters();
        int n = data.size();
        int perEpoch = (n + conf.batchSize - 1) / conf.batchSize;
        long total = (long) perEpoch * conf.epochs;
        long it = 0;
        for (int e = 0; e < conf.epochs; e++) {
            int[] perm = permutation(n);
            double lossSum = 0;
            for (int b = 0; b < perEpoch; b++) {
                int[] idx = Arrays.copyOfRange(perm, b * conf.batchSize, Math.min(n, (b + 1) * conf.batchSize));
                if (idx.length < 2) {
                    continue;
                }
                double lr = conf.minLearningRate + 0.5 * (conf.learningRate - conf.minLearningRate)
                        * (1 + Math.cos(Math.PI * it / total));
                lossSum += step(data, idx, t, lr);
                it++;
            }
            log.accept(String.format(java.util.Locale.ROOT, "%s task %d epoch %d loss %.4f scale %.2f", m, t, e + 1,
                    lossSum / perEpoch, model.logitScale()));
        }
        if (m == VlMethod.RWALK) {
            rwalkScores(taskStart, t);
        }
    }

    private int[] permutation(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int x = p[i];
            p[i] = p[j];
            p[j] = x;
        }
        return p;
    }

    private int[] ids(List<String> captions) {
        int[] out = new int[captions.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = captionIds.computeIfAbsent(captions.get(i), k -> captionIds.size());
        }
        return out;
    }

    /** Rows normalised indicator of equal ids, {@code [rows.length, cols.length]}. */
    static INDArray positives(int[] rows, int[] cols) {
        float[][] p = new float[rows.length][cols.length];
        for (int i = 0; i < rows.length; i++) {
            int c = 0;
            for (int j = 0; j < cols.length; j++) {
                if (rows[i] == cols[j]) {
                    c++;
                }
            }
            if (c == 0) {
                throw new IllegalStateException("row " + i + " has no positive key");
            }
            for (int j = 0; j < cols.length; j++) {
                if (rows[i] == cols[j]) {
                    p[i][j] = 1f / c;
                }
            }
        }
        return Nd4j.createFromArray(p);
    }

    private static INDArray scalar(double v) {
        return Nd4j.scalar(DataType.FLOAT, v);
    }

    private double step(PairDataset data, int[] idx, int t, double lr) {
        VlMethod m = conf.method;
        INDArray img = data.images().getRows(idx).castTo(DataType.FLOAT);
        List<String> caps = new ArrayList<>(idx.length);
        for (int i : idx) {
            caps.add(data.captions().get(i));
        }
        INDArray txt = text.features(caps).castTo(DataType.FLOAT);
        int[] cid = ids(caps);
        int nb = idx.length;
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("img", img);
        feed.put("txt", txt);
        feed.put("ita_target", positives(cid, cid));
        feed.put(LossTerm.ITA.weightName(), scalar(conf.lambdaIta));
        Map<String, INDArray> ref = null;
        if (referenceParams != null) {
            aux.setParameters(referenceParams);
            ref = aux.features(img, txt);
        }
        Map<String, INDArray> mom = null;
        if (m.isCtp()) {
            CompatibleMomentum.update(momentumParams, model.parameters(), t == 0 ? null : referenceParams,
                    t == 0 ? conf.initMomentum : conf.momentum, conf.alpha);
            aux.setParameters(momentumParams);
            mom = aux.features(img, txt);
            INDArray qw = queueW.features();
            INDArray qv = queueV.features();
            INDArray kw = qw == null ? mom.get("w") : Nd4j.vstack(mom.get("w"), qw);
            INDArray kv = qv == null ? mom.get("v") : Nd4j.vstack(mom.get("v"), qv);
            int[] keyIds = concat(cid, queueW.ids());
            double s = model.logitScale();
            feed.put("keys_w", kw);
            feed.put("keys_v", kv);
            feed.put("cmc_target", positives(cid, keyIds));
            feed.put("md_i2t", DualEncoder.softmaxRows(mom.get("v").mmul(kw.transpose()).muli(s)));
            feed.put("md_t2i", DualEncoder.softmaxRows(mom.get("w").mmul(kv.transpose()).muli(s)));
            feed.put(LossTerm.CMC.weightName(), scalar(conf.lambdaCmc));
            feed.put(LossTerm.MD.weightName(), scalar(conf.lambdaMd));
            INDArray eye = Nd4j.eye(nb).castTo(DataType.FLOAT);
            feed.put("eye", eye);
            if (ref != null) {
                INDArray rv = ref.get("v");
                INDArray rw = ref.get("w");
                INDArray i2t = DualEncoder.similarityTargets(rv, rw, conf.tau, false);
                INDArray t2i = DualEncoder.similarityTargets(rw, rv, conf.tau, false);
                INDArray i2i = DualEncoder.similarityTargets(rv, rv, conf.tau, true);
                INDArray t2t = DualEncoder.similarityTargets(rw, rw, conf.tau, true);
                feed.put("tpx_i2t", i2t);
                feed.put("tpx_t2i", t2i);
                feed.put("tpx_const", scalar(0.5 * (DualEncoder.sumPLogP(i2t) + DualEncoder.sumPLogP(t2i))));
                feed.put("tps_i2i", i2i);
                feed.put("tps_t2t", t2t);
                feed.put("tps_const", scalar(0.5 * (DualEncoder.sumPLogP(i2i) + DualEncoder.sumPLogP(t2t))));
                feed.put(LossTerm.TPX.weightName(), scalar(conf.lambdaTpx));
                feed.put(LossTerm.TPS.weightName(), scalar(conf.lambdaTps));
            } else {
                INDArray uniform = Nd4j.valueArrayOf(new long[]{nb, nb}, 1.0 / nb, DataType.FLOAT);
                for (String k : List.of("tpx_i2t", "tpx_t2i", "tps_i2i", "tps_t2t")) {
                    feed.put(k, uniform);
                }
                feed.put("tpx_const", scalar(0));
                feed.put("tps_const", scalar(0));
                feed.put(LossTerm.TPX.weightName(), scalar(0));
                feed.put(LossTerm.TPS.weightName(), scalar(0));
            }
        }
        if (model.terms().contains(LossTerm.LWF)) {
            if (ref != null) {
                INDArray pv = DualEncoder.softmaxRows(ref.get("v_raw").div(conf.tau));
                INDArray pw = DualEncoder.softmaxRows(ref.get("w_raw").div(conf.tau));
                feed.put("lwf_v", pv);
                feed.put("lwf_w", pw);
                feed.put("lwf_const", scalar(0.5 * (DualEncoder.sumPLogP(pv) + DualEncoder.sumPLogP(pw))));
                feed.put(LossTerm.LWF.weightName(), scalar(conf.lambdaLwf));
            } else {
                INDArray u = Nd4j.valueArrayOf(new long[]{nb, conf.embedDim}, 1.0 / conf.embedDim, DataType.FLOAT);
                feed.put("lwf_v", u);
                feed.put("lwf_w", u);
                feed.put("lwf_const", scalar(0));
                feed.put(LossTerm.LWF.weightName(), scalar(0));
            }
        }
        if (model.terms().contains(LossTerm.LUCIR)) {
            feed.put("ref_hv", ref != null ? ref.get("img_hidden") : Nd4j.ones(DataType.FLOAT, nb, conf.hidden));
            feed.put("ref_hw", ref != null ? ref.get("txt_hidden")
                    : Nd4j.ones(DataType.FLOAT, nb, model.spec().textWidth()));
            feed.put(LossTerm.LUCIR.weightName(), scalar(ref != null ? conf.lambdaLucir : 0));
        }
        var og = model.graph().calculateGradientsAndOutputs(feed, List.of("loss"), model.parameterNames());
        Map<String, INDArray> grads = og.getGradients();
        double loss = og.getOutputs().get("loss").getDouble(0);
        Map<String, INDArray> before = m == VlMethod.RWALK ? model.copyParameters() : null;
        Map<String, INDArray> unreg = m == VlMethod.RWALK ? copy(grads) : null;
        addPenaltyGradients(grads);
        adamW(grads, lr);
        INDArray ls = model.graph().getArrForVarName("logit_scale");
        ls.assign(Math.max(MIN_SCALE, Math.min(MAX_SCALE, ls.getDouble(0))));
        if (m == VlMethod.RWALK) {
            if (omega == null) {
                omega = zerosLike(before);
            }
            Map<String, INDArray> now = model.parameters();
            for (String k : omega.keySet()) {
                omega.get(k).subi(unreg.get(k).mul(now.get(k).sub(before.get(k))));
            }
        }
        if (mom != null) {
            queueV.enqueue(mom.get("v"), cid);
            queueW.enqueue(mom.get("w"), cid);
        }
        return loss;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static Map<String, INDArray> copy(Map<String, INDArray> m) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, v.dup()));
        return out;
    }

    private static Map<String, INDArray> zerosLike(Map<String, INDArray> m) {
        Map<String, INDArray> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, Nd4j.zerosLike(v)));
        return out;
    }

    /** EWC/MAS: λ Ω (θ − θ*); RWalk: 2λ (F + s)(θ − θ*). */
    private void addPenaltyGradients(Map<String, INDArray> grads) {
        if (importance == null || anchor == null) {
            return;
        }
        VlMethod m = conf.method;
        Map<String, INDArray> p = model.parameters();
        for (String k : importance.keySet()) {
            INDArray diff = p.get(k).sub(anchor.get(k));
            if (m == VlMethod.EWC) {
                grads.get(k).addi(diff.muli(importance.get(k)).muli(conf.lambdaEwc));
            } else if (m == VlMethod.MAS) {
                grads.get(k).addi(diff.muli(importance.get(k)).muli(conf.lambdaMas));
            } else if (m == VlMethod.RWALK) {
                INDArray w = scores == null ? importance.get(k) : importance.get(k).add(scores.get(k));
                grads.get(k).addi(diff.muli(w).muli(2 * conf.lambdaRwalk));
            }
        }
    }

    private void adamW(Map<String, INDArray> grads, double lr) {
        adamStep++;
        double b1 = 0.9;
        double b2 = 0.999;
        double a = lr * Math.sqrt(1 - Math.pow(b2, adamStep)) / (1 - Math.pow(b1, adamStep));
        for (String v : model.parameterNames()) {
            INDArray g = grads.get(v);
            if (g == null) {
                throw new IllegalStateException("no gradient for " + v);
            }
            INDArray w = model.graph().getArrForVarName(v);
            if (!v.equals("logit_scale") && !v.endsWith("_sigma") && conf.weightDecay > 0) {
                w.muli(1 - lr * conf.weightDecay);
            }
            INDArray[] st = adam.computeIfAbsent(v, k -> new INDArray[]{Nd4j.zerosLike(g), Nd4j.zerosLike(g)});
            st[0].muli(b1).addi(g.mul(1 - b1));
            st[1].muli(b2).addi(g.mul(g).muli(1 - b2));
            w.subi(st[0].div(Transforms.sqrt(st[1], true).addi(1e-8)).muli(a));
        }
    }

    private void afterTask(PairStream stream, int t) {
        VlMethod m = conf.method;
        PairDataset data = stream.train(t);
        if (m == VlMethod.EWC || m == VlMethod.RWALK || m == VlMethod.MAS) {
            Map<String, INDArray> fresh = m == VlMethod.MAS ? masImportance(data) : fisher(data);
            if (importance == null) {
                importance = fresh;
            } else {
                for (String k : importance.keySet()) {
                    importance.get(k).muli((double) t / (t + 1)).addi(fresh.get(k).muli(1.0 / (t + 1)));
                }
            }
            anchor = model.copyParameters();
        }
        if (m == VlMethod.ER || m == VlMethod.CTP_ER) {
            int[] perm = permutation(data.size());
            INDArray ids = Nd4j.create(DataType.FLOAT, perm.length, 1);
            for (int i = 0; i < perm.length; i++) {
                ids.putScalar(i, 0, encode(t, perm[i]));
            }
            reservoir.observe(Batches.of(new DataSet(ids, Nd4j.ones(DataType.FLOAT, perm.length, 1))), null, t, rng);
        } else if (m.usesMemory() && conf.memory > 0) {
            long sum = 0;
            for (int d = 0; d <= t; d++) {
                sum += stream.train(d).size();
            }
            for (Map.Entry<Integer, int[]> e : exemplars.entrySet()) {
                int q = (int) Math.round((double) stream.train(e.getKey()).size() / sum * conf.memory);
                e.setValue(Arrays.copyOf(e.getValue(), Math.min(q, e.getValue().length)));
            }
            int q = (int) Math.min(data.size(), Math.round((double) data.size() / sum * conf.memory));
            SelectionPolicy policy = m == VlMethod.KMEANS ? new KMeansSelection(null, conf.kmeansIterations, true)
                    : new HerdingSelection();
            exemplars.put(t, policy.select(selectionFeatures(data), q, rng));
        }
    }

    private static final int ID_BASE = 1 << 20;

    private static float encode(int domain, int index) {
        return domain * (float) ID_BASE + index;
    }

    /** Memory pairs appended to the next task's data, or null. */
    private PairDataset memoryPairs(PairStream stream) {
        Map<Integer, List<Integer>> byDomain = new LinkedHashMap<>();
        if (conf.method == VlMethod.ER || conf.method == VlMethod.CTP_ER) {
            ReplayBatch b = reservoir.contents(1);
            if (b == null) {
                return null;
            }
            INDArray f = b.features();
            for (int i = 0; i < f.rows(); i++) {
                long code = (long) f.getDouble(i, 0);
                byDomain.computeIfAbsent((int) (code / ID_BASE), k -> new ArrayList<>()).add((int) (code % ID_BASE));
            }
        } else {
            exemplars.forEach((d, idx) -> {
                List<Integer> l = new ArrayList<>();
                for (int i : idx) {
                    l.add(i);
                }
                byDomain.put(d, l);
            });
        }
        PairDataset out = null;
        for (Map.Entry<Integer, List<Integer>> e : byDomain.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            PairDataset p = stream.train(e.getKey()).subset(e.getValue().stream().mapToInt(Integer::intValue).toArray());
            out = out == null ? p : out.concat(p);
        }
        return out;
    }

    /** L2-normalised image and text embeddings side by side (the stand-in for CTP's fusion CLS feature). */
    private INDArray selectionFeatures(PairDataset data) {
        INDArray[] f = embed(data.images(), text.features(data.captions()));
        return Nd4j.hstack(f[0], f[1]);
    }

    private INDArray[] embed(INDArray images, INDArray txt) {
        int n = (int) images.size(0);
        List<INDArray> vs = new ArrayList<>();
        List<INDArray> ws = new ArrayList<>();
        for (int s = 0; s < n; s += EVAL_CHUNK) {
            int e = Math.min(n, s + EVAL_CHUNK);
            Map<String, INDArray> out = model.features(images.get(NDArrayIndex.interval(s, e), NDArrayIndex.all()),
                    txt.get(NDArrayIndex.interval(s, e), NDArrayIndex.all()));
            vs.add(out.get("v").dup());
            ws.add(out.get("w").dup());
        }
        return new INDArray[]{Nd4j.vstack(vs.toArray(new INDArray[0])), Nd4j.vstack(ws.toArray(new INDArray[0]))};
    }

    /** Fisher: mean over the task's minibatches of the squared minibatch gradient of the base loss. */
    private Map<String, INDArray> fisher(PairDataset data) {
        Map<String, INDArray> f = zerosLike(model.parameters());
        int[] perm = permutation(data.size());
        int batches = 0;
        for (int s = 0; s + 1 < perm.length; s += conf.batchSize) {
            int[] idx = Arrays.copyOfRange(perm, s, Math.min(perm.length, s + conf.batchSize));
            List<String> caps = new ArrayList<>();
            for (int i : idx) {
                caps.add(data.captions().get(i));
            }
            int[] cid = ids(caps);
            Map<String, INDArray> feed = new HashMap<>();
            feed.put("img", data.images().getRows(idx).castTo(DataType.FLOAT));
            feed.put("txt", text.features(caps).castTo(DataType.FLOAT));
            feed.put("ita_target", positives(cid, cid));
            feed.put(LossTerm.ITA.weightName(), scalar(1));
            Map<String, INDArray> g = model.graph().calculateGradients(feed, model.parameterNames());
            f.forEach((k, v) -> v.addi(g.get(k).mul(g.get(k))));
            batches++;
        }
        int b = Math.max(batches, 1);
        f.values().forEach(v -> v.divi(b));
        return f;
    }

    /** MAS: mean over minibatches of |∂(mean ‖v_raw‖ + mean ‖w_raw‖)/∂θ|. */
    private Map<String, INDArray> masImportance(PairDataset data) {
        if (masGraph == null) {
            masGraph = new DualEncoder(model.spec(), EnumSet.of(LossTerm.MAS), DataType.FLOAT, conf.seed);
        }
        masGraph.setParameters(model.parameters());
        Map<String, INDArray> f = zerosLike(model.parameters());
        int batches = 0;
        for (int s = 0; s < data.size(); s += conf.batchSize) {
            int e = Math.min(data.size(), s + conf.batchSize);
            Map<String, INDArray> feed = new HashMap<>();
            feed.put("img", data.images().get(NDArrayIndex.interval(s, e), NDArrayIndex.all()).castTo(DataType.FLOAT));
            feed.put("txt", text.features(data.captions().subList(s, e)).castTo(DataType.FLOAT));
            feed.put(LossTerm.MAS.weightName(), scalar(1));
            Map<String, INDArray> g = masGraph.graph().calculateGradients(feed, model.parameterNames());
            // parameters the objective does not reach (the temperature) have no gradient: importance 0
            f.forEach((k, v) -> {
                if (g.get(k) != null) {
                    v.addi(Transforms.abs(g.get(k), true));
                }
            });
            batches++;
        }
        int b = Math.max(batches, 1);
        f.values().forEach(v -> v.divi(b));
        return f;
    }

    /** RWalk's per-task score ReLU(ω / (F Δθ² + 0.1)), averaged with the previous scores; then ω is reset. */
    private void rwalkScores(Map<String, INDArray> start, int t) {
        if (omega == null) {
            return;
        }
        Map<String, INDArray> now = model.parameters();
        Map<String, INDArray> fresh = new LinkedHashMap<>();
        for (String k : omega.keySet()) {
            INDArray d2 = now.get(k).sub(start.get(k));
            d2.muli(d2);
            INDArray fk = importance == null ? Nd4j.zerosLike(d2) : importance.get(k);
            fresh.put(k, Transforms.relu(omega.get(k).div(d2.muli(fk).addi(0.1)), false));
        }
        if (scores == null) {
            scores = fresh;
        } else {
            scores.forEach((k, v) -> v.addi(fresh.get(k)).muli(0.5));
        }
        omega = null;
    }

    /**
     * @param test one domain's test pairs
     * @return {TR@1, TR@5, TR@10, IR@1, IR@5, IR@10, R_m} (see the class comment)
     */
    public double[] evaluate(PairDataset test) {
        List<String> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(test.captions()));
        Map<String, Integer> pos = new HashMap<>();
        for (int i = 0; i < distinct.size(); i++) {
            pos.put(distinct.get(i), i);
        }
        INDArray v = embed(test.images(), text.features(test.captions()))[0];
        INDArray w = embed(Nd4j.zeros(DataType.FLOAT, distinct.size(), model.spec().pixels),
                text.features(distinct))[1];
        int[][] textsOfImage = new int[test.size()][];
        List<List<Integer>> imagesOfText = new ArrayList<>();
        for (int i = 0; i < distinct.size(); i++) {
            imagesOfText.add(new ArrayList<>());
        }
        for (int i = 0; i < test.size(); i++) {
            int c = pos.get(test.captions().get(i));
            textsOfImage[i] = new int[]{c};
            imagesOfText.get(c).add(i);
        }
        int[][] iot = new int[distinct.size()][];
        for (int c = 0; c < iot.length; c++) {
            iot[c] = imagesOfText.get(c).stream().mapToInt(Integer::intValue).toArray();
        }
        return RetrievalMetrics.crossModal(v.mmul(w.transpose()), textsOfImage, iot);
    }

    /** A snapshot of everything that persists across experiences (for {@link CtpCheckpoint}). */
    public Serializable saveState() {
        HashMap<String, Serializable> s = new HashMap<>();
        s.put("params", new HashMap<>(model.copyParameters()));
        if (momentumParams != null) {
            s.put("momentum", new HashMap<>(copy(momentumParams)));
        }
        if (referenceParams != null) {
            s.put("reference", new HashMap<>(copy(referenceParams)));
        }
        for (Map.Entry<String, Map<String, INDArray>> e : Map.of("importance", nz(importance), "anchor", nz(anchor),
                "scores", nz(scores)).entrySet()) {
            if (!e.getValue().isEmpty()) {
                s.put(e.getKey(), new HashMap<>(copy(e.getValue())));
            }
        }
        s.put("queueV", queueV.state());
        s.put("queueW", queueW.state());
        s.put("captionIds", new HashMap<>(captionIds));
        s.put("reservoir", reservoir.saveState());
        s.put("exemplars", new LinkedHashMap<>(exemplars));
        s.put("tasksDone", tasksDone);
        s.put("method", conf.method.name());
        return s;
    }

    private static Map<String, INDArray> nz(Map<String, INDArray> m) {
        return m == null ? Map.of() : m;
    }

    /** Restores a snapshot from {@link #saveState()} of a learner with the same configuration. */
    @SuppressWarnings("unchecked")
    public void restoreState(Serializable state) {
        Map<String, Object> s = (Map<String, Object>) state;
        if (!conf.method.name().equals(s.get("method"))) {
            throw new IllegalArgumentException("snapshot of method " + s.get("method") + " cannot restore a "
                    + conf.method + " learner");
        }
        model.setParameters((Map<String, INDArray>) s.get("params"));
        momentumParams = s.containsKey("momentum") ? copy((Map<String, INDArray>) s.get("momentum")) : null;
        referenceParams = s.containsKey("reference") ? copy((Map<String, INDArray>) s.get("reference")) : null;
        importance = s.containsKey("importance") ? copy((Map<String, INDArray>) s.get("importance")) : null;
        anchor = s.containsKey("anchor") ? copy((Map<String, INDArray>) s.get("anchor")) : null;
        scores = s.containsKey("scores") ? copy((Map<String, INDArray>) s.get("scores")) : null;
        queueV.restore((FeatureQueue.State) s.get("queueV"));
        queueW.restore((FeatureQueue.State) s.get("queueW"));
        captionIds.clear();
        captionIds.putAll((Map<String, Integer>) s.get("captionIds"));
        reservoir.restoreState((Serializable) s.get("reservoir"));
        exemplars.clear();
        exemplars.putAll((Map<Integer, int[]>) s.get("exemplars"));
        tasksDone = (Integer) s.get("tasksDone");
    }
}
