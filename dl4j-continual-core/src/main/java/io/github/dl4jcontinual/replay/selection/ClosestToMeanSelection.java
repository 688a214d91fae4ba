package io.github.dl4jcontinual.replay.selection;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

/** The candidates closest (Euclidean, in feature space) to the class mean, nearest first. */
public final class ClosestToMeanSelection extends FeatureSelection {
    private static final long serialVersionUID = 1L;

    /** On the layer before the output. */
    public ClosestToMeanSelection() {
        super(null);
    }

    /** @param layer the feature layer, or null for the layer before the output */
    public ClosestToMeanSelection(String layer) {
        super(layer);
    }

    @Override
    public int[] select(INDArray features, int k, Random rng) {
        INDArray f = Selections.asFloat(features);
        Selections.checkK(f.size(0), k);
        INDArray d = Selections.squaredDistances(f, f.mean(true, 0)).reshape(f.size(0));
        INDArray[] sorted = Nd4j.sortWithIndices(d.dup(), 0, true);
        int[] idx = sorted[0].toIntVector();
        return java.util.Arrays.copyOf(idx, k);
    }
}
