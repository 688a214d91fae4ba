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
 * {@code [N, 2d + 2]}: the raw image embedding {@code v_raw} (d), the raw text embedding {@code w_raw} (d), the
 * learnable log inverse temperature (the same value in every row) and the caption id of the row. Embeddings are
 * L2-normalised here. Labels are {@code [N, classes + E]}: the first {@code classes} columns are the scenario's
 * one-hot domain label (not used by the loss); the E further columns, when present, hold one packed record (read
 * row-major) written by {@link #pack}: the momentum keys with their caption ids, the momentum model's batch features
 * and the reference (previous-task) model's batch features. Without them the loss is ITA alone (what a replay
 * buffer, an importance pass or an evaluation of the score sees); with them it adds the terms the record allows:
 * CMC and MD (keys), TPX and TPS (reference). Terms and targets are those of {@link DualEncoder} (same-caption
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
    public ContrastiveLoss(@JsonProperty("embedDim") int embedDim, @JsonProperty("classes") int classes,
                           @JsonProperty("tau") double tau, @JsonProperty("weights") double[] weights) {
        if (embedDim < 1 || classes < 1 || !(tau > 0) || weights == null || weights.length != 5) {
            throw new IllegalArgumentException("ContrastiveLoss needs embedDim >= 1, classes >= 1, tau > 0 and 5 "
                    + "weights (got " + embedDim + ", " + classes + ", " + tau + ", "
                    + java.util.Arrays.toString(weights) + ")");
        }
        this.embedDim = embedDim;
        this.classes = classes;
        this.tau = tau;
        this.weights = weights.clone();
    }

    /** @return the width of the packed output, 2d + 2 */
    public int outputWidth() {
        return 2 * embedDim + 2;
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
        int n = (int) labels.size(0);
        int k = keyIds == null ? 0 : keyIds.length;
        int d = (int) (keysV != null ? keysV.size(1) : refV != null ? refV.size(1) : 0);
        long size = 3 + k + (k > 0 ? 2L * k * d + 2L * n * d : 0) + (refV != null ? 2L * n * d : 0);
        long width = (size + n - 1) / n;
        float[] rec = new float[(int) (width * n)];
        int p = 0;
        rec[p++] = k;
        rec[p++] = refV != null ? 1 : 0;
        rec[p++] = d;
        for (int i = 0; i < k; i++) {
            rec[p++] = keyIds[i];
        }
        for (INDArray a : new INDArray[]{keysV, keysW, momV, momW, refV, refW}) {
            if (a != null) {
                float[] v = a.castTo(DataType.FLOAT).dup('c').data().asFloat();
                System.arraycopy(v, 0, rec, p, v.length);
                p += v.length;
            }
        }
        INDArray extra = Nd4j.createFromArray(rec).reshape('c', n, width);
        return Nd4j.hstack(labels.castTo(DataType.FLOAT), extra);
    }

    private static final class Record {
        int[] keyIds;
        INDArray keysV;
        INDArray keysW;
        INDArray momV;
        INDArray momW;
        INDArray refV;
        INDArray refW;
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
        if (d != embedDim && (k > 0 || ref)) {
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
            throw new IllegalArgumentException("ContrastiveLoss expects the packed output of width 2d + 2 = "
                    + outputWidth() + " but got " + preOutput.size(1));
        }
        INDArray pre = preOutput.castTo(DataType.FLOAT);
        int[] ids = captionIds(pre, 2 * d + 1);
        double logScale = pre.getDouble(0, 2 * d);
        double s = Math.exp(logScale);
        Record r = unpack(labels, n);
        boolean keys = r.keyIds != null && (weights[1] != 0 || weights[2] != 0);
        boolean ref = r.refV != null && (weights[3] != 0 || weights[4] != 0);
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
        SameDiff sd = graph(keys, ref);
        sd.getVariable("pre").setArray(pre.dup());
        var og = sd.calculateGradientsAndOutputs(feed, java.util.List.of("loss"), java.util.List.of("pre"));
        double loss = og.getOutputs().get("loss").getDouble(0);
        return new Pair<>(loss, og.getGradients().get("pre").castTo(preOutput.dataType()));
    }

    private synchronized SameDiff graph(boolean keys, boolean ref) {
        if (graphs == null) {
            graphs = new HashMap<>();
        }
        return graphs.computeIfAbsent(keys + "/" + ref, k -> build(keys, ref));
    }

    private SameDiff build(boolean keys, boolean ref) {
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
                && java.util.Arrays.equals(weights, c.weights);
    }

    @Override
    public int hashCode() {
        return Objects.hash(embedDim, classes, tau, java.util.Arrays.hashCode(weights));
    }

    @Override
    public String toString() {
        return "ContrastiveLoss(d=" + embedDim + ", classes=" + classes + ", tau=" + tau + ", weights="
                + java.util.Arrays.toString(weights) + ")";
    }
}
