package io.github.dl4jcontinual.zoo.transformer;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reconstructed KNN invariant distillation loss: neighbours, zero at agreement, analytic gradient. */
class KnnInvariantLossTest {

    @Test
    void neighboursAreTheTeachersNearestByCosine() {
        INDArray t = Nd4j.create(new double[][]{{1, 0}, {0.9, 0.1}, {0, 1}, {0.1, 0.9}, {-1, 0}});
        int[][] nb = new KnnInvariantLoss(1, 0.1, 1).neighbours(t);
        assertArrayEquals(new int[]{1}, nb[0]);
        assertArrayEquals(new int[]{0}, nb[1]);
        assertArrayEquals(new int[]{3}, nb[2]);
        assertEquals(4, new KnnInvariantLoss(10, 0.1, 1).neighbours(t)[0].length, "k is capped at B-1");
    }

    @Test
    void zeroWhenStudentEqualsTeacher() {
        Nd4j.getRandom().setSeed(1);
        INDArray t = Nd4j.randn(DataType.DOUBLE, 6, 5);
        KnnInvariantLoss l = new KnnInvariantLoss(3, 0.2, 1.0);
        assertEquals(0.0, l.computeScore(t, t.dup(), new ActivationIdentity(), null, true), 1e-12);
        assertEquals(0.0, l.computeGradient(t, t.dup(), new ActivationIdentity(), null).amaxNumber().doubleValue(),
                1e-12);
        // scale invariance: only directions matter
        assertEquals(0.0, l.computeScore(t, t.mul(3), new ActivationIdentity(), null, true), 1e-12);
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        Nd4j.getRandom().setSeed(2);
        INDArray t = Nd4j.randn(DataType.DOUBLE, 6, 4);
        INDArray s = Nd4j.randn(DataType.DOUBLE, 6, 4);
        KnnInvariantLoss l = new KnnInvariantLoss(3, 0.5, 0.7);
        io.github.dl4jcontinual.testutil.NumericGradients.assertLossGradient(l, t, s, 1e-6, 1e-6, "d/ds");
        assertTrue(l.computeScore(t, s, new ActivationIdentity(), null, true) > 0);
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> new KnnInvariantLoss(0, 0.1, 1));
        assertThrows(IllegalArgumentException.class, () -> new KnnInvariantLoss(2, 0, 1));
        assertThrows(IllegalStateException.class, () -> new KnnInvariantLoss(2, 0.1, 1).computeGradient(
                Nd4j.ones(3, 2), Nd4j.ones(3, 2), new org.nd4j.linalg.activations.impl.ActivationSoftmax(), null));
    }
}
