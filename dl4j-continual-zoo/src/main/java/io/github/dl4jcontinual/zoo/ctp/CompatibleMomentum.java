package io.github.dl4jcontinual.zoo.ctp;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * CTP's compatible momentum update of parameter maps, in place:
 * {@code θ_c ← m·θ_c + (1 − m)·[α·θ_t + (1 − α)·θ_ref]} (the release: m = 0.9, α = ½, i.e.
 * 0.9·itself + 0.05·current + 0.05·previous-task model); with no reference model it is the plain EMA
 * {@code θ_c ← m·θ_c + (1 − m)·θ_t} (task 0, m = 0.995).
 */
public final class CompatibleMomentum {
    private CompatibleMomentum() {
    }

    /**
     * @param momentum  the momentum model's parameters, updated in place
     * @param current   the trained model's parameters (read only)
     * @param reference the previous-task model's parameters, or null for the plain EMA
     * @param m         momentum in [0, 1]
     * @param alpha     weight of the current model inside the mixture, in [0, 1]
     */
    public static void update(Map<String, INDArray> momentum, Map<String, INDArray> current,
                              Map<String, INDArray> reference, double m, double alpha) {
        if (!(m >= 0 && m <= 1) || !(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("momentum and alpha should be in [0, 1] (got: " + m + ", " + alpha + ")");
        }
        for (Map.Entry<String, INDArray> e : momentum.entrySet()) {
            INDArray c = current.get(e.getKey());
            if (c == null) {
                throw new IllegalArgumentException("current model has no parameter " + e.getKey());
            }
            INDArray target;
            if (reference == null) {
                target = c;
            } else {
                INDArray r = reference.get(e.getKey());
                if (r == null) {
                    throw new IllegalArgumentException("reference model has no parameter " + e.getKey());
                }
                target = c.mul(alpha).addi(r.mul(1 - alpha));
            }
            e.getValue().muli(m).addi(target.mul(1 - m));
        }
    }
}
