package io.github.dl4jcontinual.distillation;

import io.github.dl4jcontinual.nn.PerExampleLoss;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.Objects;

/**
 * The distillation loss of LwF on logits z (identity output activation), with soft targets q as labels:
 * for {@link DistillationMode#MULTI_HEAD} / {@link DistillationMode#OLD_CLASSES_SOFTMAX}
 * {@code w · Σ_groups −Σ_c q_c log softmax_group(z/T)_c}; for {@link DistillationMode#SIGMOID}
 * {@code w · Σ_c −[q_c log σ(z_c/T) + (1−q_c) log(1−σ(z_c/T))]}. Units with group −1 are ignored. Per-example
 * gradients are {@code w (p − q)/T} on the grouped units. Units marked {@code padded} belong to their group in the
 * student's softmax but get target 0 ({@link DistillationMode#SEEN_CLASSES_SOFTMAX}). Batched over the minibatch;
 * loops only over groups.
 */
public class DistillationLoss extends PerExampleLoss {
    private static final long serialVersionUID = 1L;
    private int[] groupOf;
    private double temperature;
    private DistillationMode mode;
    private double weight;
    private boolean[] padded;

    /** For Jackson. */
    public DistillationLoss() {
    }

    /**
     * @param groupOf     group of every output unit, −1 for units not distilled
     * @param temperature T &gt; 0
     * @param mode        softmax groups or sigmoid
     * @param weight      factor w on the loss and its gradient
     */
    public DistillationLoss(int[] groupOf, double temperature, DistillationMode mode, double weight) {
        this(groupOf, null, temperature, mode, weight);
    }

    /**
     * @param groupOf     group of every output unit, −1 for units not distilled
     * @param padded      per unit, whether its soft target is 0 instead of the teacher's (it still takes part in
     *                    the student's softmax of its group); null for none
     * @param temperature T &gt; 0
     * @param mode        softmax groups or sigmoid
     * @param weight      factor w on the loss and its gradient
     */
    public DistillationLoss(int[] groupOf, boolean[] padded, double temperature, DistillationMode mode,
                            double weight) {
        if (padded != null && padded.length != groupOf.length) {
            throw new IllegalArgumentException("padded should have one entry per unit (" + groupOf.length
                    + "), got: " + padded.length);
        }
        this.padded = padded == null ? new boolean[groupOf.length] : padded.clone();
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature should be > 0 (got: " + temperature + ")");
        }
        this.groupOf = groupOf.clone();
        this.temperature = temperature;
        this.mode = Objects.requireNonNull(mode, "mode");
        this.weight = weight;
    }

    /** @return the groups' unit indices, one array per group */
    int[][] groups() {
        int n = Arrays.stream(groupOf).max().orElse(-1) + 1;
        if (mode == DistillationMode.SIGMOID) {
            return new int[][]{Arrays.stream(indices()).filter(u -> groupOf[u] >= 0).toArray()};
        }
        int[][] g = new int[n][];
        for (int k = 0; k < n; k++) {
            final int kk = k;
            g[k] = Arrays.stream(indices()).filter(u -> groupOf[u] == kk).toArray();
        }
        return g;
    }

    private int[] indices() {
        int[] r = new int[groupOf.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = i;
        }
        return r;
    }

    /**
     * Soft targets from the old model's logits: per-group softmax (or sigmoid) at temperature T, 0 elsewhere.
     *
     * @param oldLogits [batch, nOut]
     * @return q, [batch, nOut]
     */
    public INDArray softTargets(INDArray oldLogits) {
        INDArray q = Nd4j.zeros(oldLogits.dataType(), oldLogits.shape());
        for (int[] all : groups()) {
            int[] g = Arrays.stream(all).filter(u -> padded == null || !padded[u]).toArray();
            if (g.length == 0) {
                continue;
            }
            INDArray z = oldLogits.get(NDArrayIndex.all(), NDArrayIndex.indices(toLong(g))).div(temperature);
            INDArray p = mode == DistillationMode.SIGMOID ? Transforms.sigmoid(z, false)
                    : Transforms.softmax(z, false);
            put(q, g, p);
        }
        return q;
    }

    private static long[] toLong(int[] a) {
        return Arrays.stream(a).asLongStream().toArray();
    }

    private static void put(INDArray target, int[] cols, INDArray values) {
        for (int k = 0; k < cols.length; k++) {
            target.putColumn(cols[k], values.getColumn(k));
        }
    }

    /** {score per example [batch,1], gradient [batch,nOut]} */
    private INDArray[] compute(INDArray q, INDArray logits, IActivation fn) {
        if (fn != null && !(fn instanceof ActivationIdentity)) {
            throw new IllegalStateException("DistillationLoss needs logits: the output activation should be "
                    + "identity (got: " + fn + ")");
        }
        INDArray score = Nd4j.zeros(logits.dataType(), logits.rows(), 1);
        INDArray grad = Nd4j.zeros(logits.dataType(), logits.shape());
        for (int[] g : groups()) {
            if (g.length == 0) {
                continue;
            }
            INDArray z = logits.get(NDArrayIndex.all(), NDArrayIndex.indices(toLong(g))).div(temperature);
            INDArray t = q.get(NDArrayIndex.all(), NDArrayIndex.indices(toLong(g)));
            INDArray p;
            if (mode == DistillationMode.SIGMOID) {
                p = Transforms.sigmoid(z, true);
                INDArray lp = Transforms.log(Transforms.max(p, 1e-30, true), true);
                INDArray lq = Transforms.log(Transforms.max(p.rsub(1), 1e-30, true), true);
                score.addi(lp.mul(t).addi(lq.mul(t.rsub(1))).sum(true, 1).negi());
            } else {
                p = Transforms.softmax(z, true);
                INDArray lp = Transforms.log(Transforms.max(p, 1e-30, true), true);
                score.addi(lp.mul(t).sum(true, 1).negi());
            }
            put(grad, g, p.sub(t).divi(temperature));
        }
        return new INDArray[]{score.muli(weight), grad.muli(weight)};
    }

    /** {@inheritDoc} */
    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                      INDArray mask) {
        return compute(labels, preOutput, activationFn)[0];
    }

    /** {@inheritDoc} */
    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return compute(labels, preOutput, activationFn)[1];
    }

    /** {@inheritDoc} */
    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                          IActivation activationFn, INDArray mask,
                                                          boolean average) {
        INDArray[] r = compute(labels, preOutput, activationFn);
        return new Pair<>(total(r[0], labels.rows(), average), r[1]);
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "DistillationLoss";
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof DistillationLoss)) {
            return false;
        }
        DistillationLoss d = (DistillationLoss) o;
        return Arrays.equals(groupOf, d.groupOf) && Arrays.equals(padded, d.padded)
                && temperature == d.temperature && mode == d.mode && weight == d.weight;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(groupOf), Arrays.hashCode(padded), temperature, mode, weight);
    }
}
