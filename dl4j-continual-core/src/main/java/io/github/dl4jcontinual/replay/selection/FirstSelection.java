package io.github.dl4jcontinual.replay.selection;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Random;

/**
 * Keeps the first {@code k} candidates in data-set order (no randomness, no features): iTAML's released exemplar
 * selection ("the first quota indices of each class"). Because the ranking is the identity, shrinking a class
 * keeps its earliest examples.
 */
public final class FirstSelection extends FeaturelessSelection {
    private static final long serialVersionUID = 1L;

    @Override
    public int[] select(INDArray features, int k, Random rng) {
        Selections.checkK(features.size(0), k);
        int[] r = new int[k];
        for (int i = 0; i < k; i++) {
            r[i] = i;
        }
        return r;
    }

    @Override
    public String toString() {
        return "first";
    }
}
