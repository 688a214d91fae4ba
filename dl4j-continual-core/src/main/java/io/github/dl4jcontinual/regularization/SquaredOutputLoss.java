package io.github.dl4jcontinual.regularization;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossL2;

/**
 * MAS's label-free objective {@code ‖z‖²} (Aljundi et al. 2018): DL4J's {@link LossL2} against a zero target of the
 * output's own shape, so the labels of the batch (whatever their width: one-hot classes, a plugin's packed
 * targets) are ignored. Used on a twin's classification output by {@link Importance#outputSensitivity}.
 */
public final class SquaredOutputLoss extends LossL2 {

    /** The objective ‖z‖² (no weights). */
    public SquaredOutputLoss() {
        super();
    }

    private static INDArray zeros(INDArray preOutput) {
        return preOutput.ulike().assign(0);
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        return super.computeScore(zeros(preOutput), preOutput, activationFn, mask, average);
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return super.computeScoreArray(zeros(preOutput), preOutput, activationFn, mask);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return super.computeGradient(zeros(preOutput), preOutput, activationFn, mask);
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                                                          INDArray mask, boolean average) {
        return super.computeGradientAndScore(zeros(preOutput), preOutput, activationFn, mask, average);
    }

    @Override
    public String name() {
        return "SquaredOutputLoss";
    }

    @Override
    public String toString() {
        return "SquaredOutputLoss()";
    }
}
