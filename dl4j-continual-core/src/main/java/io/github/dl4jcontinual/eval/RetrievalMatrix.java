package io.github.dl4jcontinual.eval;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;

/**
 * Cross-modal retrieval results of a continual run: cell (i, j) holds the six recalls and their mean R_m (see
 * {@link RetrievalMetrics#crossModal}) on experience (domain) j's test pairs after training experience i, the
 * retrieval analogue of {@link AccuracyMatrix}. Forgetting, BWT and the averages are those of
 * {@link AccuracyMatrix} applied to the mean recall (so BWT is GEM's: negative means forgetting). Unevaluated
 * cells are NaN. Immutable.
 */
public final class RetrievalMatrix implements Serializable {
    private static final long serialVersionUID = 1L;
    /** Fixed denominator used to express mean recalls as {@link AccuracyMatrix} counts (precision 1e-9). */
    private static final long SCALE = 1_000_000_000L;
    private final double[][][] cells;

    /**
     * @param cells [rows][columns][7]: TR@1/5/10, IR@1/5/10, R_m per cell (copied); a null cell is unevaluated
     */
    public RetrievalMatrix(double[][][] cells) {
        if (cells.length == 0) {
            throw new IllegalArgumentException("a retrieval matrix needs at least one row");
        }
        this.cells = new double[cells.length][][];
        for (int i = 0; i < cells.length; i++) {
            if (cells[i].length != cells[0].length) {
                throw new IllegalArgumentException("row " + i + " has " + cells[i].length + " columns, expected "
                        + cells[0].length);
            }
            this.cells[i] = new double[cells[i].length][];
            for (int j = 0; j < cells[i].length; j++) {
                double[] c = cells[i][j];
                if (c != null && c.length != 7) {
                    throw new IllegalArgumentException("cell (" + i + ", " + j + ") should hold 7 values (got "
                            + c.length + ")");
                }
                this.cells[i][j] = c == null ? null : c.clone();
            }
        }
    }

    /** @return number of rows (experiences trained) */
    public int rows() {
        return cells.length;
    }

    /** @return number of columns (domains evaluated) */
    public int columns() {
        return cells[0].length;
    }

    /** @return the mean recall R_m of cell (i, j), or NaN if unevaluated */
    public double meanRecall(int i, int j) {
        return cells[i][j] == null ? Double.NaN : cells[i][j][6];
    }

    /** @return a copy of the seven values of cell (i, j), or null if unevaluated */
    public double[] cell(int i, int j) {
        return cells[i][j] == null ? null : cells[i][j].clone();
    }

    /** @return the mean-recall matrix as an {@link AccuracyMatrix} (NaN cells kept NaN) */
    public AccuracyMatrix asAccuracyMatrix() {
        long[][] correct = new long[rows()][columns()];
        long[] total = new long[columns()];
        Arrays.fill(total, SCALE);
        for (int i = 0; i < rows(); i++) {
            for (int j = 0; j < columns(); j++) {
                double m = meanRecall(i, j);
                correct[i][j] = Double.isNaN(m) ? -1 : Math.round(m * SCALE);
            }
        }
        return new AccuracyMatrix(correct, total, null);
    }

    /** @return mean R_m over all domains after the last experience */
    public double finalMeanRecall() {
        return asAccuracyMatrix().finalAverageAccuracy();
    }

    /** @return average forgetting of R_m over the domains before the last */
    public double forgetting() {
        return asAccuracyMatrix().averageForgetting();
    }

    /** @return GEM's BWT of R_m (negative means forgetting) */
    public double backwardTransfer() {
        return asAccuracyMatrix().backwardTransfer();
    }

    /** @return CSV with one line per (row, column): recalls in percent */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("trained_up_to,domain,tr1,tr5,tr10,ir1,ir5,ir10,r_mean\n");
        for (int i = 0; i < rows(); i++) {
            for (int j = 0; j < columns(); j++) {
                if (cells[i][j] == null) {
                    continue;
                }
                appendCsvLine(sb, i, j, cells[i][j]);
            }
        }
        return sb.toString();
    }

    /** Appends {@code i,j} and the values in percent (two decimals) as one CSV line. */
    static void appendCsvLine(StringBuilder sb, int i, int j, double[] values) {
        sb.append(i).append(',').append(j);
        for (double v : values) {
            sb.append(String.format(Locale.ROOT, ",%.2f", 100 * v));
        }
        sb.append('\n');
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < rows(); i++) {
            for (int j = 0; j < columns(); j++) {
                sb.append(String.format(Locale.ROOT, "%7.2f", 100 * meanRecall(i, j)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
