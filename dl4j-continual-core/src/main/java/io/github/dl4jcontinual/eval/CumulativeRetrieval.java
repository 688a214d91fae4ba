package io.github.dl4jcontinual.eval;

import java.io.Serializable;
import java.util.Locale;

/**
 * Retrieval on <em>cumulative</em> test sets, the forgetting measure of CTP's {@code eval.py} (docs/ctp.md):
 * cell (i, k), k ≤ i, holds the seven values of {@link RetrievalMetrics#crossModal} (TR@1/5/10, IR@1/5/10, R_m) of
 * the model after experience i on the union of the test data of domains 0..k. The diagonal is the "so-far" model
 * (r_k^so-far = checkpoint k on domains ≤ k), the last row the final model on every prefix (r_k^final).
 *
 * <p>{@link #backwardTransfer(int) BWT after experience i} (i ≥ 1) = Σ_{k≤i} (r_k^so-far − R_m(θ_i, domains ≤ k)) / i,
 * so for the last experience it is eval.py's BWT with the final model; earlier i give the same measure for a run
 * that had stopped after experience i. <b>Positive means forgetting</b> (the opposite sign of GEM's BWT in
 * {@link RetrievalMatrix}). Immutable.
 */
public final class CumulativeRetrieval implements Serializable {
    private static final long serialVersionUID = 1L;
    private final double[][][] cells;

    /**
     * @param cells lower-triangular {@code [rows][i + 1][7]}: row i holds the model after experience i on the
     *              prefixes 0..i (copied)
     */
    public CumulativeRetrieval(double[][][] cells) {
        if (cells == null || cells.length == 0) {
            throw new IllegalArgumentException("a cumulative retrieval table needs at least one row");
        }
        this.cells = new double[cells.length][][];
        for (int i = 0; i < cells.length; i++) {
            if (cells[i] == null || cells[i].length != i + 1) {
                throw new IllegalArgumentException("row " + i + " should hold the " + (i + 1)
                        + " prefixes 0.." + i + " (got " + (cells[i] == null ? "null" : cells[i].length + " cells") + ")");
            }
            this.cells[i] = new double[i + 1][];
            for (int k = 0; k <= i; k++) {
                if (cells[i][k] == null || cells[i][k].length != 7) {
                    throw new IllegalArgumentException("cell (" + i + ", " + k + ") should hold 7 values (got "
                            + (cells[i][k] == null ? "null" : String.valueOf(cells[i][k].length)) + ")");
                }
                this.cells[i][k] = cells[i][k].clone();
            }
        }
    }

    /** @return number of experiences (rows) */
    public int rows() {
        return cells.length;
    }

    /** @return a copy of the seven values of the model after experience i on domains 0..k (k ≤ i) */
    public double[] cell(int i, int k) {
        check(i, k);
        return cells[i][k].clone();
    }

    /** @return R_m of the model after experience i on domains 0..k (k ≤ i) */
    public double meanRecall(int i, int k) {
        check(i, k);
        return cells[i][k][6];
    }

    /** @return r_k^so-far: R_m of the model after experience k on domains 0..k */
    public double soFar(int k) {
        return meanRecall(k, k);
    }

    /** @return r_k^final: R_m of the final model on domains 0..k */
    public double finalOnPrefix(int k) {
        return meanRecall(rows() - 1, k);
    }

    /**
     * @param i the experience after which the measure is taken, 1 ≤ i &lt; {@link #rows()}
     * @return Σ_{k≤i} (r_k^so-far − R_m(θ_i, domains ≤ k)) / i; positive means forgetting
     */
    public double backwardTransfer(int i) {
        if (i < 1 || i >= rows()) {
            throw new IllegalArgumentException("BWT needs an experience in [1, " + (rows() - 1) + "] (got: " + i + ")");
        }
        double s = 0;
        for (int k = 0; k <= i; k++) {
            s += soFar(k) - meanRecall(i, k);
        }
        return s / i;
    }

    /** @return eval.py's BWT of the final model ({@link #backwardTransfer(int)} of the last row), NaN for one row */
    public double backwardTransfer() {
        return rows() < 2 ? Double.NaN : backwardTransfer(rows() - 1);
    }

    private void check(int i, int k) {
        if (i < 0 || i >= rows() || k < 0 || k > i) {
            throw new IndexOutOfBoundsException("cell (" + i + ", " + k + ") outside the triangle of " + rows()
                    + " rows (0 <= k <= i)");
        }
    }

    /** @return CSV, one line per (row, prefix): recalls in percent */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("trained_up_to,domains_up_to,tr1,tr5,tr10,ir1,ir5,ir10,r_mean\n");
        for (int i = 0; i < rows(); i++) {
            for (int k = 0; k <= i; k++) {
                RetrievalMatrix.appendCsvLine(sb, i, k, cells[i][k]);
            }
        }
        return sb.toString();
    }

    /** @return the "so-far" and "final model" R_m rows over the prefixes and the BWT, in percent */
    @Override
    public String toString() {
        StringBuilder so = new StringBuilder("so-far model on domains <= k:");
        StringBuilder fin = new StringBuilder("final model on domains <= k: ");
        for (int k = 0; k < rows(); k++) {
            so.append(String.format(Locale.ROOT, "%7.2f", 100 * soFar(k)));
            fin.append(String.format(Locale.ROOT, "%7.2f", 100 * finalOnPrefix(k)));
        }
        return so + "\n" + fin + String.format(Locale.ROOT, "%nBWT (eval.py, positive = forgetting): %.2f%n",
                100 * backwardTransfer());
    }
}
