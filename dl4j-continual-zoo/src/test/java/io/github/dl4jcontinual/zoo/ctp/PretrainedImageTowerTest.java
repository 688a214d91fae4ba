package io.github.dl4jcontinual.zoo.ctp;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PretrainedImageTowerTest {

    private static MultiLayerNetwork net(int in, int hidden, Activation act, boolean init) {
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(7).updater(new Adam(1e-2))
                .list()
                .layer(new DenseLayer.Builder().nIn(in).nOut(hidden).activation(act).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(3)
                        .activation(Activation.SOFTMAX).build())
                .build());
        if (init) {
            n.init();
        }
        return n;
    }

    /** A network trained a few steps (so that W and b are not the initialisation). */
    private static MultiLayerNetwork trained(int in, int hidden) {
        MultiLayerNetwork n = net(in, hidden, Activation.RELU, true);
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.rand(DataType.FLOAT, 30, in);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 30, 3);
        for (int i = 0; i < 30; i++) {
            y.putScalar(i, i % 3, 1);
        }
        for (int k = 0; k < 5; k++) {
            n.fit(new DataSet(x, y));
        }
        return n;
    }

    @Test
    void towerHiddenActivationsEqualTheNetworksFeedForward() {
        MultiLayerNetwork n = trained(16, 12);
        CtpLearnerConfiguration conf = new CtpLearnerConfiguration().method(VlMethod.CTP).epochs(1).batchSize(8).queueSize(20)
                .seed(5).pretrainedImageTower(n);
        CtpLearner l = new CtpLearner(conf, new CtpLearnerTest.HashedText(6), 16);
        assertEquals(12, conf.pretrainedImageTower().hidden());
        Nd4j.getRandom().setSeed(3);
        INDArray x = Nd4j.rand(DataType.FLOAT, 9, 16);
        List<String> caps = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            caps.add("c" + i);
        }
        INDArray tower = l.model().features(x, new CtpLearnerTest.HashedText(6).features(caps)).get("img_hidden");
        INDArray dl4j = n.feedForward(x, false).get(1);
        assertArrayEquals(new long[]{9, 12}, tower.shape());
        assertTrue(dl4j.sumNumber().doubleValue() > 0, "the ReLU layer is not all zero");
        assertEquals(0, tower.sub(dl4j).amaxNumber().doubleValue(), 1e-6);
        // the copy is exact and detached: changing the network afterwards changes nothing in the tower
        assertEquals(n.getLayer(0).getParam("W"), l.model().parameters().get("img_fc_w"));
        n.getLayer(0).getParam("W").addi(1);
        assertEquals(0, l.model().features(x, new CtpLearnerTest.HashedText(6).features(caps)).get("img_hidden")
                .sub(dl4j).amaxNumber().doubleValue(), 1e-6);
        // the rest of the model is the random start of the same seed
        CtpLearner scratch = new CtpLearner(new CtpLearnerConfiguration().method(VlMethod.CTP).widths(12, 128, 64).seed(5),
                new CtpLearnerTest.HashedText(6), 16);
        assertEquals(scratch.model().parameters().get("img_proj_w"), l.model().parameters().get("img_proj_w"));
    }

    @Test
    void rejectsNetworksThatDoNotFitWithTheReason() {
        MultiLayerNetwork outputFirst = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(3)
                        .activation(Activation.SOFTMAX).build()).build());
        outputFirst.init();
        String m = assertThrows(IllegalArgumentException.class, () -> PretrainedImageTower.of(outputFirst)).getMessage();
        assertTrue(m.contains("layer 0 is a OutputLayer; expected a DenseLayer"), m);

        MultiLayerNetwork tanh = net(16, 8, Activation.TANH, true);
        m = assertThrows(IllegalArgumentException.class, () -> new CtpLearnerConfiguration().pretrainedImageTower(tanh))
                .getMessage();
        assertTrue(m.contains("layer 0 (DenseLayer [nIn 16, nOut 8]) has activation") && m.contains("expected ReLU"), m);

        m = assertThrows(IllegalArgumentException.class,
                () -> PretrainedImageTower.of(net(16, 8, Activation.RELU, false))).getMessage();
        assertTrue(m.contains("no initialised layers (call init()"), m);

        CtpLearnerConfiguration wrongWidth = new CtpLearnerConfiguration().pretrainedImageTower(net(10, 8, Activation.RELU, true));
        m = assertThrows(IllegalArgumentException.class,
                () -> new CtpLearner(wrongWidth, new CtpLearnerTest.HashedText(6), 16)).getMessage();
        assertTrue(m.contains("layer 0 (DenseLayer [nIn 10, nOut 8]) reads 10 inputs; expected the images' width 16"), m);

        CtpLearnerConfiguration resized = new CtpLearnerConfiguration().pretrainedImageTower(net(16, 8, Activation.RELU, true))
                .widths(32, 128, 64);
        m = assertThrows(IllegalArgumentException.class,
                () -> new CtpLearner(resized, new CtpLearnerTest.HashedText(6), 16)).getMessage();
        assertTrue(m.contains("has 8 units; expected the encoder's hidden width 32"), m);
    }

    @Test
    void pretrainedLearnerSurvivesACheckpointRoundTrip(@TempDir Path dir) {
        MultiLayerNetwork n = trained(16, 8);
        CtpLearnerConfiguration conf = new CtpLearnerConfiguration().method(VlMethod.CTP_ER).epochs(1).batchSize(8).queueSize(20)
                .memory(6).seed(5).pretrainedImageTower(n);
        PairStream s = CtpLearnerTest.synthetic();
        CtpLearner a = new CtpLearner(conf, new CtpLearnerTest.HashedText(6), 16);
        a.trainExperience(s, 0);
        a.trainExperience(s, 1);
        assertTrue(a.model().parameters().get("img_fc_w").sub(n.getLayer(0).getParam("W")).amaxNumber()
                .doubleValue() > 1e-6, "the tower is trained further");
        Path file = dir.resolve("ctp.ckpt");
        CtpCheckpoint.write(file, a);
        CtpLearner b = new CtpLearner(conf, new CtpLearnerTest.HashedText(6), 16);
        CtpCheckpoint.read(file, b);
        for (Map.Entry<String, INDArray> e : a.model().parameters().entrySet()) {
            assertEquals(e.getValue(), b.model().parameters().get(e.getKey()), e.getKey());
        }
        assertArrayEquals(a.evaluate(s.test(1)), b.evaluate(s.test(1)), 0.0);
    }
}
