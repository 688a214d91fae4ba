package io.github.dl4jcontinual.eval;

import java.util.Arrays;

/**
 * The class-IL confusion matrix of the test stream after one experience (the trainer records it after every
 * experience of a stream of at most 256 classes, and after the last one of any stream): {@code count(a, p)} test examples of class {@code a} were predicted as class {@code p}, over every test
 * experience whose class-IL cell was evaluated. Classes are the scenario's (relabelled in order of arrival,
 * {@code 0..numClasses-1}); the prediction is the class-IL one (the arg-max over the allowed classes, as in the
 * accuracy matrix), so the diagonal sums to the correct counts of the matrix's last row. Immutable.
 */
public final class ClassConfusion {
    private int after;
    private long[][] counts;

    private ClassConfusion() {
        // for Jackson
    }

    /**
     * @param after  the training experience after which it was measured
     * @param counts {@code counts[actual][predicted]}, square; copied
     * @throws IllegalArgumentException if it is not square or a count is negative
     */
    public ClassConfusion(int after, long[][] counts) {
        for (long[] row : counts) {
            if (row.length != counts.length) {
                throw new IllegalArgumentException("A confusion matrix is square: " + counts.length + " rows but a row "
                        + "of " + row.length);
            }
            for (long c : row) {
                if (c < 0) {
                    throw new IllegalArgumentException("Negative count " + c + " in a confusion matrix");
                }
            }
        }
        this.after = after;
        this.counts = Arrays.stream(counts).map(long[]::clone).toArray(long[][]::new);
    }

    /** @return the training experience after which it was measured */
    public int after() {
        return after;
    }

    /** @return the number of classes (rows and columns) */
    public int numClasses() {
        return counts.length;
    }

    /**
     * @param actual    the true class
     * @param predicted the predicted class
     * @return the number of test examples of {@code actual} predicted as {@code predicted}
     */
    public long count(int actual, int predicted) {
        return counts[actual][predicted];
    }

    /**
     * @param actual a class
     * @return its test examples counted (the row sum)
     */
    public long actualTotal(int actual) {
        long s = 0;
        for (long c : counts[actual]) {
            s += c;
        }
        return s;
    }

    /**
     * @param actual a class
     * @return the fraction of its test examples predicted correctly, NaN when it has none
     */
    public double accuracy(int actual) {
        long t = actualTotal(actual);
        return t == 0 ? Double.NaN : (double) counts[actual][actual] / t;
    }

    /** @return {@code counts[actual][predicted]}, a copy */
    public long[][] counts() {
        return Arrays.stream(counts).map(long[]::clone).toArray(long[][]::new);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassConfusion && after == ((ClassConfusion) o).after
                && Arrays.deepEquals(counts, ((ClassConfusion) o).counts);
    }

    @Override
    public int hashCode() {
        return 31 * after + Arrays.deepHashCode(counts);
    }

    @Override
    public String toString() {
        return "ClassConfusion after " + after + " " + Arrays.deepToString(counts);
    }
}
