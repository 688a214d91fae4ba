package io.github.dl4jcontinual.metalearning;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * iTAML's task prediction from a continuum (docs/itaml.md item 6): given the generic model's scores z for a
 * group of samples assumed to come from one unknown task, each candidate task i gets
 * {@code s_i = mean_{x} max_{c∈C_i} z_c(x)} and the predicted task is {@code argmax_i s_i} (the first on ties).
 * With a continuum of one sample this is per-sample task prediction.
 */
public final class TaskPrediction {
    private TaskPrediction() {
    }

    /**
     * @param scores [n, K] model outputs (raw logits for an IDENTITY head) of the continuum, n ≥ 1; read only
     * @param blocks the class columns of each candidate task, each non-empty and inside [0, K)
     * @return s_i per task
     * @throws IllegalArgumentException on an empty continuum, no tasks, or a block outside the scores
     */
    public static double[] taskScores(INDArray scores, List<int[]> blocks) {
        if (scores.rank() != 2 || scores.size(0) < 1) {
            throw new IllegalArgumentException("scores should be a non-empty [n, K] matrix (got shape "
                    + java.util.Arrays.toString(scores.shape()) + ")");
        }
        if (blocks.isEmpty()) {
            throw new IllegalArgumentException("at least one candidate task is needed (got: none)");
        }
        int n = (int) scores.size(0);
        int k = (int) scores.size(1);
        double[] z = scores.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] s = new double[blocks.size()];
        for (int t = 0; t < blocks.size(); t++) {
            int[] b = blocks.get(t);
            if (b.length == 0) {
                throw new IllegalArgumentException("task " + t + " has an empty class block");
            }
            double sum = 0;
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c : b) {
                    if (c < 0 || c >= k) {
                        throw new IllegalArgumentException("class " + c + " of task " + t + " is outside the " + k
                                + " score columns");
                    }
                    max = Math.max(max, z[i * k + c]);
                }
                sum += max;
            }
            s[t] = sum / n;
        }
        return s;
    }

    /**
     * @param scores [n, K] model outputs of the continuum; read only
     * @param blocks the class columns of each candidate task
     * @return the index (into {@code blocks}) of the predicted task
     */
    public static int predictTask(INDArray scores, List<int[]> blocks) {
        double[] s = taskScores(scores, blocks);
        int best = 0;
        for (int t = 1; t < s.length; t++) {
            if (s[t] > s[best]) {
                best = t;
            }
        }
        return best;
    }

    /**
     * @param scores row-major [n, k] scores
     * @param k      columns per row
     * @param row    a row
     * @param block  allowed columns
     * @return the allowed column with the largest score in that row (the first on ties)
     */
    static int argMaxIn(double[] scores, int k, int row, int[] block) {
        int best = block[0];
        for (int c : block) {
            if (scores[row * k + c] > scores[row * k + best]) {
                best = c;
            }
        }
        return best;
    }
}
