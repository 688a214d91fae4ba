package io.github.dl4jcontinual.eval;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CumulativeRetrievalTest {

    private static double[] rm(double v) {
        return new double[]{0, 0, 0, 0, 0, 0, v};
    }

    @Test
    void soFarFinalAndEvalPyBwtByHand() {
        // after experience 0: 0.8 on {0}; after 1: 0.6 on {0}, 0.7 on {0,1}; after 2: 0.5, 0.55, 0.65
        CumulativeRetrieval c = new CumulativeRetrieval(new double[][][]{
                {rm(0.8)},
                {rm(0.6), rm(0.7)},
                {rm(0.5), rm(0.55), rm(0.65)}});
        assertEquals(3, c.rows());
        assertEquals(0.8, c.soFar(0), 1e-12);
        assertEquals(0.7, c.soFar(1), 1e-12);
        assertEquals(0.65, c.soFar(2), 1e-12);
        assertEquals(0.5, c.finalOnPrefix(0), 1e-12);
        assertEquals(0.55, c.finalOnPrefix(1), 1e-12);
        // ((0.8 − 0.5) + (0.7 − 0.55) + (0.65 − 0.65)) / 2 = 0.225: positive = forgetting
        assertEquals(0.225, c.backwardTransfer(), 1e-12);
        assertEquals(0.225, c.backwardTransfer(2), 1e-12);
        // stopped after experience 1: ((0.8 − 0.6) + 0) / 1
        assertEquals(0.2, c.backwardTransfer(1), 1e-12);
        assertTrue(c.toString().contains("final model on domains <= k:   50.00  55.00  65.00"), c.toString());
        assertTrue(c.toString().contains("BWT (eval.py, positive = forgetting): 22.50"), c.toString());
        assertTrue(c.toCsv().startsWith("trained_up_to,domains_up_to,tr1,tr5,tr10,ir1,ir5,ir10,r_mean\n0,0,"));
        assertEquals(7, c.toCsv().split("\n").length);
    }

    @Test
    void improvingOldDomainsGivesNegativeBwtAndOneRowHasNone() {
        CumulativeRetrieval c = new CumulativeRetrieval(new double[][][]{{rm(0.4)}, {rm(0.6), rm(0.5)}});
        assertEquals(-0.2, c.backwardTransfer(), 1e-12);
        assertTrue(Double.isNaN(new CumulativeRetrieval(new double[][][]{{rm(0.4)}}).backwardTransfer()));
    }

    @Test
    void cellsComeFromRetrievalMetricsOnTheUnion() {
        // the union of two one-pair domains, perfectly retrieved: every recall 1
        double[] perfect = RetrievalMetrics.crossModal(Nd4j.eye(2), new int[][]{{0}, {1}}, new int[][]{{0}, {1}});
        CumulativeRetrieval c = new CumulativeRetrieval(new double[][][]{{perfect}, {perfect, perfect}});
        assertArrayEquals(new double[]{1, 1, 1, 1, 1, 1, 1}, c.cell(1, 1), 1e-12);
        assertEquals(0.0, c.backwardTransfer(), 1e-12);
    }

    @Test
    void badShapesAndIndicesAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CumulativeRetrieval(new double[][][]{{rm(1)}, {rm(1)}}));
        assertEquals("row 1 should hold the 2 prefixes 0..1 (got 1 cells)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new CumulativeRetrieval(new double[][][]{{new double[]{1, 2}}}));
        assertEquals("cell (0, 0) should hold 7 values (got 2)", e.getMessage());
        CumulativeRetrieval c = new CumulativeRetrieval(new double[][][]{{rm(1)}, {rm(1), rm(1)}});
        e = assertThrows(IllegalArgumentException.class, () -> c.backwardTransfer(0));
        assertEquals("BWT needs an experience in [1, 1] (got: 0)", e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> c.meanRecall(0, 1));
    }
}
