package io.github.dl4jcontinual.zoo.ctp;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * CTP's loss as a DL4J {@link ILossFunction} on the dual encoder's packed output (the loss layer that
 * {@link CtpPlugin} puts on the user's image tower and the text projection). {@code preOutput} is
 * {@code [N, 2d + 2 (+ hv + hw)]}: the raw image embedding {@code v_raw} (d), the raw text embedding {@code w_raw} (d), the
 * learnable log inverse temperature (the same value in every row) and the caption id of the row, then (with LUCIR's
 * feature distillation) the image and the text tower features. Embeddings are L2-normalised here. Labels are
 * {@code [N, classes + E]}: the first {@code classes} columns are the scenario's one-hot domain label (not used
 * by the loss); the E further columns, when present, hold one packed record (read row-major) written by
 * {@link #pack}: the momentum keys with their caption ids, the momentum model's batch features and the reference
 * (previous-task) model's batch features. Without them the loss is ITA alone (what a replay
 * buffer, an importance pass or an evaluation of the score sees); with them it adds the terms the record allows:
 * CMC and MD (keys), TPX and TPS (reference), LwF (the reference's unnormalised projections: ½ KL per modality
 * of the softmax over the embedding's dimensions at τ) and feature distillation (the reference's tower features:
 * ½ Σ mean(1 − cos) over the two towers). Terms and targets are those of {@link DualEncoder} (same-caption
 * positives, softCE, KL with the reference's Σ P log P added). Gradients come from a SameDiff graph of the loss
 * built once per term set; the score and the gradient are per-example sums (DL4J divides by the minibatch). The
 * activation must be the identity.
 */
public final class ContrastiveLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;
    private static final double EPS = 1e-12;

    @JsonProperty("embedDim")
    private int embedDim;
    @JsonProperty("classes")
    private int classes;
    @JsonProperty("tau")
    private double tau;
    @JsonProperty("weights")
    private double[] weights;
    @JsonProperty("lwf")
    private double lwf;
    @JsonProperty("featureDistillation")
    private double featureDistillation;
    @JsonProperty("imageFeatures")
    private int imageFeatures;
    @JsonProperty("textFeatures")
    private int textFeatures;
    private transient Map<String, SameDiff> graphs;

    /** For Jackson. */
    public ContrastiveLoss() {
        this(128, 1, 0.07, new double[]{1, 1, 1, 1, 1});
    }

    /**
     * @param embedDim d, the width of each embedding
     * @param classes  the label columns before the packed record
     * @param tau      the fixed temperature of the topology terms
     * @param weights  λ of ITA, CMC, MD, TPX, TPS
     */
    public ContrastiveLoss(int embedDim, int classes, double tau, double[] weights) {
        this(embedDim, classes, tau, weights, 0, 0, 0, 0);
    }

    /**
     * @param embedDim            d, the width of each embedding
     * @param classes             the label columns before the packed record
     * @param tau                 the fixed temperature of the topology and LwF terms
     * @param weights             λ of ITA, CMC, MD, TPX, TPS
     * @param lwf                 λ of LwF over the unnormalised projections (reference record needed)
     * @param featureDistillation λ of LUCIR's 1 − cos distillation of the tower features
     * @param imageFeatures       width of the image tower feature packed behind the caption id (0: none)
     * @param textFeatures        width of the text tower feature packed after it (0: none)
     */
    public ContrastiveLoss(@JsonProperty("embedDim") int embedDim, @JsonProperty("classes") int classes,
                           @JsonProperty("tau") double tau, @JsonProperty("weights") double[] weights,
                           @JsonProperty("lwf") double lwf,
                           @JsonProperty("featureDistillation") double featureDistillation,
                           @JsonProperty("imageFeatures") int imageFeatures,
                           @JsonProperty("textFeatures") int textFeatures) {
        if (embedDim < 1 || classes < 1 || !(tau > 0) || weights == null || weights.length != 5 || !(lwf >= 0)
                || !(featureDistillation >= 0) || imageFeatures < 0 || textFeatures < 0
                || (featureDistillation > 0 && (imageFeatures < 1 || textFeatures < 1))) {
            throw new IllegalArgumentException("ContrastiveLoss needs embedDim >= 1, classes >= 1, tau > 0, 5 "
                    + "weights, lwf >= 0, featureDistillation >= 0 and, with feature distillation, both tower feature "
                    + "widths >= 1 (got " + embedDim + ", " + classes + ", " + tau + ", "
                    + java.util.Arrays.toString(weights) + ", " + lwf + ", " + featureDistillation + ", "
                    + imageFeatures + ", " + textFeatures + ")");
        }
        this.embedDim = embedDim;
        this.classes = classes;
        this.tau = tau;
        this.weights = weights.clone();
        this.lwf = lwf;
        this.featureDistillation = featureDistillation;
        this.imageFeatures = imageFeatures;
        this.textFeatures = textFeatures;
    }

    /** @return the width of the packed output, 2d + 2 (+ the two tower feature widths when they are packed) */
    public int outputWidth() {
        return 2 * embedDim + 2 + imageFeatures + textFeatures;
    }

    /**
     * Packs the momentum and reference features of a minibatch behind its labels.
     *
     * @param labels the minibatch's domain labels [N, classes]
     * @param keyIds caption ids of the keys (momentum batch rows first, then the queue), or null (no CMC/MD)
     * @param keysV  image keys [K, d] (normalised), or null
     * @param keysW  text keys [K, d], or null
     * @param momV   the momentum model's image features of the batch [N, d], or null
     * @param momW   its text features, or null
     * @param refV   the reference model's image features [N, d], or null (no topology terms)
     * @param refW   its text features, or null
     * @return labels [N, classes + E]
     */
    public static INDArray pack(INDArray labels, int[] keyIds, INDArray keysV, INDArray keysW, INDArray momV,
                                INDArray momW, INDArray refV, INDArray refW) {
        return pack(labels, keyIds, keysV, keysW, momV, momW, refV, refW, null, null, null, null);
    }

    /**
     * {@link #pack(INDArray, int[], INDArray, INDArray, INDArray, INDArray, INDArray, INDArray)} with the
     * reference model's unnormalised projections (LwF) and tower features (feature distillation).
     *
     * @param refRawV the reference's unnormalised image projections [N, d], or null (no LwF)
     * @param refRawW its text projections, or null
     * @param refHv   the reference's image tower features [N, imageFeatures], or null (no feature distillation)
     * @param refHw   its text tower features [N, textFeatures], or null
     * @return labels [N, classes + E]
     */
    public static INDArray pack(INDArray labels, int[] keyIds, INDArray keysV, INDArray keysW, INDArray momV,
                                INDArray momW, INDArray refV, INDArray refW, INDArray refRawV, INDArray refRawW,
                                INDArray refHv, INDArray refHw) {
        int n = (int) labels.size(0);
        int k = keyIds == null ? 0 : keyIds.length;
        int d = (int) (keysV != null ? keysV.size(1) : refV != null ? refV.size(1)
                : refRawV != null ? refRawV.size(1) : 0);
        int hv = refHv == null ? 0 : (int) refHv.size(1);
        int hw = refHw == null ? 0 : (int) refHw.size(1);
        long size = HEADER + k + (k > 0 ? 2L * k * d + 2L * n * d : 0) + (refV != null ? 2L * n * d : 0)
                + (refRawV != null ? 2L * n * d : 0) + (long) n * (hv + hw);
        long width = (size + n - 1) / n;
        float[] rec = new float[(int) (width * n)];
        int p = 0;
        rec[p++] = k;
        rec[p++] = refV != null ? 1 : 0;
        rec[p++] = d;
        rec[p++] = refRawV != null ? 1 : 0;
        rec[p++] = hv;
        rec[p++] = hw;
        for (int i = 0; i < k; i++) {
            rec[p++] = keyIds[i];
        }
        for (INDArray a : new INDArray[]{keysV, keysW, momV, momW, refV, refW, refRawV, refRawW, refHv, refHw}) {
            if (a != null) {
                float[] v = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
                System.arraycopy(v, 0, rec, p, v.length);
                p += v.length;
            }
        }
        INDArray extra = Nd4j.createFromArray(rec).reshape('c', n, width);
        return Nd4j.hstack(labels.castTo(DataType.FLOAT), extra);
    }

    /** Entries of the record's header: keys, topology reference, d, LwF reference, the two feature widths. */
    private static final int HEADER = 6;

    private static final class Record {
        int[] keyIds;
        INDArray keysV;
        INDArray keysW;
        INDArray momV;
        INDArray momW;
        INDArray refV;
        INDArray refW;
        INDArray rawV;
        INDArray rawW;
        INDArray refHv;
        INDArray refHw;
    }

    private Record unpack(INDArray labels, int n) {
        Record r = new Record();
        if (labels.size(1) <= classes) {
            return r;
        }
        float[] rec = labels.get(NDArrayIndex.all(), NDArrayIndex.interval(classes, labels.size(1)))
                .castTo(DataType.FLOAT).dup('c').data().asFloat();
        int p = 0;
        int k = Math.round(rec[p++]);
        boolean ref = rec[p++] > 0.5f;
        int d = Math.round(rec[p++]);
        boolean raw = rec[p++] > 0.5f;
        int hv = Math.round(rec[p++]);
        int hw = Math.round(rec[p++]);
        if (d != embedDim && (k > 0 || ref || raw)) {
            throw new IllegalArgumentException("The packed record has embeddings of width " + d + " but the loss "
                    + "expects " + embedDim);
        }
        if (k > 0) {
            r.keyIds = new int[k];
            for (int i = 0; i < k; i++) {
                r.keyIds[i] = Math.round(rec[p++]);
            }
            r.keysV = take(rec, p, k, d);
            p += k * d;
            r.keysW = take(rec, p, k, d);
            p += k * d;
            r.momV = take(rec, p, n, d);
            p += n * d;
            r.momW = take(rec, p, n, d);
            p += n * d;
        }
        if (ref) {
            r.refV = take(rec, p, n, d);
            p += n * d;
            r.refW = take(rec, p, n, d);
            p += n * d;
        }
        if (raw) {
            r.rawV = take(rec, p, n, d);
            p += n * d;
            r.rawW = take(rec, p, n, d);
            p += n * d;
        }
        if (hv > 0 || hw > 0) {
            if (hv != imageFeatures || hw != textFeatures) {
                throw new IllegalArgumentException("The packed record has tower features of widths " + hv + ", " + hw
                        + " but the loss expects " + imageFeatures + ", " + textFeatures);
            }
            r.refHv = take(rec, p, n, hv);
            p += n * hv;
            r.refHw = take(rec, p, n, hw);
        }
        return r;
    }

    private static INDArray take(float[] rec, int from, int rows, int cols) {
        float[] v = new float[rows * cols];
        System.arraycopy(rec, from, v, 0, v.length);
        return Nd4j.createFromArray(v).reshape('c', rows, cols);
    }

    private static int[] captionIds(INDArray pre, int col) {
        INDArray c = pre.getColumn(col).castTo(DataType.DOUBLE);
        int[] ids = new int[(int) c.length()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) Math.round(c.getDouble(i));
        }
        return ids;
    }

    private static INDArray normaliseRows(INDArray x) {
        INDArray n = x.mul(x).sum(true, 1).addi(EPS);
        org.nd4j.linalg.ops.transforms.Transforms.sqrt(n, false);
        return x.divColumnVector(n);
    }

    private static INDArray scalar(double v) {
        return Nd4j.scalar(DataType.FLOAT, v);
    }

    /**
     * The loss L (mean over the batch) and dL/dpre, computed outside DL4J's workspaces (SameDiff's session must not
     * allocate in the layer's scoped workspace); the gradient is leveraged back by the caller's copy.
     */
    private Pair<Double, INDArray> lossAndGradient(INDArray labels, INDArray preOutput) {
        Pair<Double, INDArray> p;
        try (org.nd4j.linalg.api.memory.MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            p = detachedLossAndGradient(labels.detach(), preOutput.detach());
        }
        return new Pair<>(p.getFirst(), p.getSecond().castTo(preOutput.dataType()));
    }

    private Pair<Double, INDArray> detachedLossAndGradient(INDArray labels, INDArray preOutput) {
        int n = (int) preOutput.size(0);
        int d = embedDim;
        if (n < 2) {
            throw new IllegalArgumentException("ContrastiveLoss needs at least 2 image-caption pairs per minibatch "
                    + "(got: " + n + "): the other pairs are its negatives. With EWC/MAS/RWalk on CTP set "
                    + "RegularizationConfiguration.Builder.importanceBatchSize to the training batch size");
        }
        if (preOutput.size(1) != outputWidth()) {
            throw new IllegalArgumentException("ContrastiveLoss expects the packed output of width 2d + 2 "
                    + "(+ tower features) = " + outputWidth() + " but got " + preOutput.size(1));
        }
        INDArray pre = preOutput.castTo(DataType.FLOAT);
        int[] ids = captionIds(pre, 2 * d + 1);
        double logScale = pre.getDouble(0, 2 * d);
        double s = Math.exp(logScale);
        Record r = unpack(labels, n);
        boolean keys = r.keyIds != null && (weights[1] != 0 || weights[2] != 0);
        boolean ref = r.refV != null && (weights[3] != 0 || weights[4] != 0);
        boolean distil = r.rawV != null && lwf != 0;
        boolean features = r.refHv != null && featureDistillation != 0;
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("ita_target", CtpPlugin.positives(ids, ids));
        if (keys) {
            feed.put("keys_v", r.keysV);
            feed.put("keys_w", r.keysW);
            feed.put("cmc_target", CtpPlugin.positives(ids, r.keyIds));
            feed.put("md_i2t", DualEncoder.softmaxRows(r.momV.mmul(r.keysW.transpose()).muli(s)));
            feed.put("md_t2i", DualEncoder.softmaxRows(r.momW.mmul(r.keysV.transpose()).muli(s)));
        }
        if (ref) {
            INDArray i2t = DualEncoder.similarityTargets(r.refV, r.refW, tau, false);
            INDArray t2i = DualEncoder.similarityTargets(r.refW, r.refV, tau, false);
            INDArray i2i = DualEncoder.similarityTargets(r.refV, r.refV, tau, true);
            INDArray t2t = DualEncoder.similarityTargets(r.refW, r.refW, tau, true);
            feed.put("tpx_i2t", i2t);
            feed.put("tpx_t2i", t2i);
            feed.put("tpx_const", scalar(0.5 * (DualEncoder.sumPLogP(i2t) + DualEncoder.sumPLogP(t2i))));
            feed.put("tps_i2i", i2i);
            feed.put("tps_t2t", t2t);
            feed.put("tps_const", scalar(0.5 * (DualEncoder.sumPLogP(i2i) + DualEncoder.sumPLogP(t2t))));
            feed.put("eye", Nd4j.eye(n).castTo(DataType.FLOAT));
        }
        if (distil) {
            INDArray pv = DualEncoder.softmaxRows(r.rawV.div(tau));
            INDArray pw = DualEncoder.softmaxRows(r.rawW.div(tau));
            feed.put("lwf_v", pv);
            feed.put("lwf_w", pw);
            feed.put("lwf_const", scalar(0.5 * (DualEncoder.sumPLogP(pv) + DualEncoder.sumPLogP(pw))));
        }
        if (features) {
            feed.put("ref_hv", r.refHv);
            feed.put("ref_hw", r.refHw);
        }
        SameDiff sd = graph(keys, ref, distil, features);
        sd.getVariable("pre").setArray(pre.dup());
        var og = sd.calculateGradientsAndOutputs(feed, java.util.List.of("loss"), java.util.List.of("pre"));
        double loss = og.getOutputs().get("loss").getDouble(0);
        return new Pair<>(loss, og.getGradients().get("pre").castTo(preOutput.dataType()));
    }

    private synchronized SameDiff graph(boolean keys, boolean ref, boolean distil, boolean features) {
        if (graphs == null) {
            graphs = new HashMap<>();
        }
        return graphs.computeIfAbsent(keys + "/" + ref + "/" + distil + "/" + features,
                k -> build(keys, ref, distil, features));
    }

    private SameDiff build(boolean keys, boolean ref, boolean distil, boolean features) {
        DataType type = DataType.FLOAT;
        int d = embedDim;
        SameDiff sd = SameDiff.create();
        SDVariable pre = sd.var("pre", Nd4j.zeros(type, 2, outputWidth()));
        SDVariable v = normalise(sd, pre.get(SDIndexes.all(), SDIndexes.interval(0, d)));
        SDVariable w = normalise(sd, pre.get(SDIndexes.all(), SDIndexes.interval(d, 2 * d)));
        SDVariable s = sd.math().exp(pre.get(SDIndexes.all(), SDIndexes.interval(2 * d, 2 * d + 1)).mean());
        double invTau = 1 / tau;
        SDVariable tgt = sd.placeHolder("ita_target", type, -1, -1);
        SDVariable loss = half(softCe(sd, sd.mmul(v, w, false, true, false).mul(s), tgt),
                softCe(sd, sd.mmul(w, v, false, true, false).mul(s), tgt)).mul(weights[0]);
        if (keys) {
            SDVariable kv = sd.placeHolder("keys_v", type, -1, d);
            SDVariable kw = sd.placeHolder("keys_w", type, -1, d);
            SDVariable zi = sd.mmul(v, kw, false, true, false).mul(s);
            SDVariable zt = sd.mmul(w, kv, false, true, false).mul(s);
            SDVariable cmc = sd.placeHolder("cmc_target", type, -1, -1);
            loss = loss.add(half(softCe(sd, zi, cmc), softCe(sd, zt, cmc)).mul(weights[1]));
            loss = loss.add(half(softCe(sd, zi, sd.placeHolder("md_i2t", type, -1, -1)),
                    softCe(sd, zt, sd.placeHolder("md_t2i", type, -1, -1))).mul(weights[2]));
        }
        if (ref) {
            SDVariable tpx = half(softCe(sd, sd.mmul(v, w, false, true, false).mul(invTau),
                            sd.placeHolder("tpx_i2t", type, -1, -1)),
                    softCe(sd, sd.mmul(w, v, false, true, false).mul(invTau), sd.placeHolder("tpx_t2i", type, -1, -1)))
                    .add(sd.placeHolder("tpx_const", type));
            SDVariable eye = sd.placeHolder("eye", type, -1, -1);
            SDVariable keep = eye.rsub(1.0);
            SDVariable mask = eye.mul(DualEncoder.SELF_MASK * invTau);
            SDVariable zi = sd.mmul(v, v, false, true, false).mul(invTau).mul(keep).add(mask);
            SDVariable zt = sd.mmul(w, w, false, true, false).mul(invTau).mul(keep).add(mask);
            SDVariable tps = half(softCe(sd, zi, sd.placeHolder("tps_i2i", type, -1, -1)),
                    softCe(sd, zt, sd.placeHolder("tps_t2t", type, -1, -1))).add(sd.placeHolder("tps_const", type));
            loss = loss.add(tpx.mul(weights[3])).add(tps.mul(weights[4]));
        }
        if (distil) {
            SDVariable vRaw = pre.get(SDIndexes.all(), SDIndexes.interval(0, d));
            SDVariable wRaw = pre.get(SDIndexes.all(), SDIndexes.interval(d, 2 * d));
            SDVariable l = half(softCe(sd, vRaw.mul(invTau), sd.placeHolder("lwf_v", type, -1, d)),
                    softCe(sd, wRaw.mul(invTau), sd.placeHolder("lwf_w", type, -1, d)))
                    .add(sd.placeHolder("lwf_const", type));
            loss = loss.add(l.mul(lwf));
        }
        if (features) {
            int o = 2 * d + 2;
            SDVariable hv = pre.get(SDIndexes.all(), SDIndexes.interval(o, o + imageFeatures));
            SDVariable hw = pre.get(SDIndexes.all(), SDIndexes.interval(o + imageFeatures,
                    o + imageFeatures + textFeatures));
            SDVariable l = half(oneMinusCos(sd, hv, sd.placeHolder("ref_hv", type, -1, imageFeatures)),
                    oneMinusCos(sd, hw, sd.placeHolder("ref_hw", type, -1, textFeatures)));
            loss = loss.add(l.mul(featureDistillation));
        }
        sd.updateVariableNameAndReference(loss, "loss");
        sd.setLossVariables("loss");
        return sd;
    }

    /** Short aliases of SameDiff's index factory. */
    private static final class SDIndexes {
        static org.nd4j.autodiff.samediff.SDIndex all() {
            return org.nd4j.autodiff.samediff.SDIndex.all();
        }

        static org.nd4j.autodiff.samediff.SDIndex interval(long from, long to) {
            return org.nd4j.autodiff.samediff.SDIndex.interval(from, to);
        }
    }

    private static SDVariable normalise(SameDiff sd, SDVariable x) {
        return x.div(x.mul(x).sum(true, 1).add(EPS).pow(0.5));
    }

    private static SDVariable softCe(SameDiff sd, SDVariable logits, SDVariable target) {
        SDVariable shifted = logits.sub(logits.max(true, 1));
        SDVariable logZ = sd.math().log(sd.math().exp(shifted).sum(true, 1));
        return target.mul(shifted.sub(logZ)).sum(1).mean().neg();
    }

    /** mean over the rows of 1 − cos(a_i, b_i). */
    private static SDVariable oneMinusCos(SameDiff sd, SDVariable a, SDVariable b) {
        return normalise(sd, a).mul(normalise(sd, b)).sum(1).mean().rsub(1.0);
    }

    private static SDVariable half(SDVariable a, SDVariable b) {
        return a.add(b).mul(0.5);
    }

    private static void checkActivation(IActivation fn) {
        if (!(fn instanceof org.nd4j.linalg.activations.impl.ActivationIdentity)) {
            throw new IllegalArgumentException("ContrastiveLoss needs the identity activation (got " + fn + ")");
        }
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        checkActivation(activationFn);
        double l = lossAndGradient(labels, preOutput).getFirst();
        return Nd4j.valueArrayOf(new long[]{preOutput.size(0), 1}, l, preOutput.dataType());
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        checkActivation(activationFn);
        double l = lossAndGradient(labels, preOutput).getFirst();
        return average ? l : l * preOutput.size(0);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        checkActivation(activationFn);
        return lossAndGradient(labels, preOutput).getSecond().muli(preOutput.size(0));
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                          IActivation activationFn, INDArray mask, boolean average) {
        checkActivation(activationFn);
        Pair<Double, INDArray> p = lossAndGradient(labels, preOutput);
        long n = preOutput.size(0);
        return new Pair<>(average ? p.getFirst() : p.getFirst() * n, p.getSecond().muli(n));
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ContrastiveLoss)) {
            return false;
        }
        ContrastiveLoss c = (ContrastiveLoss) o;
        return embedDim == c.embedDim && classes == c.classes && tau == c.tau
                && java.util.Arrays.equals(weights, c.weights) && lwf == c.lwf
                && featureDistillation == c.featureDistillation && imageFeatures == c.imageFeatures
                && textFeatures == c.textFeatures;
    }

    @Override
    public int hashCode() {
        return Objects.hash(embedDim, classes, tau, java.util.Arrays.hashCode(weights), lwf, featureDistillation,
                imageFeatures, textFeatures);
    }

    @Override
    public String toString() {
        return "ContrastiveLoss(d=" + embedDim + ", classes=" + classes + ", tau=" + tau + ", weights="
                + java.util.Arrays.toString(weights) + ", lwf=" + lwf + ", featureDistillation=" + featureDistillation
                + ", features=" + imageFeatures + "+" + textFeatures + ")";
    }
}
