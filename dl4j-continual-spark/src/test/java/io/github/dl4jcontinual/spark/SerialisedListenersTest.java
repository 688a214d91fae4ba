package io.github.dl4jcontinual.spark;

import io.github.dl4jcontinual.distillation.DistillationLoss;
import io.github.dl4jcontinual.distillation.DistillationMode;
import io.github.dl4jcontinual.distillation.LwfListener;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.regularization.ImportanceState;
import io.github.dl4jcontinual.regularization.PenaltyListener;
import org.apache.commons.lang3.SerializationUtils;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The strategies' listeners reach the Spark workers by Java serialisation (inside the training master's worker):
 * a deserialised copy must add exactly the gradient the original adds.
 */
class SerialisedListenersTest {

    private static INDArray gradientWith(MultiLayerNetwork net, INDArray x, INDArray y, TrainingListener l) {
        net.setInput(x);
        net.setLabels(y);
        net.computeGradientAndScore();
        if (l != null) {
            l.onGradientCalculation(net);
        }
        return net.getGradientsViewArray().dup();
    }

    private static void assertSameAddedGradient(MultiLayerNetwork net, TrainingListener original) {
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 10);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i % 10, 1);
        }
        TrainingListener copy = (TrainingListener) SerializationUtils.clone((java.io.Serializable) original);
        INDArray plain = gradientWith(net, x, y, null);
        INDArray withOriginal = gradientWith(net, x, y, original);
        // the copy runs on a worker's copy of the network, another object with the same parameters
        INDArray withCopy = gradientWith(net.clone(), x, y, copy);
        double added = withOriginal.sub(plain).norm2Number().doubleValue();
        assertTrue(added > 1e-3, "the listener added no gradient: " + added);
        assertEquals(0, withCopy.sub(withOriginal).norm2Number().doubleValue(), 1e-6 * added,
                "the deserialised listener adds another gradient");
    }

    @Test
    void ewcPenaltyListenerAddsTheSameGradientAfterSerialisation() {
        MultiLayerNetwork net = LocalSpark.mlp(7, 0.03, 10);
        long n = net.numParams();
        Nd4j.getRandom().setSeed(3);
        INDArray importance = Nd4j.rand(DataType.FLOAT, 1, n);
        INDArray anchor = net.params().reshape(1, n).add(Nd4j.randn(DataType.FLOAT, 1, n).muli(0.1));
        ImportanceState state = new ImportanceState("ewc", importance, anchor, Nd4j.ones(DataType.FLOAT, 1, n), 1);
        assertSameAddedGradient(net, new PenaltyListener(state, 5.0));
    }

    @Test
    void lwfListenerAddsTheSameGradientAfterSerialisation() {
        MultiLayerNetwork net = LocalSpark.mlp(8, 0.03, 10);
        int[] groupOf = new int[10];
        Arrays.fill(groupOf, -1);
        for (int c = 0; c < 4; c++) {
            groupOf[c] = 0;
        }
        // the teacher is the network as it is now; then the network moves away from it (as training does)
        LwfListener lwf = new LwfListener(ContinualModel.of(net),
                new DistillationLoss(groupOf, 2.0, DistillationMode.OLD_CLASSES_SOFTMAX, 1.0));
        net.setParams(LocalSpark.mlp(9, 0.03, 10).params());
        assertSameAddedGradient(net, lwf);
    }
}
