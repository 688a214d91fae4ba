package io.github.dl4jcontinual.testutil;

import io.github.dl4jcontinual.data.DataSets;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/**
 * Seconds-fast synthetic data for mechanics tests: one Gaussian blob per class (unit variance around a random
 * centre of scale 3), one-hot labels, classes interleaved, fully determined by the seeds.
 */
public final class SyntheticData {
    private SyntheticData() {
    }

    /**
     * @param classes  number of classes
     * @param perClass examples per class
     * @param features features per example
     * @param centres  seed of the class centres (the same for a train and its test set)
     * @param noise    seed of the noise (different for a train and its test set)
     * @return a new float DataSet of {@code classes·perClass} examples
     */
    public static DataSet blobs(int classes, int perClass, int features, long centres, long noise) {
        Random cr = new Random(centres);
        float[][] mu = new float[classes][features];
        for (int c = 0; c < classes; c++) {
            for (int f = 0; f < features; f++) {
                mu[c][f] = (float) (3 * cr.nextGaussian());
            }
        }
        Random nr = new Random(noise);
        int n = classes * perClass;
        float[][] x = new float[n][features];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
            for (int f = 0; f < features; f++) {
                x[i][f] = mu[y[i]][f] + (float) nr.nextGaussian();
            }
        }
        return new DataSet(Nd4j.createFromArray(x), DataSets.oneHot(y, classes).castTo(
                org.nd4j.linalg.api.buffer.DataType.FLOAT));
    }
}
