package io.github.dl4jcontinual.eval;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RetrievalMetricsTest {

    @Test
    void recallAtKOnAHandMadeMatrix() {
        // query 0: its item is best; query 1: one item above; query 2: two items above
        var sim = Nd4j.createFromArray(new double[][]{{0.9, 0.1, 0.5}, {0.2, 0.3, 0.8}, {0.4, 0.6, 0.1}});
        int[][] rel = {{0}, {1}, {2}};
        assertEquals(1.0 / 3, RetrievalMetrics.recallAtK(sim, rel, 1), 1e-12);
        assertEquals(2.0 / 3, RetrievalMetrics.recallAtK(sim, rel, 2), 1e-12);
        assertEquals(1.0, RetrievalMetrics.recallAtK(sim, rel, 3), 1e-12);
    }

    @Test
    void tiesCountAgainstTheQueryAndAnyRelevantItemIsAHit() {
        var tie = Nd4j.createFromArray(new double[][]{{0.5, 0.5}});
        assertEquals(0.0, RetrievalMetrics.recallAtK(tie, new int[][]{{1}}, 1), 1e-12);
        assertEquals(1.0, RetrievalMetrics.recallAtK(tie, new int[][]{{1}}, 2), 1e-12);
        // two relevant items: the better one decides; the other relevant item is not counted above it
        var multi = Nd4j.createFromArray(new double[][]{{0.1, 0.9, 0.3, 0.8}});
        assertEquals(1.0, RetrievalMetrics.recallAtK(multi, new int[][]{{1, 3}}, 1), 1e-12);
        assertEquals(0.0, RetrievalMetrics.recallAtK(multi, new int[][]{{0, 2}}, 2), 1e-12);
        assertEquals(1.0, RetrievalMetrics.recallAtK(multi, new int[][]{{0, 2}}, 3), 1e-12);
    }

    @Test
    void crossModalGivesSixRecallsAndTheirMean() {
        // 2 images, 2 texts; image 1 prefers text 0 (wrong); both texts rank their own image first
        var i2t = Nd4j.createFromArray(new double[][]{{0.9, 0.1}, {0.7, 0.6}});
        double[] r = RetrievalMetrics.crossModal(i2t, new int[][]{{0}, {1}}, new int[][]{{0}, {1}});
        assertEquals(0.5, r[0], 1e-12);   // TR@1
        assertEquals(1.0, r[1], 1e-12);   // TR@5
        assertEquals(1.0, r[3], 1e-12);   // IR@1: text 0 -> 0.9 vs 0.7, text 1 -> 0.6 vs 0.1
        assertEquals((0.5 + 1 + 1 + 1 + 1 + 1) / 6, r[6], 1e-12);
    }

    @Test
    void badInputIsNamed() {
        var sim = Nd4j.createFromArray(new double[][]{{0.9, 0.1}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RetrievalMetrics.recallAtK(sim, new int[][]{{2}}, 1));
        assertTrue(e.getMessage().contains("relevant index 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetrievalMetrics.recallAtK(sim, new int[][]{{0}}, 0));
        assertTrue(e.getMessage().contains("k should be >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> RetrievalMetrics.recallAtK(sim, new int[][]{{}}, 1));
        assertTrue(e.getMessage().contains("no relevant"), e.getMessage());
    }

    @Test
    void retrievalMatrixForgettingAndBwt() {
        double[][][] cells = new double[2][2][];
        cells[0][0] = cell(0.8);
        cells[0][1] = cell(0.1);
        cells[1][0] = cell(0.6);
        cells[1][1] = cell(0.7);
        RetrievalMatrix m = new RetrievalMatrix(cells);
        assertEquals(0.65, m.finalMeanRecall(), 1e-9);
        assertEquals(0.2, m.forgetting(), 1e-9);
        assertEquals(-0.2, m.backwardTransfer(), 1e-9);
        assertTrue(m.toCsv().contains("1,0,60.00"), m.toCsv());
        assertThrows(IllegalArgumentException.class, () -> new RetrievalMatrix(new double[][][]{{{0.1}}}));
    }

    private static double[] cell(double mean) {
        return new double[]{mean, mean, mean, mean, mean, mean, mean};
    }
}
