package io.github.dl4jcontinual.zoo.alta;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ALTA as a plugin on a user-built CNN, on real MNIST with the digit names (small scale): JSON round trip, the
 * refusals, what the plugin changes in the network (frozen backbone, w1 fixed, w2 snapshots), learning, and a
 * bit-identical resume.
 */
class AltaPluginTest {
    static final List<String> DIGITS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine");
    private static Scenario scenario;

    @BeforeAll
    static void load() {
        scenario = new ClassIncrementalScenario.Builder().train(SharedData.head(SharedData.mnistTrain(), 1000))
                .test(SharedData.head(SharedData.mnistTest(), 400)).numExperiences(5).name("split-mnist-small")
                .build();
    }

    static MultiLayerNetwork cnn() {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(8).stride(2, 2).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
    }

    static ContinualConfiguration conf(AltaConfiguration alta) {
        return new ContinualConfiguration.Builder().epochsPerExperience(1).batchSize(16).seed(7).progress(false)
                .headPolicy(HeadPolicy.FIXED).maskUnseenClasses(false).plugin(alta).build();
    }

    static AltaConfiguration.Builder alta() {
        return new AltaConfiguration.Builder().classNames(DIGITS).bufferSize(60).replayBatchSize(16);
    }

    @Test
    void jsonRoundTripThroughTheTrainerConfiguration() {
        AltaConfiguration a = alta().head(AltaHead.CPROMPT).updater(new Adam(3e-3)).weightDecay(1e-4)
                .schedule("as-released").trainBackbone(true).projection(false).alpha(0.2).beta(0.7).scale(20)
                .contextInit("a digit").adapterReduction(8).build();
        ContinualConfiguration c = conf(a);
        String json = c.toJson();
        assertTrue(json.contains("\"@class\" : \"io.github.dl4jcontinual.zoo.alta.AltaConfiguration\""), json);
        ContinualConfiguration back = ContinualConfiguration.fromJson(json);
        assertEquals(c, back);
        assertEquals(a, back.getPlugins().get(0));
        assertNotEquals(a, a.toBuilder().head(AltaHead.ALTA).build());
        assertEquals("alta-cprompt", a.name());
        // the JSON paths an Arbiter PluginSpace searches
        for (String path : List.of("\"alpha\"", "\"beta\"", "\"bufferSize\"", "\"learningRate\"")) {
            assertTrue(json.contains(path), path + " in " + json);
        }
    }

    @Test
    void theCosineRestartsEveryTask() {
        CosinePerTaskSchedule s = new CosinePerTaskSchedule(0.002, 4, 3);
        assertEquals(0.002, s.valueAt(0, 3), 1e-15);
        assertEquals(0.001, s.valueAt(0, 5), 1e-15);
        assertEquals(0.002, s.valueAt(99, 7), 1e-15, "restarted for the next task");
        assertEquals(s, s.clone());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CosinePerTaskSchedule(0.1, 0, 0))
                .getMessage().contains("0.1, 0, 0"));
    }

    @Test
    void badValuesAndNetworksAreRefusedWithTheirValues() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> alta().alpha(-1)).getMessage().contains("-1"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> alta().updater(new NoOp())).getMessage()
                .contains("NoOp"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> alta().schedule("linear")).getMessage()
                .contains("linear"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> alta().classNames(List.of("a", " ")))
                .getMessage().contains("classNames[1]"));
        assertTrue(assertThrows(IllegalStateException.class, () -> new AltaConfiguration.Builder().build())
                .getMessage().contains("classNames"));
        // fewer names than outputs
        ContinualConfiguration four = conf(alta().classNames(DIGITS.subList(0, 4)).build());
        Exception e = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(cnn(), four).fit(scenario, 1));
        assertTrue(e.getMessage().contains("4 class names") && e.getMessage().contains("10 units"), e.getMessage());
        // no projection with 32-d features against the 384-d text
        ContinualConfiguration flat = conf(alta().projection(false).build());
        e = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(cnn(), flat).fit(scenario, 1));
        assertTrue(e.getMessage().contains("384") && e.getMessage().contains("32"), e.getMessage());
    }

    @Test
    void learnsOnRealDataWithAFrozenBackboneFixedHandTextAndSnapshots() {
        MultiLayerNetwork net = cnn();
        INDArray backbone = net.getLayer(2).params().dup();
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net, conf(alta().build()));
        io.github.dl4jcontinual.scenario.ExperienceStream train = scenario.trainStream();
        t.learn(train.get(0));
        MultiLayerNetwork after0 = t.getModel();
        assertInstanceOf(AltaHeadLayer.class, after0.getOutputLayer().conf().getLayer());
        INDArray t1 = after0.getOutputLayer().getParam(AltaHeadLayer.HAND_TEXT).dup();
        INDArray t2 = after0.getOutputLayer().getParam(AltaHeadLayer.LEARNED_TEXT).dup();
        assertTrue(t1.norm2Number().doubleValue() > 0 && t2.norm2Number().doubleValue() > 0);
        INDArray head0 = after0.getOutputLayer().getParam(AltaHeadLayer.W1).dup();
        t.learn(train.get(1));
        MultiLayerNetwork after1 = t.getModel();
        assertArrayEquals(backbone.toFloatVector(), after1.getLayer(2).params().toFloatVector(), "backbone frozen");
        assertArrayEquals(t1.dup().data().asFloat(), after1.getOutputLayer().getParam(AltaHeadLayer.HAND_TEXT)
                .dup().data().asFloat(), "w1 is constant");
        INDArray t2now = after1.getOutputLayer().getParam(AltaHeadLayer.LEARNED_TEXT);
        for (int c = 0; c < 2; c++) {
            assertArrayEquals(t2.getColumn(c).dup().data().asFloat(), t2now.getColumn(c).dup().data().asFloat(),
                    "class " + c + "'s prompt is snapshotted after experience 0");
        }
        assertTrue(t2now.getColumn(2).sub(t2.getColumn(2)).amaxNumber().doubleValue() > 1e-6,
                "the live context keeps learning");
        assertTrue(after1.getOutputLayer().getParam(AltaHeadLayer.W1).sub(head0).amaxNumber().doubleValue() > 1e-6);
        ContinualResult r = t.evaluate(tests());
        AccuracyMatrix ti = r.taskIncremental();
        assertTrue(ti.get(ti.rows() - 1, 0) > 0.8 && ti.get(ti.rows() - 1, 1) > 0.55,
                "task-IL of the two experiences learned: " + ti);
        assertTrue(r.experiences().get(0).metrics().get("alta.steps") >= 10, r.experiences().get(0).metrics().toString());
        assertEquals(4.0, r.experiences().get(1).metrics().get("alta.frozen_classes"));
    }

    @Test
    void graphsWorkTooAndTheHeadsTrainTheirOwnParts() {
        ComputationGraphConfiguration c = new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-3))
                .graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(784))
                .addLayer("hidden", new DenseLayer.Builder().nOut(32).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(g, conf(alta().head(AltaHead.MLP).build()));
        t.learn(scenario.trainStream().get(0));
        ComputationGraph now = t.getModel();
        AltaHeadLayer head = (AltaHeadLayer) now.getLayer("out").conf().getLayer();
        assertEquals(AltaHead.MLP, head.getHead());
        assertFalse(now.getLayer("out").paramTable().containsKey(AltaHeadLayer.LEARNED_TEXT));
        ContinualResult r = t.evaluate(tests());
        assertTrue(r.taskIncremental().get(0, 0) > 0.8, r.taskIncremental().toString());
    }

    @Test
    void resumeIsBitIdentical(@TempDir Path dir) throws Exception {
        // two epochs per experience, so that the per-task cosine moves the rate within an experience
        ContinualConfiguration conf = conf(alta().build()).toBuilder().epochsPerExperience(2).build();
        ContinualTrainer<MultiLayerNetwork> whole = ContinualTrainer.wrap(cnn(), conf);
        ContinualResult expected = whole.fit(scenario, 3);
        Path d = Files.createDirectories(dir.resolve("k1"));
        ContinualTrainer.wrap(cnn(), conf).setCheckpointDirectory(d).fit(scenario, 1);
        Path ckpt = CheckpointFile.latestIn(d).orElseThrow();
        Nd4j.getRandom().setSeed(999);
        ContinualTrainer<MultiLayerNetwork> second = ContinualTrainer.resume(ckpt, conf, MultiLayerNetwork.class);
        ContinualResult resumed = second.fit(scenario, 3);
        assertSame(expected.classIncremental(), resumed.classIncremental(), "class-IL");
        assertSame(expected.taskIncremental(), resumed.taskIncremental(), "task-IL");
        assertArrayEquals(whole.getModel().params().toFloatVector(), second.getModel().params().toFloatVector(),
                "final parameters");
    }

    private static List<Experience> tests() {
        List<Experience> l = new java.util.ArrayList<>();
        scenario.testStream().forEach(l::add);
        return l;
    }

    private static void assertSame(AccuracyMatrix a, AccuracyMatrix b, String what) {
        io.github.dl4jcontinual.testutil.Matrices.assertBitIdentical(a, b, what);
    }
}
