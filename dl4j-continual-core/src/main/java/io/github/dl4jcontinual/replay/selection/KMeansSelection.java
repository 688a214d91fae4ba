package io.github.dl4jcontinual.replay.selection;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Objects;
import java.util.Random;

/**
 * k-means selection (CTP's "Kmeans" baseline): runs Lloyd's algorithm with k centroids in feature space (at most
 * {@code iterations} assignment/update steps, stopping early when no assignment changes) and keeps, for each
 * centroid, the nearest candidate not already kept. Larger clusters come first in the ranking, so truncating the
 * ranking keeps the most representative centroids.
 * <p>Seeding is by default on k random candidates, as faiss (CTP's implementation) does; centroids then follow the
 * data's density and the kept examples' mean stays near the class mean. {@code plusPlus} selects k-means++ seeding
 * instead, which covers small, far-away modes (outliers included) at the price of a mean further from the class
 * mean.
 */
public final class KMeansSelection extends FeatureSelection {
    private static final long serialVersionUID = 1L;
    private int iterations;
    private boolean plusPlus;

    /** Ten Lloyd iterations from random seeds on the layer before the output. */
    public KMeansSelection() {
        this(null, 10);
    }

    /**
     * @param layer      the feature layer, or null for the layer before the output
     * @param iterations Lloyd iterations, &gt; 0
     */
    public KMeansSelection(String layer, int iterations) {
        this(layer, iterations, false);
    }

    /**
     * @param layer      the feature layer, or null for the layer before the output
     * @param iterations Lloyd iterations, &gt; 0
     * @param plusPlus   k-means++ seeding instead of k random candidates
     */
    public KMeansSelection(String layer, int iterations, boolean plusPlus) {
        super(layer);
        if (iterations <= 0) {
            throw new IllegalArgumentException("iterations should be > 0 (got: " + iterations + ")");
        }
        this.iterations = iterations;
        this.plusPlus = plusPlus;
    }

    /** @return whether seeding is k-means++ (otherwise k random candidates) */
    public boolean plusPlus() {
        return plusPlus;
    }

    /** @return the number of Lloyd iterations */
    public int iterations() {
        return iterations;
    }

    @Override
    public int[] select(INDArray features, int k, Random rng) {
        INDArray f = Selections.asFloat(features).castTo(DataType.FLOAT);
        int n = (int) f.size(0);
        int d = (int) f.size(1);
        Selections.checkK(n, k);
        if (k == 0) {
            return new int[0];
        }
        float[] x = Selections.rowMajor(f);
        f = Nd4j.createFromArray(x).reshape(n, d); // contiguous, so that GEMM reads it in place
        float[] c = plusPlus ? seeds(x, n, d, k, rng) : randomSeeds(x, n, d, k, rng);
        int[] assign = new int[n];
        Arrays.fill(assign, -1);
        int[] counts = new int[k];
        for (int it = 0; it < iterations; it++) {
            // argmin_c ||x - c||^2 = argmin_c (|c|^2 - 2 x.c): one GEMM, one broadcast add, one argmin in ND4J; the
            // centroid update is a pass over the candidates in Java
            int[] nearest = Nd4j.argMin(shiftedDistances(f, c, k, d), 1).toIntVector();
            boolean changed = false;
            for (int r = 0; r < n; r++) {
                changed |= assign[r] != nearest[r];
                assign[r] = nearest[r];
            }
            if (!changed) {
                break;
            }
            double[] sums = new double[k * d];
            Arrays.fill(counts, 0);
            for (int r = 0; r < n; r++) {
                int j = assign[r];
                counts[j]++;
                for (int q = 0; q < d; q++) {
                    sums[j * d + q] += x[r * d + q];
                }
            }
            for (int j = 0; j < k; j++) {
                if (counts[j] > 0) { // empty clusters keep their centroid
                    for (int q = 0; q < d; q++) {
                        c[j * d + q] = (float) (sums[j * d + q] / counts[j]);
                    }
                }
            }
        }
        // transposed [k, n] so that each centroid's distances are one contiguous row
        INDArray cm = Nd4j.createFromArray(c).reshape(k, d);
        INDArray dk = Nd4j.create(f.dataType(), k, n);
        Nd4j.gemm(cm, f, dk, false, true, -2.0, 0.0);
        float[] dist = dk.addiColumnVector(cm.mul(cm).sum(true, 1)).data().asFloat();
        // centroids by decreasing cluster size (ties by index), each keeping its nearest candidate not yet kept;
        // |x|^2 is the same for every centroid of a row, so the shifted distances rank candidates correctly
        Integer[] order = new Integer[k];
        for (int j = 0; j < k; j++) {
            order[j] = j;
        }
        int[] size = counts.clone();
        Arrays.sort(order, (a, b) -> size[a] != size[b] ? Integer.compare(size[b], size[a]) : Integer.compare(a, b));
        float[] xn = new float[n];
        for (int r = 0; r < n; r++) {
            xn[r] = (float) Selections.dot(x, r * d, x, r * d, d);
        }
        boolean[] taken = new boolean[n];
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            int j = order[i];
            int best = -1;
            float bestD = Float.POSITIVE_INFINITY;
            for (int r = 0; r < n; r++) {
                float v = xn[r] + dist[j * n + r];
                if (!taken[r] && (best < 0 || v < bestD)) {
                    best = r;
                    bestD = v;
                }
            }
            out[i] = best;
            taken[best] = true;
        }
        return out;
    }

    private static float[] randomSeeds(float[] x, int n, int d, int k, Random rng) {
        float[] c = new float[k * d];
        int[] init = RandomSelection.randomPrefix(n, k, rng);
        for (int j = 0; j < k; j++) {
            System.arraycopy(x, init[j] * d, c, j * d, d);
        }
        return c;
    }

    /**
     * k-means++ seeding (Arthur &amp; Vassilvitskii 2007): the first centroid is a uniformly random candidate, each
     * next one a candidate drawn with probability proportional to its squared distance to the nearest centroid so
     * far. One pass over the candidates per centroid.
     */
    static float[] seeds(float[] x, int n, int d, int k, Random rng) {
        float[] c = new float[k * d];
        double[] near = new double[n];
        Arrays.fill(near, Double.POSITIVE_INFINITY);
        int pick = rng.nextInt(n);
        for (int j = 0; j < k; j++) {
            System.arraycopy(x, pick * d, c, j * d, d);
            if (j == k - 1) {
                break;
            }
            double total = 0;
            double cc = Selections.dot(c, j * d, c, j * d, d);
            for (int r = 0; r < n; r++) {
                double dist = Math.max(0, Selections.dot(x, r * d, x, r * d, d) + cc
                        - 2 * Selections.dot(x, r * d, c, j * d, d));
                if (dist < near[r]) {
                    near[r] = dist;
                }
                total += near[r];
            }
            if (total <= 0) { // every candidate coincides with a centroid: any is as good
                pick = rng.nextInt(n);
                continue;
            }
            double u = rng.nextDouble() * total;
            pick = n - 1;
            for (int r = 0; r < n; r++) {
                u -= near[r];
                if (u < 0) {
                    pick = r;
                    break;
                }
            }
        }
        return c;
    }

    /** @return [n, k] squared distances minus |x|^2 (the same shift for every centroid of a row) */
    private static INDArray shiftedDistances(INDArray f, float[] c, int k, int d) {
        INDArray cm = Nd4j.createFromArray(c).reshape(k, d);
        INDArray cn = cm.mul(cm).sum(true, 1).reshape(1, k);
        INDArray out = Nd4j.create(f.dataType(), f.size(0), k);
        Nd4j.gemm(f, cm, out, false, true, -2.0, 0.0); // BLAS transposes; mmul on a transposed view would copy
        return out.addiRowVector(cn);
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && iterations == ((KMeansSelection) o).iterations
                && plusPlus == ((KMeansSelection) o).plusPlus;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), iterations, plusPlus);
    }
}
