package io.github.dl4jcontinual.eval;

import io.github.dl4jcontinual.serde.ContinualJson;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The formulas of {@link AccuracyMatrix} on hand-computed examples (counts over 100 test examples each). */
class AccuracyMatrixTest {
    // R = [[0.9, -, -], [0.5, 0.8, -], [0.6, 0.3, 0.7]] ; baseline b = [0.1, 0.2, 0.3]
    private static final long U = -1;
    private final AccuracyMatrix m = new AccuracyMatrix(new long[][]{{90, U, U}, {50, 80, U}, {60, 30, 70}},
            new long[]{100, 100, 100}, new double[]{0.1, 0.2, 0.3});

    @Test
    void averageAccuraciesFollowTheDefinitions() {
        assertEquals(0.9, m.averageAccuracy(0), 1e-12);
        assertEquals(0.65, m.averageAccuracy(1), 1e-12);
        assertEquals((0.6 + 0.3 + 0.7) / 3, m.finalAverageAccuracy(), 1e-12);
        assertEquals((0.9 + 0.65 + (0.6 + 0.3 + 0.7) / 3) / 3, m.averageIncrementalAccuracy(), 1e-12);
    }

    @Test
    void intransigenceIsTheReferenceDiagonalMinusOurs() {
        // reference diagonal 0.95, 0.9, 0.85; ours 0.9, 0.8, 0.7
        AccuracyMatrix ref = new AccuracyMatrix(new long[][]{{95, U, U}, {90, 90, U}, {88, 86, 85}},
                new long[]{100, 100, 100}, null);
        double[] i = m.intransigence(ref);
        assertEquals(0.05, i[0], 1e-12);
        assertEquals(0.10, i[1], 1e-12);
        assertEquals(0.15, i[2], 1e-12);
        assertEquals(0.10, m.averageIntransigence(ref), 1e-12);
        AccuracyMatrix shortRef = new AccuracyMatrix(new long[][]{{95, U, U}}, new long[]{100, 100, 100}, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.intransigence(shortRef));
        assertTrue(e.getMessage().contains("1 experiences") && e.getMessage().contains("needs 3"), e.getMessage());
    }

    @Test
    void forgettingIsChaudhrysMaxMinusLast() {
        assertEquals(0.9 - 0.6, m.forgetting(0), 1e-12);
        assertEquals(0.8 - 0.3, m.forgetting(1), 1e-12);
        assertTrue(Double.isNaN(m.forgetting(2)), "the last experience has no forgetting");
        assertEquals((0.3 + 0.5) / 2, m.averageForgetting(), 1e-12);
    }

    @Test
    void forgettingIgnoresRowsBeforeTheExperienceWasLearned() {
        // task-IL style: experience 1 scores 0.95 at row 0, before it was learned; its best learned value is 0.8
        AccuracyMatrix t = new AccuracyMatrix(new long[][]{{90, 95, 50}, {50, 80, 60}, {60, 70, 70}},
                new long[]{100, 100, 100}, null);
        assertEquals(0.8 - 0.7, t.forgetting(1), 1e-12);
        assertEquals(0.9 - 0.6, t.forgetting(0), 1e-12);
    }

    @Test
    void transfersFollowGem() {
        assertEquals(((0.6 - 0.9) + (0.3 - 0.8)) / 2, m.backwardTransfer(), 1e-12);
        assertTrue(Double.isNaN(m.forwardTransfer()), "R[0][1] is undefined, so FWT is");
        AccuracyMatrix full = new AccuracyMatrix(new long[][]{{90, 40, 30}, {50, 80, 35}, {60, 30, 70}},
                new long[]{100, 100, 100}, new double[]{0.1, 0.2, 0.3});
        assertEquals(((0.4 - 0.2) + (0.35 - 0.3)) / 2, full.forwardTransfer(), 1e-12);
    }

    @Test
    void seenAccuracyIsSampleWeighted() {
        AccuracyMatrix w = new AccuracyMatrix(new long[][]{{9, U}, {5, 150}}, new long[]{10, 200}, null);
        assertEquals(155.0 / 210, w.seenAccuracy(1), 1e-12);
        assertEquals((0.5 + 0.75) / 2, w.averageAccuracy(1), 1e-12);
        assertTrue(Double.isNaN(w.baseline(0)));
    }

    @Test
    void roundTripsThroughJsonAndCsv() {
        AccuracyMatrix back = ContinualJson.fromJson(ContinualJson.toJson(m), AccuracyMatrix.class);
        assertEquals(m, back);
        String csv = m.toCsv();
        assertTrue(csv.startsWith("trained_up_to,exp_0,exp_1,exp_2\nbefore_training,0.1000,0.2000,0.3000\n0,0.9000,NaN"),
                csv);
    }

    @Test
    void raggedInputIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AccuracyMatrix(new long[][]{{1, 2}}, new long[]{10, 10, 10}, null));
        assertTrue(e.getMessage().contains("3 entries"), e.getMessage());
    }
}
