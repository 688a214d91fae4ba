package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.selection.RandomSelection;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Weight aligning and bias correction: the arithmetic, the held-out split, JSON and error messages. */
class WaBicTest {

    @Test
    void weightAligningRescalesNewColumnsToTheOldMeanNorm() {
        ContinualModel net = ContinualModel.of(CilModels.mlp(3, 4, 4, false, 1e-3, 1));
        INDArray w = net.headParam("W", "test");
        w.assign(0);
        // old columns 0, 1 with norms 1 and 3; new columns 2, 3 with norms 4 and 8
        w.putScalar(0, 0, 1);
        w.putScalar(1, 1, 3);
        w.putScalar(2, 2, 4);
        w.putScalar(3, 3, 8);
        INDArray b = net.headParam("b", "test").dup();
        double gamma = WeightAligning.align(net, new int[]{0, 1}, new int[]{2, 3});
        assertEquals(2.0 / 6.0, gamma, 1e-6);
        assertEquals(2.0, WeightAligning.meanNorm(w, new int[]{2, 3}), 1e-6);
        assertEquals(2.0, WeightAligning.meanNorm(w, new int[]{0, 1}), 1e-6);
        assertEquals(b, net.headParam("b", "test"), "biases are not aligned");
        assertEquals(new WeightAligning(), ContinualJson.fromJson(new WeightAligning().toJson(),
                PluginConfiguration.class));
    }

    @Test
    void weightAligningNamesTheLayerWithoutWeights() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.IDENTITY).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightAligning.align(ContinualModel.of(net), new int[]{0}, new int[]{1}));
        assertTrue(e.getMessage().contains("'W'") && e.getMessage().contains("layer 1")
                && e.getMessage().contains("LossLayer"), e.getMessage());
    }

    @Test
    void biasCorrectionFitsAnInflatedNewClassAndFoldsExactly() {
        // class 0 old, class 1 new; the new logit is inflated by +3 on every example
        Random r = new Random(1);
        int n = 200;
        double[][] z = new double[n][2];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2;
            z[i][0] = (y[i] == 0 ? 2 : 0) + r.nextGaussian();
            z[i][1] = (y[i] == 1 ? 2 : 0) + r.nextGaussian() + 3;
        }
        double[] ab = BiasCorrection.fit(z, y, new boolean[]{false, true}, 2000, 0.05);
        assertTrue(ab[1] < -1.5, "beta should undo most of the +3 (got alpha " + ab[0] + ", beta " + ab[1] + ")");
        int before = 0;
        int after = 0;
        for (int i = 0; i < n; i++) {
            before += (z[i][1] > z[i][0] ? 1 : 0) == y[i] ? 1 : 0;
            after += (ab[0] * z[i][1] + ab[1] > z[i][0] ? 1 : 0) == y[i] ? 1 : 0;
        }
        assertTrue(after > before + 40, "accuracy before " + before + ", after " + after);

        ContinualModel net = ContinualModel.of(CilModels.mlp(3, 4, 3, false, 1e-3, 2));
        MultiDataSet x = new org.nd4j.linalg.dataset.MultiDataSet(Nd4j.rand(DataType.FLOAT, 5, 3),
                Nd4j.zeros(DataType.FLOAT, 5, 3));
        INDArray z0 = BiasCorrection.logits(net, x);
        BiasCorrection.fold(net, new int[]{2}, 0.5, -1.25);
        INDArray z1 = BiasCorrection.logits(net, x);
        for (int i = 0; i < 5; i++) {
            assertEquals(z0.getDouble(i, 0), z1.getDouble(i, 0), 1e-5);
            assertEquals(0.5 * z0.getDouble(i, 2) - 1.25, z1.getDouble(i, 2), 1e-5);
        }
    }

    /** 120 examples of 4 noisy classes in 3 dimensions (class 3 shifted), two experiences, train = test. */
    private static Scenario fourClasses(long seed) {
        Random r = new Random(seed);
        double[][] x = new double[120][3];
        int[] y = new int[120];
        for (int i = 0; i < 120; i++) {
            y[i] = i % 4;
            for (int d = 0; d < 3; d++) {
                x[i][d] = (d == y[i] % 3 ? 1 : 0) + (y[i] == 3 ? 0.5 : 0) + 0.2 * r.nextGaussian();
            }
        }
        DataSet ds = new DataSet(Nd4j.createFromArray(x).castTo(DataType.FLOAT), DataSets.oneHot(y, 4));
        return new ClassIncrementalScenario.Builder().train(ds).test(ds).numExperiences(2).build();
    }

    @Test
    void biasCorrectionHoldsOutValidationExamplesAndRoundTrips() {
        BiasCorrection c = new BiasCorrection.Builder().validationPerClass(3).iterations(100).learningRate(0.02)
                .build();
        assertEquals(c, BiasCorrection.fromJson(c.toJson()));
        Scenario s = fourClasses(2);
        ContinualResult res = ContinualTrainer.wrap(CilModels.mlp(3, 8, 4, false, 1e-2, 3),
                new ContinualConfiguration.Builder().batchSize(10).epochsPerExperience(1).seed(1).progress(false)
                        .plugin(c).build()).fit(s);
        // 60 examples per experience, 2 classes x 3 held out
        assertEquals(54, res.experiences().get(0).examplesSeen());
        assertEquals(54, res.experiences().get(1).examplesSeen());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(CilModels.mlp(3, 8, 4, false, 1e-2, 3),
                        new ContinualConfiguration.Builder().progress(false)
                                .plugin(new BiasCorrection.Builder().validationPerClass(30).build()).build()).fit(s));
        assertTrue(e.getMessage().contains("30") && e.getMessage().contains("validationPerClass"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new BiasCorrection.Builder().validationPerClass(0));
    }

    @Test
    void biasCorrectionsHeldOutExamplesStayOutOfTheExemplarUnion() {
        // BiC first, then PyCIL's replay (experience ∪ exemplars): the union is built from BiC's training part
        Scenario s = fourClasses(3);
        BufferConfiguration memory = new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED)
                .perClass(5).selection(new RandomSelection()).build();
        ContinualResult res = ContinualTrainer.wrap(CilModels.mlp(3, 8, 4, false, 1e-2, 3),
                new ContinualConfiguration.Builder().batchSize(10).epochsPerExperience(1).seed(1).progress(false)
                        .plugin(new BiasCorrection.Builder().validationPerClass(3).build())
                        .plugin(new IcarlConfiguration.Builder().buffer(memory).distillation(false)
                                .nearestMean(false).build()).build()).fit(s);
        // experience 0: 60 − 2 × 3 held out; experience 1: the same 54 plus 2 classes × 5 exemplars (not 60 + 10)
        assertEquals(54, res.experiences().get(0).examplesSeen());
        assertEquals(64, res.experiences().get(1).examplesSeen());
    }
}
