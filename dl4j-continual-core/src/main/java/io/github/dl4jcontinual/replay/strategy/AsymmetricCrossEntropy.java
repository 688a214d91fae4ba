package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.nn.PerExampleLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Softmax cross-entropy whose softmax is restricted, row by row, to the classes a per-output label mask allows
 * (ER-ACE's asymmetric cross-entropy, Caccia et al. 2022). Mask semantics: null = full softmax, weight 1;
 * [n,1] = full softmax with that per-example weight; [n,k] = softmax over the columns where the mask is &gt; 0,
 * weighted by the row's largest mask value. Computed from the pre-activations (the layer must use a softmax
 * activation, whose place this loss takes). The gradient is {@code w·(q − y)} on allowed columns, 0 elsewhere.
 *
 * <p>DL4J multiplies an output layer's pre-activations by its label mask before the loss sees them (a 0/1 mask's
 * semantics); this loss divides a non-zero mask back out, so a weight scales the loss, never the logits.</p>
 */
public final class AsymmetricCrossEntropy extends PerExampleLoss {
    private static final long serialVersionUID = 1L;
    private static final double OFF = -1e30;

    /** For Jackson and for the strategy. */
    public AsymmetricCrossEntropy() {
    }

    private static void check(IActivation activationFn) {
        if (!(activationFn instanceof ActivationSoftmax)) {
            throw new IllegalArgumentException("AsymmetricCrossEntropy needs a softmax output layer (got: "
                    + activationFn + ")");
        }
    }

    /** @return {log q, weights [n,1], support [n,k]} */
    private static INDArray[] logQ(INDArray preOutput, INDArray mask) {
        long n = preOutput.size(0);
        INDArray support;
        INDArray w;
        if (mask == null) {
            support = Nd4j.onesLike(preOutput);
            w = Nd4j.ones(preOutput.dataType(), n, 1);
        } else if (mask.size(1) == 1) {
            support = Nd4j.onesLike(preOutput);
            w = mask.castTo(preOutput.dataType());
        } else {
            support = mask.gt(0).castTo(preOutput.dataType());
            w = mask.castTo(preOutput.dataType()).max(true, 1);
        }
        // undo DL4J's masking of the pre-activations (pre · mask) where the mask is non-zero
        INDArray z;
        if (mask == null) {
            z = preOutput.dup();
        } else {
            INDArray m = mask.castTo(preOutput.dataType());
            INDArray d = m.add(m.eq(0).castTo(m.dataType()));
            z = m.size(1) == 1 ? preOutput.divColumnVector(d) : preOutput.div(d);
        }
        z.addi(support.rsub(1).muli(OFF));
        z.subiColumnVector(z.max(true, 1));
        INDArray lse = Transforms.log(Transforms.exp(z, true).sum(true, 1), false);
        return new INDArray[]{z.subiColumnVector(lse), w, support};
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        check(activationFn);
        INDArray[] l = logQ(preOutput, mask);
        return l[0].mul(labels.castTo(preOutput.dataType())).sum(true, 1).muli(l[1]).negi();
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        check(activationFn);
        INDArray[] l = logQ(preOutput, mask);
        INDArray q = Transforms.exp(l[0], false);
        return q.subi(labels.castTo(q.dataType())).muli(l[2]).muliColumnVector(l[1]);
    }

    @Override
    public String name() {
        return "AsymmetricCrossEntropy";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AsymmetricCrossEntropy;
    }

    @Override
    public int hashCode() {
        return AsymmetricCrossEntropy.class.hashCode();
    }

    @Override
    public String toString() {
        return name() + "()";
    }
}
