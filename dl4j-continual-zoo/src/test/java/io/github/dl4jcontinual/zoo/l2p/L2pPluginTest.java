package io.github.dl4jcontinual.zoo.l2p;

import io.github.dl4jcontinual.zoo.SmallVit;
import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L2P as a plugin on ViTs built with DL4J's own builders (DL4J SelfAttentionLayer): the graph it builds, finite
 * differences of prompts, keys and head through the frozen attention layers, the top-N selection with and without
 * the frequency penalty, the refusal of a graph without attention, JSON, real MNIST at small scale and an exact
 * resume.
 */
class L2pPluginTest {
    private static L2pConfiguration.Builder small() {
        return new L2pConfiguration.Builder().poolSize(4).promptLength(2).topK(2).pullWeight(0.5)
                .updater(new Adam(0.01));
    }

    private static ComputationGraph prompted(ComputationGraph net, L2pConfiguration c) {
        return PromptPoolGraph.build(net, "out", c, new Random(3));
    }

    @Test
    void theGraphHasThePromptPoolAndTheBackboneIsFrozen() {
        ComputationGraph net = SmallVit.build(8, 8, 6, DataType.FLOAT, 2);
        ComputationGraph g = prompted(net, small().build());
        Map<String, org.deeplearning4j.nn.conf.graph.GraphVertex> vs = g.getConfiguration().getVertices();
        assertTrue(vs.containsKey(PromptPoolGraph.SELECT) && vs.containsKey(PromptPoolGraph.PROMPT)
                && vs.containsKey(PromptPoolGraph.PULL) && vs.containsKey("l2p_query_att1")
                && vs.containsKey("l2p_query_pool"), vs.keySet().toString());
        assertTrue(!vs.containsKey("pool"), "the old pooling should go");
        assertEquals(java.util.List.of(PromptPoolGraph.PROMPT), g.getConfiguration().getVertexInputs().get("att1"));
        assertEquals(java.util.List.of(PromptPoolGraph.PROMPT, "att1"),
                g.getConfiguration().getVertexInputs().get("res1"));
        assertArrayEquals(net.getLayer("att2").params().toFloatVector(), g.getLayer("att2").params().toFloatVector());
        assertArrayEquals(net.getLayer("att1").params().toFloatVector(),
                g.getLayer("l2p_query_att1").params().toFloatVector());
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 64);
        // the query branch is the user's network without prompts: its pooled feature
        INDArray pooled = net.feedForward(x, false).get("pool");
        assertArrayEquals(pooled.dup().data().asFloat(), g.feedForward(x, false).get("l2p_query_pool").dup().data().asFloat(),
                1e-6f);
        INDArray[] out = g.output(x);
        assertArrayEquals(new long[]{5, 6}, out[0].shape());
        assertArrayEquals(new long[]{5, 8, 8 + 4}, g.feedForward(x, false).get(PromptPoolGraph.PROMPT).shape());
        // JSON and ModelSerializer-friendly: the configuration round-trips
        ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(g.getConfiguration().toJson());
        assertEquals(g.getConfiguration(), back);
    }

    /**
     * Finite differences of every prompt, key and head element on a tiny double zoo ViT (FLAT tokens): the zoo
     * TransformerBlock halves DL4J M2.1's doubled SameDiffLayer gradient, so the gradient through it is exact (DL4J's
     * own SelfAttentionLayer does not, see docs/prompts-adapters.md §4).
     */
    @Test
    void promptsKeysAndHeadPassFiniteDifferences() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            ComputationGraph vit = new io.github.dl4jcontinual.zoo.transformer.Vit.Builder(3).image(8, 8, 1)
                    .patchSize(4).embedDim(8).depth(2).heads(2).mlpRatio(1.5).dataType(DataType.DOUBLE).seed(2)
                    .build();
            ComputationGraph g = prompted(vit, small().build());
            assertEquals(DataType.DOUBLE, g.params().dataType());
            INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 64);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 3, 3);
            y.putScalar(0, 0, 1);
            y.putScalar(1, 2, 1);
            y.putScalar(2, 1, 1);
            org.nd4j.linalg.dataset.MultiDataSet batch = new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{x},
                    new INDArray[]{y, Nd4j.zeros(DataType.DOUBLE, 3, 1)});
            g.setInputs(x);
            g.setLabels(y, Nd4j.zeros(DataType.DOUBLE, 3, 1));
            g.computeGradientAndScore();
            java.util.List<String> bad = new java.util.ArrayList<>();
            int checked = 0;
            // keys (the selection's frequencies, last in its parameters, are not trained), prompts, head W and b
            String[] vertices = {PromptPoolGraph.SELECT, PromptPoolGraph.PROMPT_TOKENS, "out"};
            long[] counts = {4 * 8, 4 * 2 * 8, 8 * 3 + 3};
            for (int k = 0; k < vertices.length; k++) {
                org.deeplearning4j.nn.graph.vertex.GraphVertex v = g.getVertex(vertices[k]);
                INDArray p = v.getLayer().params();
                INDArray a = v.getLayer().getGradientsViewArray().dup();
                for (long i = 0; i < counts[k]; i++) {
                    double o = p.getDouble(i);
                    p.putScalar(i, o + 1e-6);
                    double plus = g.score(batch);
                    p.putScalar(i, o - 1e-6);
                    double minus = g.score(batch);
                    p.putScalar(i, o);
                    double numeric = (plus - minus) / 2e-6;
                    double exact = a.getDouble(i) / 3; // DL4J's gradient is the minibatch sum
                    double abs = Math.abs(numeric - exact);
                    if (!(abs < 1e-7 || abs / (Math.abs(numeric) + Math.abs(exact)) < 1e-4)) {
                        bad.add(vertices[k] + "[" + i + "]: analytic " + exact + " vs numeric " + numeric);
                    }
                    checked++;
                }
            }
            assertTrue(bad.isEmpty(), String.join("\n", bad));
            assertEquals(4 * 8 + 4 * 2 * 8 + 8 * 3 + 3, checked);
            assertEquals(0.0, g.getLayer("block0").getGradientsViewArray().amaxNumber().doubleValue(),
                    "the frozen backbone got a gradient");
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    /** input q → PromptKeySelection (keys, frequency given) → its output. */
    private static INDArray select(double[][] keys, double[] frequency, double[] q, int n) {
        ComputationGraphConfiguration c = new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .graphBuilder().addInputs("q").setInputTypes(InputType.feedForward(q.length))
                .addLayer("sel", new PromptKeySelection.Builder().poolSize(keys.length).topN(n)
                        .queryWidth(q.length).build(), "q")
                .addLayer("loss", new LossLayer.Builder().lossFunction(new KeyMatchingLoss(1))
                        .activation(Activation.IDENTITY).build(), "sel")
                .setOutputs("loss").build();
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        g.getVertex("sel").paramTable(false).get(PromptKeySelection.KEYS).assign(Nd4j.create(keys));
        g.getVertex("sel").paramTable(false).get(PromptKeySelection.FREQUENCY).assign(
                Nd4j.create(frequency).reshape(1, frequency.length));
        return g.outputSingle(Nd4j.create(q).reshape(1, q.length));
    }

    private static int[] chosen(INDArray out, int n, int m) {
        int[] idx = new int[n];
        for (int k = 0; k < n; k++) {
            for (int j = 0; j < m; j++) {
                if (out.getDouble(0, k * m + j) == 1.0) {
                    idx[k] = j;
                }
            }
        }
        return idx;
    }

    @Test
    void selectsTheNearestKeysAndTheFrequencyPenaltyScalesTheirDistance() {
        double[] cos = {0.9, 0.8, 0.5, 0.1};
        double[][] keys = new double[4][];
        for (int i = 0; i < 4; i++) {
            keys[i] = new double[]{cos[i] * (i + 1), Math.sqrt(1 - cos[i] * cos[i]) * (i + 1)};
        }
        double[] q = {2, 0};
        INDArray plain = select(keys, new double[4], q, 2);
        assertArrayEquals(new int[]{0, 1}, chosen(plain, 2, 4));
        assertEquals(8 + 1, plain.columns());
        assertEquals(0.1 + 0.2, plain.getDouble(0, 8), 1e-9, "the distance of the selected keys");
        // scores (1 − cos)·h = 0.06, 0.04, 0.10, 0: the nearest but most used prompt 0 loses its selection
        assertArrayEquals(new int[]{3, 1}, chosen(select(keys, new double[]{0.6, 0.2, 0.2, 0}, q, 2), 2, 4));
        // ties (unused prompts) go to the nearer key
        assertArrayEquals(new int[]{2, 3}, chosen(select(keys, new double[]{0.5, 0.5, 0, 0}, q, 2), 2, 4));
    }

    @Test
    void aGraphWithoutAttentionIsRefusedWithWhatIsNeeded() {
        ComputationGraph mlp = SmallVit.mlp();
        String m = assertThrows(IllegalArgumentException.class, () -> prompted(mlp, small().build())).getMessage();
        assertTrue(m.contains("SelfAttentionLayer") && m.contains("TransformerBlock") && m.contains("hidden (DenseLayer)")
                && m.contains("attentionLayer"), m);
        String named = assertThrows(IllegalArgumentException.class, () -> prompted(SmallVit.build(4, 4, 3,
                DataType.FLOAT, 1), small().attentionLayer("embed").build())).getMessage();
        assertTrue(named.contains("'embed'") && named.contains("att1 (SelfAttentionLayer)"), named);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> small().topK(5).build()).getMessage()
                .contains("topK 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new L2pConfiguration.Builder().poolSize(0))
                .getMessage().contains("got: 0"));
    }

    @Test
    void jsonRoundTripThroughTheTrainerConfiguration() {
        L2pConfiguration l2p = small().frequencyPenalty(true).trainMask(false).attentionLayer("att1")
                .poolLayer("pool").build();
        assertEquals(l2p, L2pConfiguration.fromJson(l2p.toJson()));
        ContinualConfiguration conf = new ContinualConfiguration.Builder().headPolicy(HeadPolicy.FIXED).plugin(l2p)
                .build();
        ContinualConfiguration back = ContinualJson.fromJson(ContinualJson.toJson(conf), ContinualConfiguration.class);
        assertEquals(conf, back);
        PluginConfiguration p = back.getPlugins().get(0);
        assertEquals(l2p, p);
        assertNotEquals(l2p, small().build());
    }

    private static Scenario mnist(int train, int test, int experiences) {
        DataSet tr = SharedData.head(SharedData.mnistTrain(), train);
        DataSet te = SharedData.head(SharedData.mnistTest(), test);
        return new ClassIncrementalScenario.Builder().train(tr).test(te).numExperiences(experiences)
                .name("split-mnist-small").build();
    }

    private static ContinualConfiguration trainer(L2pConfiguration l2p) {
        return new ContinualConfiguration.Builder().headPolicy(HeadPolicy.FIXED).epochsPerExperience(2)
                .batchSize(32).evalBatchSize(500).seed(4).progress(false).plugin(l2p).build();
    }

    /** A small ViT pre-trained briefly on the images of all classes (so that its features are worth prompting). */
    private static ComputationGraph pretrained() {
        ComputationGraph net = SmallVit.build(28, 16, 10, DataType.FLOAT, 7);
        DataSet d = SharedData.head(SharedData.mnistTrain(), 1000);
        net.fit(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(d.asList(), 50));
        return net;
    }

    @Test
    void learnsRealMnistWithTheBackboneFrozenAndTheKeysPulledToTheQueries() {
        ComputationGraph net = pretrained();
        float[] att2 = net.getLayer("att2").params().toFloatVector();
        Scenario s = mnist(600, 500, 5);
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(net, trainer(small().frequencyPenalty(true)
                .build()));
        ContinualResult r = t.fit(s);
        AccuracyMatrix cil = r.classIncremental();
        assertEquals(5, cil.rows());
        assertTrue(r.taskIncremental().finalAverageAccuracy() > 0.6, "task-IL " + r.taskIncremental());
        assertTrue(r.taskIncremental().finalAverageAccuracy() >= cil.finalAverageAccuracy());
        ComputationGraph g = t.getModel();
        assertTrue(PromptPoolGraph.isPrompted(g));
        assertArrayEquals(att2, g.getLayer("att2").params().toFloatVector(), "the backbone moved");
        assertArrayEquals(att2, g.getLayer("l2p_query_att2").params().toFloatVector(), "the query branch moved");
        assertEquals(0.0, g.getVertex(PromptPoolGraph.SELECT).paramTable(false).get(PromptKeySelection.FREQUENCY)
                .amaxNumber().doubleValue(), "test-time selection must not use the penalty");
        assertTrue(r.experiences().get(4).metrics().get("l2p.prompts_used") >= 2);
        // the surrogate pulled the keys: the selected keys are nearer the queries than the initial ones
        INDArray x = SharedData.head(SharedData.mnistTest(), 100).getFeatures();
        ComputationGraph fresh = PromptPoolGraph.build(pretrained(), "out", small().build(),
                new Random(4));
        assertTrue(meanPull(g, x) < meanPull(fresh, x), meanPull(g, x) + " vs " + meanPull(fresh, x));
    }

    private static double meanPull(ComputationGraph g, INDArray x) {
        return g.feedForward(x, false).get(PromptPoolGraph.SELECT).getColumn(2 * 4).meanNumber().doubleValue();
    }

    /**
     * The penalty acts on training-time selection from the second experience on: the first experience trains
     * exactly as without it (no history), the second selects differently.
     */
    @Test
    void theFrequencyPenaltyChangesTrainingSelectionsFromTheSecondExperienceOn() {
        Scenario s = mnist(300, 200, 5);
        ComputationGraph base = pretrained();
        ContinualResult off = ContinualTrainer.wrap(base.clone(), trainer(small().build())).fit(s, 2);
        ContinualResult on = ContinualTrainer.wrap(base.clone(), trainer(small().frequencyPenalty(true).build()))
                .fit(s, 2);
        assertEquals(off.experiences().get(0).metrics().get("l2p.selection_entropy"),
                on.experiences().get(0).metrics().get("l2p.selection_entropy"));
        assertEquals(Double.doubleToLongBits(off.classIncremental().get(0, 0)),
                Double.doubleToLongBits(on.classIncremental().get(0, 0)), "the penalty acted without history");
        assertNotEquals(off.experiences().get(1).metrics().get("l2p.selection_entropy"),
                on.experiences().get(1).metrics().get("l2p.selection_entropy"), "the penalty changed no selection");
    }

    @Test
    void resumeIsBitIdentical(@TempDir Path dir) throws Exception {
        Scenario s = mnist(300, 200, 5);
        ContinualConfiguration conf = trainer(small().frequencyPenalty(true).build());
        ComputationGraph base = pretrained();
        ContinualTrainer<ComputationGraph> whole = ContinualTrainer.wrap(base.clone(), conf);
        ContinualResult expected = whole.fit(s);
        for (int k : new int[]{1, 3}) {
            Path d = Files.createDirectories(dir.resolve("k" + k));
            ContinualTrainer.wrap(base.clone(), conf).setCheckpointDirectory(d).fit(s, k);
            Path ckpt = CheckpointFile.latestIn(d).orElseThrow();
            Nd4j.getRandom().setSeed(999 + k);
            ContinualTrainer<ComputationGraph> second = ContinualTrainer.resume(ckpt, conf, ComputationGraph.class);
            ContinualResult resumed = second.fit(s);
            assertArrayEquals(whole.getModel().params().toFloatVector(), second.getModel().params().toFloatVector(),
                    "final parameters, k=" + k);
            io.github.dl4jcontinual.testutil.Matrices.assertBitIdentical(expected, resumed, "k=" + k);
            assertEquals(expected.experiences().get(4).metrics().get("l2p.selection_entropy"),
                    resumed.experiences().get(4).metrics().get("l2p.selection_entropy"));
        }
    }
}
