package io.github.dl4jcontinual.replay.selection;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.shape.OneHot;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Objects;
import java.util.Random;

/**
 * k-means selection (CTP's "Kmeans" baseline): runs Lloyd's algorithm with k centroids in feature space
 * (initialised on k random candidates, {@code iterations} batched assignment/update steps) and keeps, for each
 * centroid, the nearest candidate not already kept. Larger clusters come first in the ranking, so truncating the
 * ranking keeps the most representative centroids.
 */
public final class KMeansSelection extends FeatureSelection {
    private static final long serialVersionUID = 1L;
    private int iterations;

    /** Ten Lloyd iterations on the layer before the output. */
    public KMeansSelection() {
        this(null, 10);
    }

    /**
     * @param layer      the feature layer, or null for the layer before the output
     * @param iterations Lloyd iterations, &gt; 0
     */
    public KMeansSelection(String layer, int iterations) {
        super(layer);
        if (iterations <= 0) {
            throw new IllegalArgumentException("iterations should be > 0 (got: " + iterations + ")");
        }
        this.iterations = iterations;
    }

    /** @return the number of Lloyd iterations */
    public int iterations() {
        return iterations;
    }

    @Override
    public int[] select(INDArray features, int k, Random rng) {
        INDArray f = Selections.asFloat(features);
        long n = f.size(0);
        Selections.checkK(n, k);
        if (k == 0) {
            return new int[0];
        }
        INDArray c = Nd4j.pullRows(f, 1, RandomSelection.randomPrefix((int) n, k, rng));
        INDArray counts = null;
        for (int it = 0; it < iterations; it++) {
            // argmin_c ||x - c||^2 = argmin_c (|c|^2 - 2 x.c): one GEMM, one broadcast add, one argmin
            INDArray d = f.mmul(c.transpose()).muli(-2).addiRowVector(c.mul(c).sum(true, 1).reshape(1, k));
            INDArray nearest = Nd4j.argMin(d, 1);
            INDArray assign = Nd4j.exec(new OneHot(nearest, k, -1, 1.0, 0.0, f.dataType()))[0]; // [n,k]
            counts = assign.sum(true, 0); // [1,k]
            INDArray nonEmpty = counts.gt(0).castTo(f.dataType()).reshape(k, 1);
            INDArray means = assign.transpose().mmul(f)
                    .diviColumnVector(Transforms.max(counts, 1.0).reshape(k, 1));
            // empty clusters keep their centroid
            c = means.muliColumnVector(nonEmpty).addi(c.mulColumnVector(nonEmpty.rsub(1)));
        }
        INDArray d = Selections.squaredDistances(f, c); // [n,k]
        int[] order = Nd4j.sortWithIndices(counts.reshape(k).castTo(DataType.DOUBLE).dup(), 0, false)[0]
                .toIntVector();
        INDArray penalty = Nd4j.zeros(d.dataType(), n);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            int j = Selections.argMin(d.getColumn(order[i]).add(penalty));
            out[i] = j;
            penalty.putScalar(j, Double.POSITIVE_INFINITY);
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && iterations == ((KMeansSelection) o).iterations;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), iterations);
    }
}
