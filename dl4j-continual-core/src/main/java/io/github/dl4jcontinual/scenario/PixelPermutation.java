package io.github.dl4jcontinual.scenario;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Random;

/**
 * Permutes the values of every example (flattened row-major, any rank) with one fixed permutation (Permuted MNIST).
 * Immutable; replaces the features with a permuted copy, never writes into the source.
 */
public final class PixelPermutation extends FeatureTransform {
    private static final long serialVersionUID = 1L;
    private final int[] permutation;

    /**
     * @param permutation a permutation of 0..d-1; output column i takes input column permutation[i]
     */
    public PixelPermutation(int[] permutation) {
        boolean[] seen = new boolean[permutation.length];
        for (int p : permutation) {
            if (p < 0 || p >= permutation.length || seen[p]) {
                throw new IllegalArgumentException("Not a permutation of 0.." + (permutation.length - 1) + ": value "
                        + p);
            }
            seen[p] = true;
        }
        this.permutation = permutation.clone();
    }

    /**
     * @param numFeatures d
     * @param seed        seed of the Fisher-Yates shuffle
     * @return a random permutation of d columns
     */
    public static PixelPermutation random(int numFeatures, long seed) {
        int[] p = new int[numFeatures];
        for (int i = 0; i < numFeatures; i++) {
            p[i] = i;
        }
        Random r = new Random(seed);
        for (int i = numFeatures - 1; i > 0; i--) {
            int j = r.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return new PixelPermutation(p);
    }

    @Override
    INDArray transform(INDArray features) {
        return permute(features);
    }

    /**
     * @param features examples of any rank whose values per example (flattened, row-major) are the permuted ones
     * @return a permuted copy of the same shape
     */
    public INDArray permute(INDArray features) {
        long d = features.length() / Math.max(1, features.size(0));
        if (d != permutation.length) {
            throw new IllegalArgumentException("PixelPermutation over " + permutation.length + " features cannot "
                    + "permute examples of " + d + " values (shape " + Arrays.toString(features.shape()) + ")");
        }
        if (features.rank() == 2) {
            return features.getColumns(permutation);
        }
        return features.reshape('c', features.size(0), d).getColumns(permutation).reshape('c', features.shape());
    }

    /** @return a copy of the permutation */
    public int[] permutation() {
        return permutation.clone();
    }

    @Override
    public String toString() {
        return "PixelPermutation(" + permutation.length + " features, hash " + Arrays.hashCode(permutation) + ")";
    }
}
