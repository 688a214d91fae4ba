package io.github.dl4jcontinual.nn;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * Base of a loss defined by its per-example scores: {@link #computeScore} is the sum of
 * {@link #computeScoreArray} (divided by the number of examples, rows of {@code preOutput}, when averaged), and
 * {@link #computeGradientAndScore} pairs that score with {@link #computeGradient}. A subclass that computes both
 * in one pass overrides {@link #computeGradientAndScore}. Adds no fields: a subclass's JSON is its own.
 */
public abstract class PerExampleLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    /** For Jackson and the subclasses. */
    protected PerExampleLoss() {
    }

    /**
     * @param scoreArray the per-example scores
     * @param n          the number of examples
     * @param average    whether to divide their sum by n
     * @return the sum of the scores, or their mean
     */
    protected static double total(INDArray scoreArray, long n, boolean average) {
        double s = scoreArray.sumNumber().doubleValue();
        return average ? s / n : s;
    }

    /** @return the sum (or mean, with {@code average}) of {@link #computeScoreArray} */
    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        return total(computeScoreArray(labels, preOutput, activationFn, mask), preOutput.size(0), average);
    }

    /** @return {@link #computeScore} and {@link #computeGradient} */
    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
    }
}
