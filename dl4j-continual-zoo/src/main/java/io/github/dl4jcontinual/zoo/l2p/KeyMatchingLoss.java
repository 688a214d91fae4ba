package io.github.dl4jcontinual.zoo.l2p;

import io.github.dl4jcontinual.nn.PerExampleLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * L2P's key-matching surrogate as a DL4J loss: the output it sits on already holds each example's distance
 * {@code Σ_selected (1 − cos(q, key))} ({@link PromptKeySelection}'s last column); the loss is {@code weight} times
 * it (λ of the paper), averaged over the minibatch as DL4J does. The labels are ignored (any array of the output's
 * shape, e.g. zeros). Use it with the identity activation. Immutable; serialised with the network's JSON.
 */
public class KeyMatchingLoss extends PerExampleLoss {
    private static final long serialVersionUID = 1L;
    private double weight;

    /** For Jackson. */
    public KeyMatchingLoss() {
    }

    /** @param weight λ, finite and &gt;= 0 */
    public KeyMatchingLoss(double weight) {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight should be a finite value >= 0 (got: " + weight + ")");
        }
        this.weight = weight;
    }

    /** @return λ */
    public double getWeight() {
        return weight;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray s = activationFn.getActivation(preOutput.dup(), true).sum(true, 1).muli(weight);
        return mask == null ? s : s.muli(mask.reshape(s.shape()));
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray dLda = preOutput.ulike().assign(weight);
        if (mask != null) {
            dLda.muliColumnVector(mask.reshape(mask.length(), 1).castTo(dLda.dataType()));
        }
        return activationFn.backprop(preOutput.dup(), dLda).getFirst();
    }

    @Override
    public String name() {
        return "KeyMatchingLoss";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KeyMatchingLoss && Double.compare(weight, ((KeyMatchingLoss) o).weight) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(weight);
    }

    @Override
    public String toString() {
        return "KeyMatchingLoss(" + weight + ")";
    }
}
