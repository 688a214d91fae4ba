package io.github.dl4jcontinual.eval;

import org.apache.commons.lang3.SerializationUtils;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskedEvaluationTest {
    // 4 classes, a head of width 3 (class 3 not grown yet)
    private static final INDArray LABELS = Nd4j.createFromArray(new float[][]{
            {1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 1, 0, 0}});
    private static final INDArray SCORES = Nd4j.createFromArray(new float[][]{
            {0.5f, 0.3f, 0.2f}, {0.6f, 0.3f, 0.1f}, {0.1f, 0.7f, 0.2f}, {0.2f, 0.3f, Float.NEGATIVE_INFINITY}});

    @Test
    void masksClassesOutsideTheAllowedSetByHand() {
        // all of the head allowed: argmax 0, 0, 1, 1 -> rows 0 and 3 right
        MaskedEvaluation all = new MaskedEvaluation(4, 3, new int[]{0, 1, 2, 3});
        all.eval(LABELS, SCORES);
        assertEquals(2, all.correct());
        // only {1, 2}: argmax 1, 1, 1, 1 -> rows 1 and 3 right
        MaskedEvaluation task = new MaskedEvaluation(4, 3, new int[]{1, 2});
        task.eval(LABELS, SCORES);
        assertEquals(2, task.correct());
        // only {2}: rows 0-2 predicted 2; row 3's -Infinity for class 2 is clamped to -1e9 (not NaN), so there the
        // masked classes (score - 1e9) win: 0.3 - 1e9 is the largest -> class 1, right. Rows 2 and 3 right
        MaskedEvaluation two = new MaskedEvaluation(4, 3, new int[]{2});
        two.eval(LABELS, SCORES);
        assertEquals(2, two.correct());
    }

    @Test
    void survivesJavaSerialisationAndMerges() {
        MaskedEvaluation a = new MaskedEvaluation(4, 3, new int[]{1, 2});
        MaskedEvaluation copy = SerializationUtils.clone(a);
        copy.eval(LABELS, SCORES);
        MaskedEvaluation fresh = (MaskedEvaluation) a.newInstance();
        fresh.eval(LABELS, SCORES);
        fresh.merge(copy);
        assertEquals(4, fresh.correct());
    }

    @Test
    void badInputIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MaskedEvaluation(4, 5, new int[]{0}));
        assertTrue(e.getMessage().contains("headSize should be in [1, 4] (got: 5)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new MaskedEvaluation(4, 3, new int[]{7}));
        assertTrue(e.getMessage().contains("Allowed class 7 is outside [0, 4)"), e.getMessage());
        MaskedEvaluation m = new MaskedEvaluation(4, 2, new int[]{0});
        IllegalStateException s = assertThrows(IllegalStateException.class, () -> m.eval(LABELS, SCORES));
        assertTrue(s.getMessage().contains("gave 3 columns; expected 2"), s.getMessage());
    }

    /** The Java count of joined evaluations is eval()'s count: ties, clamped -Infinity, padding, masked winners. */
    @Test
    void countCorrectMatchesEval() {
        java.util.Random rng = new java.util.Random(5);
        for (int trial = 0; trial < 40; trial++) {
            int numClasses = 2 + rng.nextInt(6);
            int headSize = 1 + rng.nextInt(numClasses);
            int rows = 1 + rng.nextInt(12);
            double[] sc = new double[rows * headSize];
            for (int i = 0; i < sc.length; i++) {
                int k = rng.nextInt(6);
                sc[i] = k == 0 ? Double.NEGATIVE_INFINITY : k == 1 ? -3e9 : k == 2 ? 0.5 : rng.nextGaussian();
            }
            INDArray labels = Nd4j.zeros(rows, numClasses);
            int[] actual = new int[rows];
            for (int r = 0; r < rows; r++) {
                actual[r] = rng.nextInt(numClasses);
                labels.putScalar(r, actual[r], 1);
            }
            int[] allowed = java.util.stream.IntStream.range(0, numClasses).filter(c -> rng.nextBoolean()).toArray();
            MaskedEvaluation ev = new MaskedEvaluation(numClasses, headSize, allowed);
            ev.eval(labels, Nd4j.createFromArray(sc).reshape(rows, headSize));
            assertEquals(ev.correct(), MaskedEvaluation.countCorrect(sc, headSize,
                    MaskedEvaluation.allowedMask(numClasses, headSize, allowed), actual, 0, rows),
                    "trial " + trial + ": " + java.util.Arrays.toString(sc) + " allowed " + java.util.Arrays.toString(allowed));
        }
    }
}
