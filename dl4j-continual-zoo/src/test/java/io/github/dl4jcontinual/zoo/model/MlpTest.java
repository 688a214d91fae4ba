package io.github.dl4jcontinual.zoo.model;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MlpTest {

    @Test
    void derMlpHasThePaperShapeAndZeroBiases() {
        MultiLayerNetwork net = new Mlp.Builder(784, 10).hidden(100, 100).updater(new Sgd(0.03)).seed(1).build();
        assertEquals(784L * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10, net.numParams());
        assertEquals(0.0, net.getLayer(0).getParam("b").sumNumber().doubleValue(), 0.0);
        double limit = Math.sqrt(6.0 / (784 + 100));
        assertTrue(net.getLayer(0).getParam("W").amaxNumber().doubleValue() <= limit + 1e-6,
                "Xavier-uniform weights are bounded by sqrt(6/(fanIn+fanOut))");
    }

    @Test
    void graphFormComputesTheSameFunction() {
        Mlp.Builder b = new Mlp.Builder(20, 4).hidden(8, 8).seed(3);
        MultiLayerNetwork net = b.build();
        ComputationGraph g = b.buildGraph();
        g.setParams(net.params());
        INDArray x = Nd4j.rand(5, 20);
        assertTrue(net.output(x).equalsWithEps(g.outputSingle(x), 1e-6));
    }

    @Test
    void roundTripsThroughModelSerializer(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = new Mlp.Builder(12, 3).hidden(6).seed(9).build();
        File f = new File(dir, "mlp.zip");
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork back = ModelSerializer.restoreMultiLayerNetwork(f, true);
        INDArray x = Nd4j.rand(4, 12);
        assertEquals(net.getLayerWiseConfigurations().toJson(), back.getLayerWiseConfigurations().toJson());
        assertTrue(net.output(x).equalsWithEps(back.output(x), 1e-7));
    }

    @Test
    void rejectsNonPositiveSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Mlp.Builder(0, 10));
        assertTrue(e.getMessage().contains("got: 0, 10"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Mlp.Builder(4, 2).hidden(3, -1));
    }
}
