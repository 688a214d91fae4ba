package io.github.dl4jcontinual.testutil;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Random;

/**
 * SameDiff graphs that tests build the way a SameDiff user would: an MLP {@code nIn-hidden-classes} with tanh,
 * placeholders {@code "in"} {@code [-1, nIn]} and {@code "label"} {@code [-1, classes]}, variables {@code "logits"}
 * and {@code "probabilities"}, softmax cross-entropy, Adam, fully determined by the seed.
 */
public final class SameDiffs {
    private SameDiffs() {
    }

    private static INDArray gaussian(Random r, double scale, long rows, long cols) {
        float[][] v = new float[(int) rows][(int) cols];
        for (float[] row : v) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) (scale * r.nextGaussian());
            }
        }
        return Nd4j.createFromArray(v);
    }

    /**
     * @param nIn     inputs
     * @param hidden  hidden width
     * @param classes outputs
     * @param lr      Adam learning rate
     * @param seed    initialisation seed
     * @return a graph with its TrainingConfig set
     */
    public static SameDiff mlp(int nIn, int hidden, int classes, double lr, long seed) {
        Random r = new Random(seed);
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("in", DataType.FLOAT, -1, nIn);
        SDVariable label = sd.placeHolder("label", DataType.FLOAT, -1, classes);
        SDVariable w0 = sd.var("w0", gaussian(r, Math.sqrt(1.0 / nIn), nIn, hidden));
        SDVariable b0 = sd.var("b0", Nd4j.zeros(DataType.FLOAT, 1, hidden));
        SDVariable w1 = sd.var("w1", gaussian(r, Math.sqrt(1.0 / hidden), hidden, classes));
        SDVariable b1 = sd.var("b1", Nd4j.zeros(DataType.FLOAT, 1, classes));
        SDVariable h = sd.math.tanh("hidden", in.mmul(w0).add(b0));
        SDVariable logits = h.mmul(w1).add("logits", b1);
        sd.nn.softmax("probabilities", logits);
        sd.loss.softmaxCrossEntropy("loss", label, logits, null);
        sd.setTrainingConfig(new TrainingConfig.Builder().updater(new Adam(lr)).dataSetFeatureMapping("in")
                .dataSetLabelMapping("label").build());
        return sd;
    }
}
