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
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.replay.selection.KMeansSelection;
import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
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
import static org.junit.jupiter.api.Assertions.assertNotEquals;
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
        CtpConfiguration lucir = new CtpConfiguration.Builder().plain().lwf(0.5).featureDistillation(2)
                .cosineProjections(true).build();
        CtpConfiguration lucirBack = CtpConfiguration.fromJson(lucir.toJson());
        assertEquals(lucir, lucirBack);
        assertEquals(0.5, lucirBack.getLwf());
        assertEquals(2.0, lucirBack.getFeatureDistillation());
        assertTrue(lucirBack.isCosineProjections());
        assertTrue(lucirBack.usesReference() && !lucirBack.usesTopology());
        assertEquals("dual-encoder", lucirBack.name());
        assertNotEquals(lucir, new CtpConfiguration.Builder().plain().lwf(0.5).featureDistillation(2).build());
        CtpConfiguration plain = CtpConfiguration.fromJson(new CtpConfiguration.Builder().plain().build().toJson());
        assertEquals(0.0, plain.getLwf());
        assertTrue(!plain.usesReference() && !plain.isCosineProjections());
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
        assertEquals("lwf should be >= 0 and finite (got: -0.5)", assertThrows(IllegalArgumentException.class,
                () -> new CtpConfiguration.Builder().lwf(-0.5)).getMessage());
        assertEquals("featureDistillation should be >= 0 and finite (got: NaN)", assertThrows(
                IllegalArgumentException.class, () -> new CtpConfiguration.Builder().featureDistillation(Double.NaN))
                .getMessage());
        assertEquals("featureDistillation should be >= 0 and finite (got: Infinity)", assertThrows(
                IllegalArgumentException.class, () -> new CtpConfiguration.Builder()
                        .featureDistillation(Double.POSITIVE_INFINITY)).getMessage());
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
        ContinualResult expected = assertResumeIsBitIdentical(dir, trainer(1, small()));
        assertEquals(64.0, expected.experiences().get(0).metrics().get("ctp.queue_size"), "64 pairs enqueued");
    }

    /** iCaRL's form on the plugin (LwF + a herding memory replayed like ER) and LUCIR's (cosine + 1 − cos). */
    @Test
    void resumeIsBitIdenticalWithLwfAndAHerdingMemory(@TempDir Path dir) throws Exception {
        assertResumeIsBitIdentical(dir.resolve("icarl"), memory(new CtpConfiguration.Builder().embedDim(16)
                .adapterBottleneck(8).plain().lwf(1).build(), new HerdingSelection(CtpPlugin.IMG_PROJ, true)));
        assertResumeIsBitIdentical(dir.resolve("lucir"), memory(new CtpConfiguration.Builder().embedDim(16)
                .adapterBottleneck(8).plain().cosineProjections(true).featureDistillation(1).build(),
                new KMeansSelection(CtpPlugin.IMG_PROJ, 5, true)));
    }

    private static ContinualConfiguration memory(CtpConfiguration ctp, SelectionPolicy selection) {
        return new ContinualConfiguration.Builder().epochsPerExperience(1).batchSize(32).seed(1).progress(false)
                .plugins(ctp, new ExperienceReplay.Builder().buffer(new BufferConfiguration.Builder()
                        .type(BufferConfiguration.Type.EXPERIENCE_BALANCED).capacity(20).selection(selection).build())
                        .replayBatch(4).build()).build();
    }

    private static ContinualResult assertResumeIsBitIdentical(Path dir, ContinualConfiguration conf)
            throws Exception {
        Scenario s = PairScenarios.of(realStream(64, 30, 3), new CtpTestData.HashedText(16));
        ContinualTrainer<ComputationGraph> whole = ContinualTrainer.wrap(imageNet(), conf);
        ContinualResult expected = whole.fit(s);
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
        return expected;
    }

    @Test
    void lucirHasCosineProjectionsAndPacksTheTowerFeatures() {
        Scenario s = PairScenarios.of(realStream(64, 30, 2), new CtpTestData.HashedText(16));
        CtpConfiguration c = new CtpConfiguration.Builder().embedDim(16).adapterBottleneck(8).plain()
                .cosineProjections(true).featureDistillation(1).build();
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(imageNet(), trainer(2, c));
        t.fit(s);
        ComputationGraph g = t.getModel();
        for (String l : List.of(CtpPlugin.IMG_PROJ, CtpPlugin.TXT_PROJ)) {
            assertEquals(1, g.getLayer(l).paramTable().size(), l + " has no bias");
            INDArray norms = g.getLayer(l).getParam("W").norm2(0);
            for (int j = 0; j < norms.length(); j++) {
                assertEquals(1.0, norms.getDouble(j), 1e-4, l + " unit " + j + " after training");
            }
        }
        assertEquals(List.of(CtpPlugin.IMG_NORM), g.getConfiguration().getVertexInputs().get(CtpPlugin.IMG_PROJ));
        assertEquals(List.of(CtpPlugin.IMG_PROJ, CtpPlugin.TXT_PROJ, CtpPlugin.SCALE, CtpPlugin.CAPTION_INPUT,
                "hidden", CtpPlugin.TXT_HIDDEN), g.getConfiguration().getVertexInputs().get(CtpPlugin.MERGE));
        // the packed output: 2·16 + 2 + the 32 image features + the 16 text features
        assertEquals(2 * 16 + 2 + 32 + 16, ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) g.getLayer("out")
                .conf().getLayer()).getNIn());
    }

    /** LwF and feature distillation act from the second experience on (they need the reference), not before. */
    @Test
    void lwfAndFeatureDistillationChangeTrainingOnlyAfterTheFirstDomain() {
        Scenario s = PairScenarios.of(realStream(64, 30, 2), new CtpTestData.HashedText(16));
        java.util.function.Function<CtpConfiguration.Builder, ContinualTrainer<ComputationGraph>> run = b -> {
            ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(imageNet(), trainer(1,
                    b.embedDim(16).adapterBottleneck(8).plain().build()));
            ContinualResult r = t.fit(s);
            assertEquals(2, CtpResults.retrieval(r).rows());
            return t;
        };
        ContinualTrainer<ComputationGraph> plain = run.apply(new CtpConfiguration.Builder());
        ContinualTrainer<ComputationGraph> lwf = run.apply(new CtpConfiguration.Builder().lwf(1));
        ContinualTrainer<ComputationGraph> fd = run.apply(new CtpConfiguration.Builder().featureDistillation(1));
        float[] p = plain.getModel().params().toFloatVector();
        assertTrue(!java.util.Arrays.equals(p, lwf.getModel().params().toFloatVector()), "LwF changes domain 1");
        assertTrue(!java.util.Arrays.equals(p, fd.getModel().params().toFloatVector()), "FD changes domain 1");
        // and only there: stopped after domain 0 the three are the same network, bit for bit
        java.util.function.Function<CtpConfiguration.Builder, float[]> first = b -> {
            ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(imageNet(), trainer(1,
                    b.embedDim(16).adapterBottleneck(8).plain().build()));
            t.fit(s, 1);
            return t.getModel().params().toFloatVector();
        };
        float[] p0 = first.apply(new CtpConfiguration.Builder());
        assertArrayEquals(p0, first.apply(new CtpConfiguration.Builder().lwf(1)));
        assertArrayEquals(p0, first.apply(new CtpConfiguration.Builder().featureDistillation(1)));
    }

    /** Joint = core's JointTraining: untrained until the last domain, then one cosine over the union's steps. */
    @Test
    void jointTrainsOnceOnTheUnionWithTheCosineOverAllItsSteps() {
        Scenario s = PairScenarios.of(realStream(64, 30, 2), new CtpTestData.HashedText(16));
        ContinualConfiguration conf = new ContinualConfiguration.Builder().epochsPerExperience(1).batchSize(32)
                .seed(1).progress(false).plugins(new io.github.dl4jcontinual.plugin.impl.JointTraining(),
                        new CtpConfiguration.Builder().embedDim(16).adapterBottleneck(8).plain().build()).build();
        ContinualResult r = ContinualTrainer.wrap(imageNet(), conf).fit(s);
        assertEquals(0, r.experiences().get(0).iterations(), "nothing trained before the last domain");
        assertEquals(4, r.experiences().get(1).iterations(), "128 pairs of both domains in minibatches of 32");
        assertEquals(4.0, r.experiences().get(1).metrics().get("ctp.schedule_steps"));
        assertEquals(2, CtpResults.retrieval(r).rows(), "one row per domain, evaluated on both domains");
        ContinualResult seq = ContinualTrainer.wrap(imageNet(), trainer(1, new CtpConfiguration.Builder().embedDim(16)
                .adapterBottleneck(8).plain().build())).fit(s);
        assertEquals(2.0, seq.experiences().get(1).metrics().get("ctp.schedule_steps"), "without it: the domain's");
    }

    /** The memory methods' selection reads the pairs (3 inputs) through core's buffer on the image projection. */
    @Test
    void herdingMemorySelectsPairsOnTheImageProjection() {
        Scenario s = PairScenarios.of(realStream(64, 30, 2), new CtpTestData.HashedText(16));
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(imageNet(), trainer(1, small()));
        t.fit(s);
        io.github.dl4jcontinual.replay.ReplayBuffer b = new BufferConfiguration.Builder()
                .type(BufferConfiguration.Type.EXPERIENCE_BALANCED).capacity(20)
                .selection(new HerdingSelection(CtpPlugin.IMG_PROJ, true)).build().build(false);
        io.github.dl4jcontinual.model.ContinualModel m = io.github.dl4jcontinual.model.ContinualModel.of(t.getModel());
        b.consolidate(s.trainStream().get(0), m, new java.util.Random(1));
        b.consolidate(s.trainStream().get(1), m, new java.util.Random(1));
        assertEquals(java.util.Map.of(0, 10, 1, 10), b.countsPerExperience());
        org.nd4j.linalg.dataset.api.MultiDataSet all = b.contents(2).toMultiDataSet();
        assertEquals(3, all.getFeatures().length);
        assertEquals(20, all.getFeatures(0).size(0));
    }
}
