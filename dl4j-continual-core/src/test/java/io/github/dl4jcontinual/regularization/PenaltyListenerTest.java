package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.testutil.Models;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mechanics of the quadratic penalty on small synthetic networks. */
class PenaltyListenerTest {

    private static DataSet data(int n, int nIn, int nOut, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(n, nIn);
        INDArray y = Nd4j.zeros(n, nOut);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % nOut, 1);
        }
        return new DataSet(x, y);
    }

    private static ImportanceState randomState(MultiLayerNetwork net, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray mask = ContinualModel.of(net).trainableMask();
        INDArray imp = Nd4j.rand(net.params().dataType(), 1, net.numParams()).muli(mask);
        INDArray anchor = net.params().dup().reshape(1, net.numParams())
                .addi(Nd4j.randn(net.params().dataType(), 1, net.numParams()).muli(0.1));
        return new ImportanceState("test", imp, anchor, mask, 1);
    }

    @Test
    void addedGradientMatchesAFiniteDifferenceOfThePenalty() {
        MultiLayerNetwork net = Models.mlp(6, 5, 3, 0.1, 3);
        ImportanceState state = randomState(net, 5);
        double lambda = 0.7;
        DataSet ds = data(8, 6, 3, 1);
        net.setInput(ds.getFeatures());
        net.setLabels(ds.getLabels());
        net.computeGradientAndScore();
        INDArray before = net.getGradientsViewArray().dup();
        PenaltyListener l = new PenaltyListener(state, lambda);
        l.onGradientCalculation(net);
        INDArray added = net.getGradientsViewArray().sub(before).divi(8); // DL4J divides by the batch size later
        INDArray p = net.params().dup().reshape(1, net.numParams());
        double eps = 1e-2;
        for (long i = 0; i < net.numParams(); i += 7) {
            INDArray plus = p.dup();
            plus.putScalar(0, i, p.getDouble(0, i) + eps);
            INDArray minus = p.dup();
            minus.putScalar(0, i, p.getDouble(0, i) - eps);
            double fd = (state.penalty(plus, lambda) - state.penalty(minus, lambda)) / (2 * eps);
            assertEquals(fd, added.getDouble(i), 1e-3 + 1e-2 * Math.abs(fd), "parameter " + i);
        }
        assertEquals(state.penalty(p, lambda), l.lastPenalty(), 1e-4 * Math.max(1, l.lastPenalty()));
        assertTrue(l.lastPenalty() > 0);
    }

    @Test
    void largePenaltyHoldsParametersAtTheAnchorDuringFit() {
        MultiLayerNetwork free = Models.mlp(6, 5, 3, 0.05, 3);
        MultiLayerNetwork held = Models.mlp(6, 5, 3, 0.05, 3);
        INDArray anchor = held.params().dup().reshape(1, held.numParams());
        INDArray mask = ContinualModel.of(held).trainableMask();
        ImportanceState s = new ImportanceState("test", mask.dup(), anchor, mask, 1);
        held.setListeners(new PenaltyListener(s, 5.0));
        DataSet ds = data(32, 6, 3, 2);
        for (int i = 0; i < 30; i++) {
            free.fit(ds);
            held.fit(ds);
        }
        double movedFree = free.params().reshape(1, -1).distance2(anchor);
        double movedHeld = held.params().reshape(1, -1).distance2(anchor);
        assertTrue(movedHeld < 0.3 * movedFree, "held moved " + movedHeld + ", free moved " + movedFree);
    }

    @Test
    void frozenLayersAndBatchNormStatisticsAreExcluded() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().nOut(5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(2)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        MultiLayerNetwork frozen = new TransferLearning.Builder(net).setFeatureExtractor(0).build();
        INDArray mask = ContinualModel.of(frozen).trainableMask();
        // layer 0: 4*5+5 = 25 frozen; BN: gamma 5, beta 5 trainable, mean 5, var 5 not; output 5*2+2 = 12
        assertEquals(25 + 10 + 10 + 12, mask.length());
        assertEquals(10 + 12, mask.sumNumber().intValue());
        for (int i = 0; i < 25; i++) {
            assertEquals(0, mask.getInt(0, i));
        }
        INDArray mean = frozen.getLayer(1).getParam("mean");
        long off = mean.offset() - frozen.params().offset();
        assertEquals(0, mask.getInt(0, (int) off));
        ImportanceState s = new ImportanceState("test", mask.dup().addi(1), frozen.params().dup().addi(1), mask, 1);
        DataSet ds = data(4, 4, 2, 3);
        frozen.setInput(ds.getFeatures());
        frozen.setLabels(ds.getLabels());
        frozen.computeGradientAndScore();
        INDArray before = frozen.getGradientsViewArray().dup();
        new PenaltyListener(s, 1.0).onGradientCalculation(frozen);
        INDArray added = frozen.getGradientsViewArray().sub(before).reshape(1, -1);
        assertEquals(0.0, added.mul(mask.rsub(1)).norm1Number().doubleValue(), 0.0);
        assertTrue(added.mul(mask).norm1Number().doubleValue() > 0);
    }

    @Test
    void stateIsSavedInsideTheModelZip(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = Models.mlp(6, 5, 3, 0.1, 3);
        ImportanceState s = randomState(net, 9);
        File zip = new File(dir, "model.zip");
        ModelSerializer.writeModel(net, zip, true);
        s.saveTo(zip);
        ImportanceState back = ImportanceState.loadFrom(zip);
        assertEquals("test", back.method());
        assertArrayEquals(s.importance().toFloatVector(), back.importance().toFloatVector(), 0f);
        assertArrayEquals(s.anchor().toFloatVector(), back.anchor().toFloatVector(), 0f);
        assertEquals(net.params(), ModelSerializer.restoreMultiLayerNetwork(zip).params());
    }

    @Test
    void badInputIsRejectedWithTheValue() {
        MultiLayerNetwork net = Models.mlp(6, 5, 3, 0.1, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PenaltyListener(randomState(net, 1), -1.0));
        assertEquals("lambda should be >= 0 (got: -1.0)", e.getMessage());
        MultiLayerNetwork other = Models.mlp(6, 4, 3, 0.1, 3);
        PenaltyListener l = new PenaltyListener(randomState(net, 1), 1.0);
        other.setInput(Nd4j.rand(2, 6));
        other.setLabels(Nd4j.create(new float[][]{{1, 0, 0}, {0, 1, 0}}));
        other.computeGradientAndScore();
        assertThrows(IllegalArgumentException.class, () -> l.onGradientCalculation(other));
    }
}
