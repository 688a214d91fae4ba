package io.github.dl4jcontinual.replay.selection;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Random;

/** Uniformly random selection (a seeded partial Fisher–Yates shuffle); ignores the features. */
public final class RandomSelection extends FeaturelessSelection {
    private static final long serialVersionUID = 1L;

    @Override
    public int[] select(INDArray features, int k, Random rng) {
        return randomPrefix((int) features.size(0), k, rng);
    }

    static int[] randomPrefix(int n, int k, Random rng) {
        Selections.checkK(n, k);
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return java.util.Arrays.copyOf(perm, k);
    }

    @Override
    public String toString() {
        return "random";
    }
}
