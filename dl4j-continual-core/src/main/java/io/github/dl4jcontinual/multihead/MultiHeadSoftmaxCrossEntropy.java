package io.github.dl4jcontinual.multihead;

import io.github.dl4jcontinual.nn.PerExampleLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/**
 * Cross-entropy of a softmax taken only over the outputs of the head (task) of each example's label: output
 * units are partitioned into heads by {@code headOf[unit]}; for an example labelled with class c the softmax
 * runs over the units of head {@code headOf[c]} and the other units get no gradient. This is exactly training
 * one softmax head per task on a shared body (the heads' rows of W are disjoint), the task-IL setup of van de
 * Ven et al. (2019), whose reference code also slices the active head's logits out of one output layer.
 *
 * <p>The output layer must use the identity activation (the loss applies the per-head softmax itself); the
 * network's {@code output()} then gives logits, and argmax over one head's units is that head's prediction.
 * Computed batched: a [batch, nOut] head mask is {@code labels · H · Hᵀ} with H the unit-to-head membership.
 * Immutable; serialised with the network's JSON (field {@code headOf}).</p>
 */
public class MultiHeadSoftmaxCrossEntropy extends PerExampleLoss {
    private static final long serialVersionUID = 1L;
    private static final double MASKED = -1e30;

    private int[] headOf;

    /** For Jackson. */
    public MultiHeadSoftmaxCrossEntropy() {
    }

    /**
     * @param headOf head index of every output unit (length nOut, values ≥ 0)
     */
    public MultiHeadSoftmaxCrossEntropy(int[] headOf) {
        for (int h : headOf) {
            if (h < 0) {
                throw new IllegalArgumentException("head indices should be >= 0 (got: " + Arrays.toString(headOf)
                        + ")");
            }
        }
        this.headOf = headOf.clone();
    }

    /** @return the head of every output unit (a copy) */
    public int[] getHeadOf() {
        return headOf.clone();
    }

    /** [batch, nOut] 0/1: the units of each row's head. */
    private INDArray headMask(INDArray labels) {
        if (labels.columns() != headOf.length) {
            throw new IllegalArgumentException("labels should have " + headOf.length + " columns (got: "
                    + labels.columns() + ")");
        }
        int heads = Arrays.stream(headOf).max().orElse(0) + 1;
        INDArray h = Nd4j.zeros(labels.dataType(), headOf.length, heads);
        for (int u = 0; u < headOf.length; u++) {
            h.putScalar(u, headOf[u], 1);
        }
        return labels.mmul(h).mmul(h.transpose()).gt(0).castTo(labels.dataType());
    }

    private INDArray probabilities(INDArray logits, INDArray mask) {
        INDArray z = logits.add(mask.rsub(1).muli(MASKED));
        return Transforms.softmax(z, false).muli(mask);
    }

    private static void checkActivation(IActivation fn) {
        if (fn != null && !(fn instanceof ActivationIdentity)) {
            throw new IllegalStateException("MultiHeadSoftmaxCrossEntropy applies the per-head softmax itself; "
                    + "the output layer's activation should be identity (got: " + fn + ")");
        }
    }

    /** {@inheritDoc} */
    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                      INDArray mask) {
        checkActivation(activationFn);
        INDArray m = headMask(labels);
        INDArray p = probabilities(preOutput, m);
        INDArray s = Transforms.log(Transforms.max(p, 1e-30, false), false).muli(labels).sum(true, 1).negi();
        return mask == null ? s : s.muli(mask.reshape(s.shape()));
    }

    /** {@inheritDoc} */
    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        checkActivation(activationFn);
        INDArray g = probabilities(preOutput, headMask(labels)).subi(labels);
        return mask == null ? g : g.muliColumnVector(mask.reshape(mask.length(), 1));
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "MultiHeadSoftmaxCrossEntropy";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MultiHeadSoftmaxCrossEntropy
                && Arrays.equals(headOf, ((MultiHeadSoftmaxCrossEntropy) o).headOf);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(headOf);
    }

    @Override
    public String toString() {
        return name() + Arrays.toString(headOf);
    }
}
