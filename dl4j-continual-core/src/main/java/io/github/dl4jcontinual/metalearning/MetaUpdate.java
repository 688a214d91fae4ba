package io.github.dl4jcontinual.metalearning;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The arithmetic of iTAML's outer update on flattened parameter vectors ({@code model.params()}).
 */
public final class MetaUpdate {
    private MetaUpdate() {
    }

    /**
     * The outer step size η_t = exp(−β·t/T).
     *
     * @param beta     decay β ≥ 0
     * @param session  current session t (0-based), 0 ≤ t &lt; T
     * @param sessions total number of sessions T ≥ 1
     * @return η_t in (0, 1]
     * @throws IllegalArgumentException on a negative or non-finite β, T &lt; 1 or t outside [0, T)
     */
    public static double eta(double beta, int session, int sessions) {
        if (!(beta >= 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("beta should be a finite value >= 0 (got: " + beta + ")");
        }
        if (sessions < 1 || session < 0 || session >= sessions) {
            throw new IllegalArgumentException("session should be in [0, " + sessions + ") with sessions >= 1 (got: "
                    + session + " of " + sessions + ")");
        }
        return Math.exp(-beta * session / sessions);
    }

    /**
     * The outer update, written into a new vector: on trainable entries (mask 1)
     * {@code η·target + (1−η)·start}; on the others (mask 0: BatchNorm running statistics, frozen layers)
     * the value of {@code current}, i.e. what the inner loops left there, as PyTorch leaves its buffers.
     *
     * @param start   φ₀, the parameters before the inner loops; read only
     * @param target  mean of the task-adapted parameters (paper) or the last one (as released); read only
     * @param current the parameters after the inner loops; read only
     * @param mask    1 for trainable entries, 0 otherwise
     *                ({@link io.github.dl4jcontinual.model.ContinualModel#trainableMask()}); read only
     * @param eta     η in [0, 1]
     * @return a new row vector [1, n]
     * @throws IllegalArgumentException if the lengths differ or η is outside [0, 1]
     */
    public static INDArray interpolate(INDArray start, INDArray target, INDArray current, INDArray mask, double eta) {
        long n = start.length();
        if (target.length() != n || current.length() != n || mask.length() != n) {
            throw new IllegalArgumentException("parameter vectors should have equal lengths (got: start " + n
                    + ", target " + target.length() + ", current " + current.length() + ", mask " + mask.length()
                    + ")");
        }
        if (!(eta >= 0 && eta <= 1)) {
            throw new IllegalArgumentException("eta should be in [0, 1] (got: " + eta + ")");
        }
        INDArray s = start.reshape(1, n);
        INDArray m = mask.reshape(1, n).castTo(s.dataType());
        INDArray mixed = target.reshape(1, n).mul(eta).addi(s.mul(1 - eta));
        INDArray keep = current.reshape(1, n).mul(m.rsub(1.0));
        return mixed.muli(m).addi(keep);
    }
}
