package io.github.dl4jcontinual.eval;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;

/**
 * The accuracy matrix of a continual run: {@code R[i][j]} is the accuracy on test experience {@code j} after
 * training on experiences {@code 0..i}. It stores correct counts and test sizes, so sample-weighted accuracies
 * can be derived too. Entries that are undefined (e.g. class-IL accuracy on classes the head cannot predict
 * yet) are {@code NaN}. Immutable.
 *
 * <p>Formulas, with {@code k = rows() - 1} the last trained experience (GEM, Lopez-Paz &amp; Ranzato 2017;
 * Chaudhry et al. 2018):</p>
 * <ul>
 *   <li>average accuracy after experience i: {@code A_i = mean_{j <= min(i, columns-1)} R[i][j]};</li>
 *   <li>average incremental accuracy (iCaRL, first step included): {@code mean_i A_i};</li>
 *   <li>forgetting of experience j (Chaudhry et al., max-based; it can be negative):
 *       {@code f_j = max_{l in j..k-1} R[l][j] - R[k][j]} for {@code j < k} (only rows after j was learned);
 *       average forgetting is the mean
 *       over {@code j < k}. This differs from Avalanche (first-minus-last) and from Mammoth/PyCIL (max including
 *       k, never negative);</li>
 *   <li>backward transfer: {@code BWT = mean_{j < k} (R[k][j] - R[j][j])};</li>
 *   <li>forward transfer: {@code FWT = mean_{i = 1..k} (R[i-1][i] - b_i)}, where {@code b_i} is the accuracy
 *       of the model before any training ({@link #baseline(int)}); NaN when any term is undefined.</li>
 * </ul>
 * Undefined ({@code NaN}) entries are skipped in means and maxima; a metric with no defined term is NaN.
 */
public final class AccuracyMatrix implements Serializable {
    private static final long serialVersionUID = 1L;

    private long[][] correct;
    private long[] total;
    private double[] baseline;

    private AccuracyMatrix() {
        // for Jackson
    }

    /**
     * @param correct  correct counts [rows][columns]; -1 marks an undefined entry
     * @param total    test examples per column
     * @param baseline accuracy per column before training (length columns), or null
     */
    public AccuracyMatrix(long[][] correct, long[] total, double[] baseline) {
        for (long[] row : correct) {
            if (row.length != total.length) {
                throw new IllegalArgumentException("Every row needs " + total.length + " entries (got: "
                        + row.length + ")");
            }
        }
        if (baseline != null && baseline.length != total.length) {
            throw new IllegalArgumentException("baseline needs " + total.length + " entries (got: " + baseline.length
                    + ")");
        }
        this.correct = Arrays.stream(correct).map(long[]::clone).toArray(long[][]::new);
        this.total = total.clone();
        this.baseline = baseline == null ? null : baseline.clone();
    }

    /** @return the number of trained experiences recorded so far */
    public int rows() {
        return correct.length;
    }

    /** @return the number of test experiences */
    public int columns() {
        return total.length;
    }

    /**
     * @param i trained up to experience i
     * @param j evaluated on test experience j
     * @return R[i][j], or NaN if undefined
     */
    public double get(int i, int j) {
        long c = correct[i][j];
        return c < 0 || total[j] == 0 ? Double.NaN : (double) c / total[j];
    }

    /**
     * @param i row
     * @param j column
     * @return correct predictions at (i, j), or -1 if undefined
     */
    public long correct(int i, int j) {
        return correct[i][j];
    }

    /**
     * @param j column
     * @return number of test examples of experience j
     */
    public long total(int j) {
        return total[j];
    }

    /**
     * @param j column
     * @return accuracy on experience j before any training, or NaN if not recorded
     */
    public double baseline(int j) {
        return baseline == null ? Double.NaN : baseline[j];
    }

    /**
     * @param i row
     * @return {@code A_i}, the mean of R[i][j] over the experiences seen by row i
     */
    public double averageAccuracy(int i) {
        double sum = 0;
        int n = 0;
        for (int j = 0; j <= Math.min(i, columns() - 1); j++) {
            double r = get(i, j);
            if (!Double.isNaN(r)) {
                sum += r;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * @param i row
     * @return the sample-weighted accuracy over all test examples of the experiences seen by row i
     */
    public double seenAccuracy(int i) {
        long c = 0;
        long t = 0;
        for (int j = 0; j <= Math.min(i, columns() - 1); j++) {
            if (correct[i][j] >= 0) {
                c += correct[i][j];
                t += total[j];
            }
        }
        return t == 0 ? Double.NaN : (double) c / t;
    }

    /** @return {@code A_k} after the last recorded row */
    public double finalAverageAccuracy() {
        return rows() == 0 ? Double.NaN : averageAccuracy(rows() - 1);
    }

    /** @return the mean of {@code A_i} over all rows (first row included) */
    public double averageIncrementalAccuracy() {
        double sum = 0;
        int n = 0;
        for (int i = 0; i < rows(); i++) {
            double a = averageAccuracy(i);
            if (!Double.isNaN(a)) {
                sum += a;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * @param j an experience trained before the last row
     * @return {@code max_{j <= l < k} R[l][j] - R[k][j]}: the best accuracy on experience j after it was learned
     *         minus the final one (rows before j, when j was not learned yet, do not count), or NaN if undefined
     */
    public double forgetting(int j) {
        int k = rows() - 1;
        if (j < 0 || j >= k || j >= columns()) {
            return Double.NaN;
        }
        double best = Double.NaN;
        for (int l = j; l < k; l++) {
            double r = get(l, j);
            if (!Double.isNaN(r) && (Double.isNaN(best) || r > best)) {
                best = r;
            }
        }
        return best - get(k, j);
    }

    /** @return mean forgetting over the experiences before the last row */
    public double averageForgetting() {
        double sum = 0;
        int n = 0;
        for (int j = 0; j < Math.min(rows() - 1, columns()); j++) {
            double f = forgetting(j);
            if (!Double.isNaN(f)) {
                sum += f;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * Intransigence (Chaudhry et al., "Riemannian Walk for Incremental Learning", ECCV 2018, eq. 5):
     * {@code I_k = a*_k − R[k][k]}, how much less the model learned of experience k, right after learning it, than a
     * reference trained on all the data of experiences 0..k. The reference is the matrix of a cumulative run (every
     * experience trained on the union of all so far) on the same stream, whose diagonal is {@code a*_k}.
     *
     * @param reference the reference run's matrix of the same kind (class-IL or task-IL)
     * @return {@code I_k} for every experience on both diagonals (NaN where either cell is undefined)
     * @throws IllegalArgumentException if the reference covers fewer experiences than this matrix's diagonal
     */
    public double[] intransigence(AccuracyMatrix reference) {
        java.util.Objects.requireNonNull(reference, "reference");
        int n = Math.min(rows(), columns());
        if (Math.min(reference.rows(), reference.columns()) < n) {
            throw new IllegalArgumentException("The reference matrix has a diagonal of "
                    + Math.min(reference.rows(), reference.columns()) + " experiences; this one needs " + n);
        }
        double[] out = new double[n];
        for (int k = 0; k < n; k++) {
            out[k] = reference.get(k, k) - get(k, k);
        }
        return out;
    }

    /**
     * @param reference the reference run's matrix (see {@link #intransigence(AccuracyMatrix)})
     * @return the mean of the defined {@code I_k}, NaN if none is
     */
    public double averageIntransigence(AccuracyMatrix reference) {
        double sum = 0;
        int n = 0;
        for (double v : intransigence(reference)) {
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** @return BWT, or NaN if fewer than two rows */
    public double backwardTransfer() {
        int k = rows() - 1;
        double sum = 0;
        int n = 0;
        for (int j = 0; j < Math.min(k, columns()); j++) {
            double d = get(k, j) - get(j, j);
            if (!Double.isNaN(d)) {
                sum += d;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** @return FWT, or NaN if the baseline is missing or a term is undefined */
    public double forwardTransfer() {
        int k = rows() - 1;
        if (baseline == null || k < 1) {
            return Double.NaN;
        }
        double sum = 0;
        int n = 0;
        for (int i = 1; i <= Math.min(k, columns() - 1); i++) {
            double d = get(i - 1, i) - baseline[i];
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            sum += d;
            n++;
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * @return the matrix as CSV: a header {@code trained_up_to,exp_0,...}, one line per row, then a
     *         {@code before_training} line with the baseline when present
     */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("trained_up_to");
        for (int j = 0; j < columns(); j++) {
            sb.append(",exp_").append(j);
        }
        sb.append('\n');
        if (baseline != null) {
            sb.append("before_training");
            for (double b : baseline) {
                sb.append(',').append(fmt(b));
            }
            sb.append('\n');
        }
        for (int i = 0; i < rows(); i++) {
            sb.append(i);
            for (int j = 0; j < columns(); j++) {
                sb.append(',').append(fmt(get(i, j)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.4f", v);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%-10s", "after\\on"));
        for (int j = 0; j < columns(); j++) {
            sb.append(String.format(Locale.ROOT, "%8s", "exp" + j));
        }
        sb.append('\n');
        for (int i = 0; i < rows(); i++) {
            sb.append(String.format(Locale.ROOT, "%-10s", "exp" + i));
            for (int j = 0; j < columns(); j++) {
                double v = get(i, j);
                sb.append(Double.isNaN(v) ? String.format(Locale.ROOT, "%8s", "-")
                        : String.format(Locale.ROOT, "%8.4f", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AccuracyMatrix)) {
            return false;
        }
        AccuracyMatrix m = (AccuracyMatrix) o;
        return Arrays.deepEquals(correct, m.correct) && Arrays.equals(total, m.total)
                && Arrays.equals(baseline, m.baseline);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(correct) + Arrays.hashCode(total);
    }
}
