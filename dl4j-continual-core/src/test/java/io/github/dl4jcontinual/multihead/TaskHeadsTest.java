package io.github.dl4jcontinual.multihead;

import io.github.dl4jcontinual.testutil.NumericGradients;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Multi-head loss and the multi-head network built from a user's network. */
class TaskHeadsTest {

    private static Scenario scenario(int n) {
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(n, 6);
        INDArray y = Nd4j.zeros(n, 6);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 6, 1);
        }
        DataSet ds = new DataSet(x, y);
        return new ClassIncrementalScenario.Builder().train(ds).test(ds.copy()).numExperiences(3).name("synthetic")
                .build();
    }

    @Test
    void lossIsASoftmaxWithinTheLabelsHead() {
        int[] headOf = {0, 0, 1, 1, 2, 2};
        MultiHeadSoftmaxCrossEntropy loss = new MultiHeadSoftmaxCrossEntropy(headOf);
        INDArray z = Nd4j.createFromArray(new double[][]{{1, 2, 5, -1, 0, 3}, {0.5, -2, 1, 4, 2, 2}});
        INDArray y = Nd4j.createFromArray(new double[][]{{0, 1, 0, 0, 0, 0}, {0, 0, 0, 1, 0, 0}});
        INDArray s = loss.computeScoreArray(y, z, new ActivationIdentity(), null);
        // row 0: head {0,1}: -log(e^2/(e^1+e^2)); row 1: head {2,3}: -log(e^4/(e^1+e^4))
        assertEquals(Math.log(1 + Math.exp(-1)), s.getDouble(0), 1e-6);
        assertEquals(Math.log(1 + Math.exp(-3)), s.getDouble(1), 1e-6);
        INDArray g = loss.computeGradient(y, z, new ActivationIdentity(), null);
        NumericGradients.assertLossGradient(loss, y, z, 1e-5, 1e-6, "d/dz");
        assertEquals(0.0, g.getDouble(0, 2), 0.0);
    }

    @Test
    void attachKeepsParametersAndSerialises() {
        Scenario sc = scenario(60);
        MultiLayerNetwork net = Models.mlp(6, 4, 6, 0.1, 1);
        MultiLayerNetwork mh = TaskHeads.attach(net, sc);
        assertArrayEquals(new int[]{0, 0, 1, 1, 2, 2}, TaskHeads.headOf(sc, 6));
        assertEquals(net.params(), mh.params());
        assertTrue(net.params() != mh.params());
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(mh.getLayerWiseConfigurations().toJson());
        assertEquals(mh.getLayerWiseConfigurations(), back);
        // logits of the multi-head net, softmax-ed over a head, equal the head's probabilities
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 6);
        INDArray logits = mh.output(x);
        INDArray probs = Transforms.softmax(logits.getColumns(2, 3), true);
        assertEquals(4, probs.rows());
        assertEquals(1.0, probs.getRow(0).sumNumber().doubleValue(), 1e-5);
        // user's network is untouched: still softmax over all outputs
        assertEquals(1.0, net.output(x).getRow(0).sumNumber().doubleValue(), 1e-5);
        ComputationGraph g = TaskHeads.attach(Models.mlpGraph(6, 4, 6, 0.1, 1), sc);
        assertEquals(net.params(), g.params());
        assertThrows(IllegalArgumentException.class, () -> TaskHeads.headOf(sc, 4));
    }
}
