package io.github.dl4jcontinual.zoo.daformer;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.transformer.Vit;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DAFormer as a trainer plugin on networks built with DL4J's builders, on a tiny synthetic stream (8×8 images, 6
 * classes, 3 experiences): the configuration's JSON, the refusals, the recipe's invariants (old logits kept by
 * growing, old key sets and heads bit-identical, one key set per task for M only), learning, and a bit-identical
 * resume.
 */
public class DaFormerPluginTest {

    /** 6 classes of 8×8 images: class c lights up a class-specific pixel row plus noise. */
    public static Scenario synthetic(int perClass, long seed) {
        Random r = new Random(seed);
        int n = 6 * perClass;
        float[] x = new float[n * 64];
        float[] y = new float[n * 6];
        for (int i = 0; i < n; i++) {
            int c = i % 6;
            y[i * 6 + c] = 1f;
            for (int k = 0; k < 64; k++) {
                x[i * 64 + k] = (float) (0.3 * r.nextDouble());
            }
            for (int k = 0; k < 6; k++) {
                x[i * 64 + c * 8 + k + 1] += 0.7f;
            }
        }
        DataSet d = new DataSet(Nd4j.create(x, new long[]{n, 64}), Nd4j.create(y, new long[]{n, 6}));
        return new ClassIncrementalScenario.Builder().train(d).test(d.copy()).numExperiences(3).name("synthetic")
                .build();
    }

    /** The zoo's ViT: 8×8, patch 4 (4 tokens), width 8, 2 blocks (the last becomes the dual block), 2 heads. */
    static ComputationGraph zooVit(int classes) {
        return new Vit.Builder(classes).image(8, 8, 1).patchSize(4).embedDim(8).depth(2).heads(2).mlpRatio(1.0)
                .updater(new Adam(1e-2)).seed(5).build();
    }

    /**
     * A ViT from DL4J's own layers: the 8 image rows as tokens, a 1-d convolution embedding, two SelfAttentionLayers
     * (the first residual), average pooling, softmax output.
     */
    static ComputationGraph dl4jVit(int side, int d, int classes, long seed) {
        return dl4jVit(side, d, classes, seed, 1e-2);
    }

    static ComputationGraph dl4jVit(int side, int d, int classes, long seed, double lr) {
        return io.github.dl4jcontinual.zoo.SmallVit.build(side, d, classes, seed, lr, 1, null, null);
    }

    static DaFormerConfiguration.Builder tiny(DaFormerConfiguration.Edition e) {
        return new DaFormerConfiguration.Builder().edition(e).memorySize(12).fineTuneEpochs(1).knnK(3);
    }

    static ContinualConfiguration trainer(DaFormerConfiguration d, int epochs) {
        return new ContinualConfiguration.Builder().headPolicy(HeadPolicy.FIXED).epochsPerExperience(epochs)
                .batchSize(8).evalBatchSize(50).seed(5).plugin(d).build();
    }

    private static ComputationGraph graph(ContinualTrainer<ComputationGraph> t) {
        return t.getModel();
    }

    private static INDArray param(ComputationGraph g, String layer, String p) {
        return g.getLayer(layer).getParam(p).dup();
    }

    @Test
    void configurationJsonRoundTripThroughTheTrainerAndValidation() {
        DaFormerConfiguration d = new DaFormerConfiguration.Builder().edition(DaFormerConfiguration.Edition.S)
                .knnWeight(0.5).attentionLayer("att2").numTokens(16).updater(new Adam(3e-4)).build();
        assertEquals(d, DaFormerConfiguration.fromJson(d.toJson()));
        assertEquals(d, d.toBuilder().build());
        assertEquals("daformer-s", d.name());
        assertEquals("daformer-m-noknn", new DaFormerConfiguration.Builder().knnWeight(0).build().name());
        ContinualConfiguration c = trainer(d, 1);
        ContinualConfiguration back = ContinualConfiguration.fromJson(c.toJson());
        assertEquals(c, back);
        assertEquals(d, back.getPlugins().get(0));
        assertTrue(c.toJson().contains(DaFormerConfiguration.class.getName()), c.toJson());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DaFormerConfiguration.Builder().knnTemperature(-0.5));
        assertTrue(e.getMessage().contains("knnTemperature") && e.getMessage().contains("-0.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DaFormerConfiguration.Builder().memorySize(-3));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DaFormerConfiguration.Builder().attentionLayer(" "));
    }

    @Test
    void aGraphWithoutAttentionIsRefusedNamingWhatIsNeeded() {
        ComputationGraph mlp = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3))
                .graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(64))
                .addLayer("hidden", new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(6)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build());
        mlp.init();
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(mlp,
                trainer(tiny(DaFormerConfiguration.Edition.M).build(), 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.fit(synthetic(4, 1)));
        assertTrue(e.getMessage().contains("no attention block") && e.getMessage().contains("SelfAttentionLayer")
                && e.getMessage().contains("TransformerBlock") && e.getMessage().contains("hidden (DenseLayer)"),
                e.getMessage());
        // an expanding head is refused: the heads are placed in a fixed-width output
        ContinualConfiguration expanding = trainer(tiny(DaFormerConfiguration.Edition.M).build(), 1).toBuilder()
                .headPolicy(HeadPolicy.EXPANDING).build();
        e = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(dl4jVit(8, 8, 2, 1), expanding).fit(synthetic(4, 1)));
        assertTrue(e.getMessage().contains("HeadPolicy.FIXED"), e.getMessage());
        // a named attention layer that is not one
        ContinualConfiguration named = trainer(tiny(DaFormerConfiguration.Edition.M).attentionLayer("pool").build(), 1);
        e = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(dl4jVit(8, 8, 6, 1), named).fit(synthetic(4, 1)));
        assertTrue(e.getMessage().contains("'pool'") && e.getMessage().contains("att2 (SelfAttentionLayer)"),
                e.getMessage());
    }

    @Test
    void growingKeepsTheOldLogitsInBothEditionsAndBothBlockKinds() {
        for (DaFormerConfiguration.Edition ed : DaFormerConfiguration.Edition.values()) {
            for (boolean zoo : new boolean[]{true, false}) {
                Scenario s = synthetic(10, 1);
                ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(zoo ? zooVit(6) : dl4jVit(8, 8, 6, 3),
                        trainer(tiny(ed).build(), 1));
                t.fit(s, 1);
                ComputationGraph g = graph(t);
                INDArray x = s.testStream().get(0).rows(new int[]{0, 1, 2, 3}).getFeatures(0);
                INDArray before = g.feedForward(x, false).get(DaFormerGraph.HEADS);
                DaFormerGraph.Stage next = new DaFormerGraph.Stage(List.of(new int[]{0, 1}, new int[]{2, 3}), 6,
                        tiny(ed).build(), true);
                ComputationGraph grown = DaFormerGraph.build(g, "out", next, 0, new Adam(1e-3));
                INDArray after = grown.feedForward(x, false).get(DaFormerGraph.HEADS);
                String what = ed + (zoo ? " zoo block" : " DL4J SelfAttentionLayer");
                for (int i = 0; i < 4; i++) {
                    for (int c = 0; c < 2; c++) {
                        assertEquals(before.getDouble(i, c), after.getDouble(i, c), 1e-5, what + ": old logit");
                    }
                    assertEquals(-1e4, after.getDouble(i, 5), 1e-6, what + ": an unseen class's logit");
                }
                assertEquals(List.of("out", DaFormerGraph.KD, DaFormerGraph.DIV, DaFormerGraph.KNN),
                        grown.getConfiguration().getNetworkOutputs());
                if (ed == DaFormerConfiguration.Edition.M) {
                    assertEquals(0.0, param(grown, DaFormerGraph.DUAL, "key1").amaxNumber().doubleValue());
                    assertEquals(param(g, DaFormerGraph.DUAL, "key0"), param(grown, DaFormerGraph.DUAL, "key0"));
                }
            }
        }
    }

    @Test
    void oldKeySetsAreBitIdenticalAfterLaterTasksAndFineTuning() {
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(dl4jVit(8, 8, 6, 2),
                trainer(tiny(DaFormerConfiguration.Edition.M).build(), 2));
        Scenario s = synthetic(10, 2);
        t.fit(s, 1);
        INDArray key0 = param(graph(t), DaFormerGraph.DUAL, "key0");
        INDArray bias0 = param(graph(t), DaFormerGraph.DUAL, "kbias0");
        INDArray wq = param(graph(t), DaFormerGraph.DUAL, "Wq");
        assertNotEquals(0.0, key0.amaxNumber().doubleValue(), "the first key set should train");
        t.fit(s, 2);
        INDArray key1 = param(graph(t), DaFormerGraph.DUAL, "key1");
        assertNotEquals(0.0, key1.amaxNumber().doubleValue(), "the new key set should train");
        t.fit(s, 3);
        ComputationGraph g = graph(t);
        assertEquals(key0, param(g, DaFormerGraph.DUAL, "key0"), "key0 changed after later tasks");
        assertEquals(bias0, param(g, DaFormerGraph.DUAL, "kbias0"), "kbias0 changed after later tasks");
        assertEquals(key1, param(g, DaFormerGraph.DUAL, "key1"), "key1 changed after task 2");
        assertNotEquals(wq, param(g, DaFormerGraph.DUAL, "Wq"), "the shared attention should train");
        assertEquals(List.of("out"), g.getConfiguration().getNetworkOutputs(), "the final model classifies only");
    }

    @Test
    void oldHeadsAreBitIdenticalWhileLaterTasksTrain() {
        // heads are frozen while later tasks train; balanced fine-tuning (off here) retrains all heads
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(zooVit(6),
                trainer(tiny(DaFormerConfiguration.Edition.S).fineTuneEpochs(0).build(), 2));
        Scenario s = synthetic(10, 2);
        t.fit(s, 1);
        INDArray w0 = param(graph(t), DaFormerGraph.HEADS, "W0");
        INDArray g0 = param(graph(t), DaFormerGraph.HEADS, "g0");
        INDArray embed = param(graph(t), Vit.PATCH, "W");
        t.fit(s);
        assertEquals(w0, param(graph(t), DaFormerGraph.HEADS, "W0"), "old head W0 changed");
        assertEquals(g0, param(graph(t), DaFormerGraph.HEADS, "g0"), "old head g0 changed");
        assertNotEquals(embed, param(graph(t), Vit.PATCH, "W"), "the backbone should train");
    }

    @Test
    void theDualBlockGrowsByOneKeySetPerTaskForMOnly() {
        long keySet = 8L * 4 + 8; // keys [T = 8, head size 4] and their bias [1, 8]
        long head = 2 * 8 + 8 * 2 + 2; // LayerNorm gain and bias, W [8, 2], bias [2]
        for (DaFormerConfiguration.Edition ed : DaFormerConfiguration.Edition.values()) {
            ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(dl4jVit(8, 8, 6, 3),
                    trainer(tiny(ed).fineTuneEpochs(0).build(), 1));
            Scenario s = synthetic(6, 3);
            long prevDual = -1;
            long prevTotal = -1;
            for (int k = 1; k <= 3; k++) {
                t.fit(s, k);
                long dual = graph(t).getLayer(DaFormerGraph.DUAL).numParams();
                long total = graph(t).numParams();
                if (prevDual >= 0) {
                    long keys = ed == DaFormerConfiguration.Edition.M ? keySet : 0;
                    assertEquals(keys, dual - prevDual, ed + " dual block growth");
                    assertEquals(keys + head, total - prevTotal, ed + " total growth");
                }
                prevDual = dual;
                prevTotal = total;
            }
        }
    }

    @Test
    void divergenceTargetsMapOldClassesToZeroAndFrozenSetsNameOldKeysAndHeads() {
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 6);
        int[] cls = {0, 2, 3, 4};
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, cls[i], 1);
        }
        INDArray d = DaFormerPlugin.divergenceTargets(y, new int[]{3, 4});
        assertArrayEquals(new long[]{0, 0, 1, 2}, d.argMax(1).toLongVector());
        assertEquals(3, d.size(1));
        DaFormerPlugin m = new DaFormerPlugin(tiny(DaFormerConfiguration.Edition.M).build());
        assertTrue(m.frozenWhileTraining(2).containsAll(List.of("daformer_dual_key0", "daformer_dual_kbias1",
                "daformer_heads_W1", "daformer_heads_g0")));
        assertTrue(m.frozenWhileTraining(0).isEmpty());
        DaFormerPlugin s = new DaFormerPlugin(tiny(DaFormerConfiguration.Edition.S).build());
        assertTrue(s.frozenWhileTraining(1).stream().noneMatch(k -> k.startsWith("daformer_dual")),
                "S shares its key set");
    }

    @Test
    void learnsTheSyntheticStreamWithTheRecipe() {
        ContinualResult r = ContinualTrainer.wrap(dl4jVit(8, 8, 6, 4),
                trainer(tiny(DaFormerConfiguration.Edition.M).build(), 4)).fit(synthetic(20, 4));
        assertEquals(3, r.classIncremental().rows());
        assertTrue(r.taskIncremental().finalAverageAccuracy() > 0.6, "task-IL " + r.taskIncremental());
        assertTrue(r.classIncremental().averageAccuracy(0) > 0.6, "first task " + r.classIncremental());
        assertEquals(3.0, r.experiences().get(2).metrics().get("daformer.key_sets"));
        assertTrue(r.experiences().get(2).metrics().get("daformer.finetune_updates") > 0);
        assertEquals(12.0, r.experiences().get(2).metrics().get("daformer.memory"));
        assertEquals("daformer-m", r.strategy());
    }

    @Test
    void resumesBitIdentically(@TempDir Path dir) throws Exception {
        Scenario s = synthetic(8, 6);
        for (DaFormerConfiguration.Edition ed : DaFormerConfiguration.Edition.values()) {
            ContinualConfiguration conf = trainer(tiny(ed).build(), 1);
            ContinualResult expected = ContinualTrainer.wrap(dl4jVit(8, 8, 6, 7), conf).fit(s);
            ComputationGraph whole = null;
            for (int k = 1; k <= 2; k++) {
                Path d = Files.createDirectories(dir.resolve(ed + "k" + k));
                ContinualTrainer<ComputationGraph> first = ContinualTrainer.wrap(dl4jVit(8, 8, 6, 7), conf)
                        .setCheckpointDirectory(d);
                first.fit(s, k);
                Path ckpt = CheckpointFile.latestIn(d).orElseThrow();
                Nd4j.getRandom().setSeed(999 + k); // as in a fresh JVM
                ContinualTrainer<ComputationGraph> second = ContinualTrainer.resume(ckpt, conf,
                        ComputationGraph.class);
                ContinualResult resumed = second.fit(s);
                same(expected.classIncremental(), resumed.classIncremental(), ed + " class-IL, k=" + k);
                same(expected.taskIncremental(), resumed.taskIncremental(), ed + " task-IL, k=" + k);
                for (int e = 0; e < 3; e++) {
                    Map<String, Double> a = new java.util.TreeMap<>(expected.experiences().get(e).metrics());
                    Map<String, Double> b = new java.util.TreeMap<>(resumed.experiences().get(e).metrics());
                    a.keySet().removeIf(x -> x.endsWith("_ms"));
                    b.keySet().removeIf(x -> x.endsWith("_ms"));
                    assertEquals(a, b, "metrics of experience " + e);
                }
                if (whole != null) {
                    assertEquals(whole.params(), second.getModel().params(), "final parameters, k=" + k);
                }
                whole = second.getModel();
            }
        }
    }

    static void same(AccuracyMatrix a, AccuracyMatrix b, String what) {
        io.github.dl4jcontinual.testutil.Matrices.assertBitIdentical(a, b, what);
    }

    @Test
    void aMemoryOfZeroTrainsWithoutReplayOrFineTuning() {
        ContinualResult r = ContinualTrainer.wrap(zooVit(6),
                trainer(tiny(DaFormerConfiguration.Edition.M).memorySize(0).build(), 1)).fit(synthetic(6, 1));
        assertEquals(0.0, r.experiences().get(2).metrics().get("daformer.memory"));
        assertEquals(0.0, r.experiences().get(2).metrics().get("daformer.finetune_updates"));
    }

    /** Experiences must bring new classes. */
    @Test
    void repeatedClassesAreRefused() {
        Scenario s = synthetic(4, 1);
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(zooVit(6),
                trainer(tiny(DaFormerConfiguration.Edition.M).build(), 1));
        t.learn(s.trainStream().get(0));
        Experience again = s.trainStream().get(0).at(1, new int[]{0, 1});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.learn(again));
        assertTrue(e.getMessage().contains("already a class of task 0"), e.getMessage());
    }
}
