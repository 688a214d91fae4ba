package io.github.dl4jcontinual.spark;

import io.github.dl4jcontinual.eval.AccuracyMetric;
import io.github.dl4jcontinual.eval.MaskedEvaluation;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.Serializable;
import java.util.List;

/**
 * A {@link MaskedEvaluation} that scores sequence outputs as the trainer's {@link AccuracyMetric} does: labels
 * {@code [n, classes, T]} (with their label mask) are scored at each example's last unmasked time step rather than
 * at every step, as ND4J's {@code Evaluation} would. Two-dimensional labels are evaluated unchanged. This is what
 * the Spark backend hands to DL4J's {@code doEvaluation}, which passes the network's output, the labels and the
 * label mask of every minibatch as they are.
 */
final class LastStepEvaluation extends MaskedEvaluation {
    private static final long serialVersionUID = 1L;
    private final int width;

    /**
     * @param numClasses label width
     * @param headSize   width of the scores
     * @param allowed    the classes predictions may take
     */
    LastStepEvaluation(int numClasses, int headSize, int[] allowed) {
        super(numClasses, headSize, allowed);
        this.width = numClasses;
    }

    @Override
    public void eval(INDArray labels, INDArray predictions, INDArray mask, List<? extends Serializable> meta) {
        if (labels.rank() != 3) {
            super.eval(labels, predictions, mask, meta);
            return;
        }
        org.nd4j.linalg.dataset.MultiDataSet batch = new org.nd4j.linalg.dataset.MultiDataSet(
                new INDArray[]{labels}, new INDArray[]{labels}, null, mask == null ? null : new INDArray[]{mask});
        INDArray[] scoresAndLabels = AccuracyMetric.scoresAndLabels(predictions, batch, 0);
        super.eval(scoresAndLabels[1], scoresAndLabels[0], null, meta);
    }

    @Override
    public Evaluation newInstance() {
        return new LastStepEvaluation(width, headSize(), allowedClasses());
    }
}
