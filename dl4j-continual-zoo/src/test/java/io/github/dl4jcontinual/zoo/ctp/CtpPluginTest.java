package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.CumulativeRetrieval;
import io.github.dl4jcontinual.eval.RetrievalMatrix;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CtpPluginTest {

    /** An ordinary DL4J image classifier, the user's network: 784 → 32 ReLU → softmax 10. */
    static ComputationGraph imageNet() {
        return imageNet(32);
    }

    static ComputationGraph imageNet(int hidden) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(7)
                .updater(new Adam(1e-3)).graphBuilder().addInputs("img")
                .addLayer("hidden", new DenseLayer.Builder().nIn(784).nOut(hidden).activation(Activation.RELU)
                        .build(), "img")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    private static PairStream realStream(int train, int test, int domains) {
        PairStream s = TemplatedPairStream.load(SharedData.dir(), train, test);
        return new PairStream(s.names().subList(0, domains), java.util.stream.IntStream.range(0, domains)
                .mapToObj(s::train).collect(java.util.stream.Collectors.toList()),
                java.util.stream.IntStream.range(0, domains).mapToObj(s::test)
                        .collect(java.util.stream.Collectors.toList()));
    }

    private static ContinualConfiguration trainer(int epochs, CtpConfiguration ctp) {
        return new ContinualConfiguration.Builder().epochsPerExperience(epochs).batchSize(32).seed(1)
                .progress(false).plugin(ctp).build();
    }

    private static CtpConfiguration small() {
        return new CtpConfiguration.Builder().embedDim(16).adapterBottleneck(8).queueSize(64).build();
    }

    @Test
    void configurationRoundTripsThroughJson() {
        CtpConfiguration c = new CtpConfiguration.Builder().weights(1, 0.5, 0, 2, 1).queueSize(256).momentum(0.8)
                .learningRate(2e-3, 1e-4).weightDecay(0.01).embedDim(64).build();
        assertEquals(c, CtpConfiguration.fromJson(c.toJson()));
        ContinualConfiguration t = new ContinualConfiguration.Builder().plugins(c, new RegularizationConfiguration
                .Builder(RegularizationMethod.EWC).lambda(5000).build()).build();
        ContinualConfiguration back = ContinualConfiguration.fromJson(t.toJson());
        assertEquals(t, back);
        assertEquals(c, back.getPlugins().get(0));
        assertEquals("dual-encoder", new CtpConfiguration.Builder().plain().build().name());
    }

    @Test
    void badValuesAreRefusedNamingThem() {
        assertEquals("The cmc weight should be a finite number >= 0 (got: -1.0)", assertThrows(
                IllegalArgumentException.class, () -> new CtpConfiguration.Builder().weights(1, -1, 1, 1, 1))
                .getMessage());
        assertEquals("The final learning rate 0.01 should not exceed the initial 0.001", assertThrows(
                IllegalArgumentException.class, () -> new CtpConfiguration.Builder().learningRate(1e-3, 1e-2))
                .getMessage());
        assertEquals("momentum should be in [0, 1] (got: 1.5)", assertThrows(IllegalArgumentException.class,
                () -> new CtpConfiguration.Builder().momentum(1.5)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new CtpConfiguration.Builder()
                .weights(0, 0, 1, 1, 1).build()).getMessage().startsWith("At least one contrastive term"));
    }

    @Test
    void aNetworkThatCannotBeATowerIsRefused() {
        Scenario s = PairScenarios.of(CtpTestData.synthetic(), new CtpTestData.HashedText(6));
        MultiLayerNetwork mln = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new OutputLayer.Builder().nIn(16).nOut(2).activation(Activation.SOFTMAX).build()).build());
        mln.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(mln, trainer(1, small())).fit(s));
        assertTrue(e.getMessage().contains("needs the image network as a ComputationGraph")
                && e.getMessage().contains("toComputationGraph()"), e.getMessage());
        ComputationGraph two = new ComputationGraph(new NeuralNetConfiguration.Builder().graphBuilder()
                .addInputs("a", "b").addLayer("out", new OutputLayer.Builder().nIn(16).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "a", "b").setOutputs("out").build());
        two.init();
        e = assertThrows(IllegalArgumentException.class, () -> CtpPlugin.assemble(two, "out", small(), 6, 2));
        assertEquals("CTP needs an image network with one input; it has [a, b]", e.getMessage());
    }

    @Test
    void learnsRetrievalOnRealPairsWithTheUsersNetwork() {
        Scenario s = PairScenarios.of(realStream(300, 80, 2), new CtpTestData.HashedText(32));
        // the plain dual encoder (SeqF), as the learner's test did
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(imageNet(256), trainer(4,
                new CtpConfiguration.Builder().plain().build()));
        ContinualResult r = t.fit(s);
        RetrievalMatrix m = CtpResults.retrieval(r);
        assertEquals(2, m.rows());
        AccuracyMatrix rm = r.matrix("retrieval.rm");
        double before = rm.baseline(0);
        assertTrue(m.meanRecall(0, 0) > before + 0.1 && m.meanRecall(0, 0) > 0.3, "R_m digits after digits "
                + m.meanRecall(0, 0) + " (before " + before + ")");
        assertTrue(m.meanRecall(1, 1) > rm.baseline(1) + 0.1, "R_m clothing after clothing " + m.meanRecall(1, 1)
                + " (before " + rm.baseline(1) + ")");
        CumulativeRetrieval c = CtpResults.cumulative(r);
        assertEquals(m.meanRecall(0, 0), c.meanRecall(0, 0), 1e-6);
        ComputationGraph g = t.getModel();
        assertTrue(CtpPlugin.isAssembled(g));
        // the user's hidden layer is the image tower, trained in place
        assertEquals(784 * 256 + 256, g.getLayer("hidden").numParams());
        double scale = Math.exp(g.getLayer(CtpPlugin.SCALE).getParam("W").getDouble(0));
        assertTrue(scale >= 2 && scale <= 100, "scale " + scale);
    }

    @Test
    void resumeIsBitIdentical(@TempDir Path dir) throws Exception {
        Scenario s = PairScenarios.of(realStream(64, 30, 3), new CtpTestData.HashedText(16));
        ContinualConfiguration conf = trainer(1, small());
        ContinualTrainer<ComputationGraph> whole = ContinualTrainer.wrap(imageNet(), conf);
        ContinualResult expected = whole.fit(s);
        assertEquals(64.0, expected.experiences().get(0).metrics().get("ctp.queue_size"), "64 pairs enqueued");
        for (int k : new int[]{1, 2}) {
            Path d = Files.createDirectories(dir.resolve("k" + k));
            ContinualTrainer.wrap(imageNet(), conf).setCheckpointDirectory(d).fit(s, k);
            Path ckpt = CheckpointFile.latestIn(d).orElseThrow();
            Nd4j.getRandom().setSeed(999 + k);
            ContinualResult resumed = ContinualTrainer.resume(ckpt, conf, ComputationGraph.class).fit(s);
            assertEquals(expected.matrixNames(), resumed.matrixNames());
            for (String name : List.of("retrieval.rm", "retrieval.tr1", "retrieval.ir10", "cumulative.rm")) {
                AccuracyMatrix a = expected.matrix(name);
                AccuracyMatrix b = resumed.matrix(name);
                for (int i = 0; i < a.rows(); i++) {
                    for (int j = 0; j < a.columns(); j++) {
                        assertEquals(a.correct(i, j), b.correct(i, j), name + "[" + i + "][" + j + "], k=" + k);
                    }
                }
            }
        }
        ContinualTrainer.wrap(imageNet(), conf).setCheckpointDirectory(dir.resolve("p")).fit(s, 2);
        ContinualTrainer<ComputationGraph> again = ContinualTrainer.resume(
                CheckpointFile.latestIn(dir.resolve("p")).orElseThrow(), conf, ComputationGraph.class);
        again.fit(s);
        assertArrayEquals(whole.getModel().params().toFloatVector(), again.getModel().params().toFloatVector());
    }
}
