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

    /** Herding on the layer before the output. */
    public HerdingSelection() {
        super(null);
    }

    /** @param layer the feature layer, or null for the layer before the output */
    public HerdingSelection(String layer) {
        super(layer);
    }

    @Override
    public int[] select(INDArray features, int k, Random rng) {
        INDArray f = Selections.asFloat(features);
        long n = f.size(0);
        Selections.checkK(n, k);
        INDArray mu = f.mean(true, 0);
        INDArray sq = f.mul(f).sum(true, 1).reshape(n);
        INDArray sum = mu.mul(0);
        INDArray penalty = sq.mul(0);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            INDArray target = mu.mul(i + 1).subi(sum);
            // ||f_j - t||^2 = |f_j|^2 - 2 f_j.t + |t|^2 (the last term is constant over j)
            INDArray d = f.mmul(target.transpose()).reshape(n).muli(-2).addi(sq).addi(penalty);
            int j = Selections.argMin(d);
            out[i] = j;
            penalty.putScalar(j, Double.POSITIVE_INFINITY);
            sum.addi(f.getRow(j, true));
        }
        return out;
    }
}
