package io.github.dl4jcontinual.distillation;

import io.github.dl4jcontinual.testutil.NumericGradients;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.testutil.Models;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mechanics of the distillation loss and the LwF listener (synthetic). */
class DistillationTest {

    @Test
    void lossGradientMatchesFiniteDifferencesInEveryMode() {
        Nd4j.getRandom().setSeed(1);
        INDArray old = Nd4j.randn(3, 5).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        INDArray z = Nd4j.randn(3, 5).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        for (DistillationMode mode : DistillationMode.values()) {
            int[] groupOf = mode == DistillationMode.MULTI_HEAD ? new int[]{0, 0, 1, 1, -1} : new int[]{0, 0, 0, 0, -1};
            boolean seen = mode == DistillationMode.SEEN_CLASSES_SOFTMAX;
            // SEEN_CLASSES_SOFTMAX: units 2 and 3 are the current experience's classes (target 0)
            DistillationLoss loss = new DistillationLoss(groupOf,
                    seen ? new boolean[]{false, false, true, true, false} : null, 2.0, mode, 0.7);
            INDArray q = loss.softTargets(old);
            if (mode != DistillationMode.SIGMOID) {
                assertEquals(1.0, q.getDouble(0, 0) + q.getDouble(0, 1)
                        + (mode == DistillationMode.OLD_CLASSES_SOFTMAX ? q.getDouble(0, 2) + q.getDouble(0, 3)
                        : 0), 1e-9, mode.name());
            }
            assertEquals(0.0, q.getColumn(4).norm1Number().doubleValue(), 0.0);
            NumericGradients.assertLossGradient(loss, q, z, 1e-6, 1e-6, mode + " d/dz");
            if (seen) {
                assertEquals(0.0, q.getColumn(2).norm1Number().doubleValue() + q.getColumn(3).norm1Number()
                        .doubleValue(), 0.0, "current classes are padded with zero targets");
                // at the teacher's logits the current classes are still pushed down
                INDArray g0 = loss.computeGradient(q, old, new ActivationIdentity(), null);
                assertTrue(g0.getColumn(2).minNumber().doubleValue() > 0, g0.toString());
            } else {
                // at the teacher's logits the distillation gradient vanishes
                assertEquals(0.0, loss.computeGradient(q, old, new ActivationIdentity(), null).norm2Number()
                        .doubleValue(), 1e-9, mode.name());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(new int[]{0}, 0, DistillationMode.SIGMOID,
                1));
    }

    @Test
    void listenerAddsNothingAtTheTeacherAndPullsTowardsItElsewhere() {
        MultiLayerNetwork net = Models.mlp(6, 5, 4, 0.1, 3);
        ContinualModel model = ContinualModel.of(net);
        INDArray x = Nd4j.rand(8, 6);
        INDArray y = Nd4j.zeros(8, 4);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, 2 + i % 2, 1);
        }
        DistillationLoss loss = new DistillationLoss(new int[]{0, 0, -1, -1}, 2.0,
                DistillationMode.OLD_CLASSES_SOFTMAX, 1.0);
        // the teacher is the model as it is when the listener is made
        LwfListener same = new LwfListener(model, loss);
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        INDArray before = net.getGradientsViewArray().dup();
        same.onGradientCalculation(net);
        assertEquals(0.0, net.getGradientsViewArray().sub(before).norm2Number().doubleValue(), 1e-5);

        LwfListener other = new LwfListener(model, loss);
        // the student moves away from the teacher: the listener's teacher is its own copy, which stays put
        net.setParams(Models.mlp(6, 5, 4, 0.1, 99).params());
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        before = net.getGradientsViewArray().dup();
        other.onGradientCalculation(net);
        INDArray added = net.getGradientsViewArray().sub(before);
        assertTrue(added.norm2Number().doubleValue() > 1e-4);
        assertTrue(other.lastLoss() > 0, "distillation loss " + other.lastLoss());
        assertEquals(other.lastLoss(), other.meanLoss(), 0.0);
        // the network itself is not modified (the logits come from a twin): its output is still a softmax
        assertEquals(1.0, net.output(x).getRow(0).sumNumber().doubleValue(), 1e-5);
    }

    @Test
    void aModelWithSeveralOutputsIsRefused() {
        org.deeplearning4j.nn.graph.ComputationGraph g = io.github.dl4jcontinual.testutil.Models.twoOutputGraph(
                6, 5, 4, 3, 0.1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LwfListener(ContinualModel.of(g, "out"), new DistillationLoss(new int[]{0, 0, -1, -1}, 2.0,
                        DistillationMode.OLD_CLASSES_SOFTMAX, 1.0)));
        assertTrue(e.getMessage().contains("one output") && e.getMessage().contains("[out, aux]"), e.getMessage());
    }
}
