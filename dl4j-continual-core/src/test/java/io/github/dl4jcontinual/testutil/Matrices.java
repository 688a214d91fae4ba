package io.github.dl4jcontinual.testutil;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Exact comparisons of accuracy matrices, for the bit-identical resume tests. */
public final class Matrices {
    private Matrices() {
    }

    /**
     * Asserts equal shapes and bit-identical cells (undefined cells are NaN in both).
     *
     * @param a    expected
     * @param b    actual
     * @param what the matrix, for the messages
     */
    public static void assertBitIdentical(AccuracyMatrix a, AccuracyMatrix b, String what) {
        assertEquals(a.rows(), b.rows(), what + " rows");
        assertEquals(a.columns(), b.columns(), what + " columns");
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.columns(); j++) {
                assertEquals(Double.doubleToLongBits(a.get(i, j)), Double.doubleToLongBits(b.get(i, j)),
                        what + " R[" + i + "][" + j + "]: " + a.get(i, j) + " vs " + b.get(i, j));
            }
        }
    }

    /**
     * Asserts that two results have the same matrices, each bit-identical.
     *
     * @param expected expected
     * @param actual   actual
     * @param what     the comparison, for the messages
     */
    public static void assertBitIdentical(ContinualResult expected, ContinualResult actual, String what) {
        assertEquals(expected.matrixNames(), actual.matrixNames(), what + ": matrices");
        for (String name : expected.matrixNames()) {
            assertBitIdentical(expected.matrix(name), actual.matrix(name), what + ", " + name);
        }
    }
}
