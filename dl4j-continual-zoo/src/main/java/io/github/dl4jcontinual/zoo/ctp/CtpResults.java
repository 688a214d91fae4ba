package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.CumulativeRetrieval;
import io.github.dl4jcontinual.eval.RetrievalMatrix;

/**
 * Reads {@link CtpPlugin}'s stream metrics back from a trainer's {@link ContinualResult} as core's retrieval
 * types: the per-domain {@link RetrievalMatrix} and CTP's {@link CumulativeRetrieval}.
 */
public final class CtpResults {
    private static final String[] ROWS = {"tr1", "tr5", "tr10", "ir1", "ir5", "ir10", "rm"};

    private CtpResults() {
    }

    /**
     * @param r a result of a run with {@link CtpPlugin}
     * @return cell (i, j) = the seven recalls on domain j after experience i
     * @throws IllegalArgumentException if the result has no retrieval matrices
     */
    public static RetrievalMatrix retrieval(ContinualResult r) {
        return new RetrievalMatrix(cells(r, CtpPlugin.RETRIEVAL, false));
    }

    /**
     * @param r a result of a run with {@link CtpPlugin}
     * @return cell (i, k), k &lt;= i = the seven recalls after experience i on the union of test sets 0..k
     */
    public static CumulativeRetrieval cumulative(ContinualResult r) {
        return new CumulativeRetrieval(cells(r, CtpPlugin.CUMULATIVE, true));
    }

    private static double[][][] cells(ContinualResult r, String metric, boolean triangle) {
        AccuracyMatrix[] m = new AccuracyMatrix[ROWS.length];
        for (int k = 0; k < ROWS.length; k++) {
            String name = metric + "." + ROWS[k];
            if (!r.matrixNames().contains(name)) {
                throw new IllegalArgumentException("The result has no matrix '" + name + "' (run with CtpPlugin); "
                        + "it has " + r.matrixNames());
            }
            m[k] = r.matrix(name);
        }
        int rows = m[0].rows();
        double[][][] out = new double[rows][][];
        for (int i = 0; i < rows; i++) {
            int cols = triangle ? i + 1 : m[0].columns();
            out[i] = new double[cols][ROWS.length];
            for (int j = 0; j < cols; j++) {
                for (int k = 0; k < ROWS.length; k++) {
                    out[i][j][k] = m[k].get(i, j);
                }
            }
        }
        return out;
    }
}
