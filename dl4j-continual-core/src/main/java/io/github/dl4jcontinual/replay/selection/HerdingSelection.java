package io.github.dl4jcontinual.replay.selection;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

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
        long n = f.size(0);
        Selections.checkK(n, k);
        INDArray mu = f.mean(true, 0);
        // step i minimises ||(i+1)mu - S_i - f_j||^2 = const + |f_j|^2 - 2(i+1) f_j.mu + 2 f_j.S_i over j; the
        // j-dependent part is kept in acc and updated with one GEMV and one AXPY per pick
        INDArray fmu = f.mmul(mu.transpose());
        INDArray acc = f.mul(f).sum(true, 1).subi(fmu.mul(2));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            int j = Selections.argMin(acc);
            out[i] = j;
            Nd4j.gemm(f, f.getRow(j, true), acc, false, true, 2.0, 1.0);
            Nd4j.getBlasWrapper().level1().axpy(n, -2.0, fmu, acc);
            acc.putScalar(j, Double.POSITIVE_INFINITY);
        }
        return out;
    }
}
