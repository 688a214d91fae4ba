package io.github.dl4jcontinual.eval;

import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * An ND4J {@link Evaluation} over {@code numClasses} classes that restricts predictions to an allowed class set:
 * the scores it receives (width {@code headSize} ≤ {@code numClasses}, larger is more likely) are cast to double,
 * clamped at {@code -1e9} (a {@code -Infinity} would give NaN), padded with {@code -1e9} up to {@code numClasses}
 * columns, and every class outside the allowed set gets {@code -1e9} added, before the usual argmax evaluation.
 * This is how the continual trainer scores class-IL (allowed: the classes seen so far) and task-IL (allowed: the
 * evaluated experience's classes) accuracy. It is {@link Serializable} and mergeable like any {@code Evaluation},
 * so that DL4J's Spark evaluation ({@code doEvaluation}) can run it on the workers and merge the results.
 */
public class MaskedEvaluation extends Evaluation {
    private static final long serialVersionUID = 1L;
    /** The score added to classes outside the allowed set. */
    public static final double MASKED = -1e9;

    private final int width;
    private final int headSize;
    private final int[] allowed;

    /**
     * @param numClasses label width, at least 2
     * @param headSize   width of the scores given to {@link #eval}, in [1, numClasses]
     * @param allowed    the classes predictions may take (classes ≥ headSize are ignored)
     * @throws IllegalArgumentException if the sizes are out of range or a class is outside [0, numClasses)
     */
    public MaskedEvaluation(int numClasses, int headSize, int[] allowed) {
        super(numClasses);
        if (headSize < 1 || headSize > numClasses) {
            throw new IllegalArgumentException("headSize should be in [1, " + numClasses + "] (got: " + headSize + ")");
        }
        for (int c : allowed) {
            if (c < 0 || c >= numClasses) {
                throw new IllegalArgumentException("Allowed class " + c + " is outside [0, " + numClasses + ")");
            }
        }
        this.width = numClasses;
        this.headSize = headSize;
        this.allowed = allowed.clone();
    }

    /** @return the allowed classes (a copy) */
    public int[] allowedClasses() {
        return allowed.clone();
    }

    /** @return the width of the scores this evaluation expects */
    public int headSize() {
        return headSize;
    }

    /** @return the number of correctly classified examples so far (the sum of true positives) */
    public long correct() {
        long c = 0;
        for (int v : truePositives().values()) {
            c += v;
        }
        return c;
    }

    /**
     * @throws IllegalStateException if {@code predictions} is not {@code headSize} columns wide
     */
    @Override
    public void eval(INDArray labels, INDArray predictions, INDArray mask, List<? extends Serializable> meta) {
        if (predictions.size(1) != headSize) {
            throw new IllegalStateException("The scorer gave " + predictions.size(1) + " columns; expected "
                    + headSize);
        }
        int numClasses = width;
        if (labels.size(1) != numClasses) {
            throw new IllegalStateException("Labels have " + labels.size(1) + " columns; expected " + numClasses);
        }
        INDArray out = Transforms.max(predictions.castTo(DataType.DOUBLE), MASKED, true);
        if (headSize < numClasses) {
            out = Nd4j.hstack(out, Nd4j.valueArrayOf(new long[]{out.rows(), numClasses - headSize}, MASKED,
                    DataType.DOUBLE));
        }
        double[] p = new double[numClasses];
        Arrays.fill(p, MASKED);
        for (int c : allowed) {
            if (c < headSize) {
                p[c] = 0;
            }
        }
        super.eval(labels, out.addRowVector(Nd4j.createFromArray(p).reshape(1, numClasses)), mask, meta);
    }

    /**
     * The number of correct predictions {@link #eval} would add for rows {@code [from, from + n)} of a score matrix,
     * computed in one Java pass (for many small evaluations, where the ND4J ops of {@code eval} dominate): the same
     * rule in the same double arithmetic (clamp at {@link #MASKED}, padding and masked classes add {@link #MASKED},
     * the first maximum wins, as ND4J's argmax), compared with the label's argmax.
     *
     * @param scores   row-major scores, {@code headSize} per row, without NaN
     * @param headSize scores per row
     * @param allowed  {@link #allowedMask} of the allowed classes
     * @param actual   the label class of every row of {@code scores}
     * @param from     first row
     * @param n        rows
     * @return correct predictions among those rows
     */
    public static long countCorrect(double[] scores, int headSize, boolean[] allowed, int[] actual, int from, int n) {
        return countCorrect(scores, headSize, allowed, actual, from, n, null);
    }

    /**
     * As {@link #countCorrect(double[], int, boolean[], int[], int, int)}, also adding every row's
     * (label, prediction) pair to {@code confusion[actual][predicted]} unless it is null (the counts DL4J's
     * confusion matrix of {@link #eval} would get).
     *
     * @param scores    row-major scores, {@code headSize} per row, without NaN
     * @param headSize  scores per row
     * @param allowed   {@link #allowedMask} of the allowed classes
     * @param actual    the label class of every row of {@code scores}
     * @param from      first row
     * @param n         rows
     * @param confusion null, or counts {@code [numClasses][numClasses]} to add to
     * @return correct predictions among those rows
     */
    public static long countCorrect(double[] scores, int headSize, boolean[] allowed, int[] actual, int from, int n,
                                    long[][] confusion) {
        long correct = 0;
        for (int r = from; r < from + n; r++) {
            int best = -1;
            double bestValue = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < allowed.length; c++) {
                double v = c < headSize ? Math.max(scores[r * headSize + c], MASKED) + (allowed[c] ? 0 : MASKED)
                        : MASKED + MASKED;
                if (v > bestValue) {
                    bestValue = v;
                    best = c;
                }
            }
            if (best == actual[r]) {
                correct++;
            }
            if (confusion != null) {
                confusion[actual[r]][best]++;
            }
        }
        return correct;
    }

    /**
     * @param numClasses label width
     * @param headSize   score width
     * @param allowed    allowed classes
     * @return for every class below {@code numClasses}, whether a prediction may take it (allowed and within the head)
     */
    public static boolean[] allowedMask(int numClasses, int headSize, int[] allowed) {
        boolean[] m = new boolean[numClasses];
        for (int c : allowed) {
            if (c < headSize) {
                m[c] = true;
            }
        }
        return m;
    }

    /** @return a fresh evaluation with the same classes, head width and allowed set */
    @Override
    public Evaluation newInstance() {
        return new MaskedEvaluation(width, headSize, allowed);
    }
}
