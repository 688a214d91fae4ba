package io.github.dl4jcontinual.replay.selection;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Random;

/**
 * Herding (iCaRL, Rebuffi et al. 2017, "mean of features"): greedily adds the example that brings the mean of the
 * selected features closest to the mean of all candidates. Step i picks
 * {@code argmin_j ||i·μ − S − f_j||} over unselected j, where S is the sum of the features picked so far: one
 * matrix-vector product per pick. The ranking is a prefix order by construction.
 */
public final class HerdingSelection extends FeatureSelection {
    private static final long serialVersionUID = 1L;
    private boolean normalise;

    /** Herding on the layer before the output. */
    public HerdingSelection() {
        super(null);
    }

    /** @param layer the feature layer, or null for the layer before the output */
    public HerdingSelection(String layer) {
        super(layer);
    }

    /**
     * @param layer     the feature layer, or null for the layer before the output
     * @param normalise whether every feature vector is L2-normalised before herding (iCaRL's implementations herd
     *                  in the normalised space that its nearest-mean classifier uses)
     */
    public HerdingSelection(String layer, boolean normalise) {
        super(layer);
        this.normalise = normalise;
    }

    /** @return whether the features are L2-normalised first */
    public boolean isNormalise() {
        return normalise;
    }

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && normalise == ((HerdingSelection) o).normalise;
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Boolean.hashCode(normalise);
    }

    @Override
    public String toString() {
        return normalise ? super.toString() + "[normalised]" : super.toString();
    }

    @Override
    public int[] select(INDArray features, int k, Random rng) {
        INDArray f = Selections.asFloat(features);
        if (normalise) {
            f = f.divColumnVector(f.norm2(true, 1).addi(1e-12));
        }
        int n = (int) f.size(0);
        int d = (int) f.size(1);
        Selections.checkK(n, k);
        float[] x = Selections.rowMajor(f);
        double[] mu = new double[d];
        for (int r = 0; r < n; r++) {
            for (int c = 0; c < d; c++) {
                mu[c] += x[r * d + c];
            }
        }
        for (int c = 0; c < d; c++) {
            mu[c] /= n;
        }
        // step i minimises ||(i+1)mu - S_i - f_j||^2 = const + |f_j|^2 - 2(i+1) f_j.mu + 2 f_j.S_i over j; the
        // j-dependent part is kept in acc and updated with one pass over the candidates per pick (plain Java: the
        // per-pick work is one matrix-vector product, where ND4J's per-op overhead would dominate)
        double[] fmu = new double[n];
        double[] acc = new double[n];
        for (int r = 0; r < n; r++) {
            double dot = 0;
            double sq = 0;
            for (int c = 0; c < d; c++) {
                float v = x[r * d + c];
                dot += v * mu[c];
                sq += v * v;
            }
            fmu[r] = dot;
            acc[r] = sq - 2 * dot;
        }
        boolean[] taken = new boolean[n];
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            int j = -1;
            double best = Double.POSITIVE_INFINITY;
            for (int r = 0; r < n; r++) {
                if (!taken[r] && acc[r] < best) {
                    best = acc[r];
                    j = r;
                }
            }
            if (j < 0) { // only non-finite scores left: take the first free candidate
                j = firstFree(taken);
            }
            out[i] = j;
            taken[j] = true;
            int oj = j * d;
            for (int r = 0; r < n; r++) {
                if (!taken[r]) {
                    acc[r] += 2 * (Selections.dot(x, r * d, x, oj, d) - fmu[r]);
                }
            }
        }
        return out;
    }

    private static int firstFree(boolean[] taken) {
        for (int r = 0; r < taken.length; r++) {
            if (!taken[r]) {
                return r;
            }
        }
        throw new IllegalStateException("no candidate left");
    }
}
