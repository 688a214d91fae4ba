package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualListener;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DER's dynamic expansion: the grown graph's structure (one more extractor, the older ones frozen, the classifier
 * on the merged features, a fresh auxiliary head), its parameters (old classifier block and extractors kept, the
 * new extractor a copy), the output unchanged when the new block is zero, refusals, JSON, and DER with an exemplar
 * memory and weight aligning on real Split-MNIST, where the frozen extractors do not move.
 */
class DynamicExpansionTest {

    @Test
    void theGrownGraphKeepsWhatItHadAndAddsAFrozenCopy() {
        ComputationGraph g = Models.mlpGraph(6, 5, 4, 0.1, 1);
        ComputationGraph g1 = DynamicExpansion.expand(g, "out", 3, true);
        assertEquals(2, DynamicExpansion.extractors(g1, "out"));
        assertEquals(List.of("out", DynamicExpansion.AUX), g1.getConfiguration().getNetworkOutputs());
        for (String v : new String[]{"h1", "h2"}) {
            assertTrue(layer(g1, v) instanceof FrozenLayer, v + " is frozen");
            assertFalse(layer(g1, "der1_" + v) instanceof FrozenLayer, "der1_" + v + " trains");
            assertArrayEquals(g.getLayer(v).params().toFloatVector(), g1.getLayer(v).params().toFloatVector());
            assertArrayEquals(g.getLayer(v).params().toFloatVector(), g1.getLayer("der1_" + v).params()
                    .toFloatVector(), "the new extractor copies the newest");
        }
        INDArray w = g1.getLayer("out").getParam(DefaultParamInitializer.WEIGHT_KEY);
        assertArrayEquals(new long[]{10, 4}, w.shape());
        assertEquals(g.getLayer("out").getParam(DefaultParamInitializer.WEIGHT_KEY),
                w.get(NDArrayIndex.interval(0, 5), NDArrayIndex.all()));
        assertEquals(g.getLayer("out").getParam(DefaultParamInitializer.BIAS_KEY),
                g1.getLayer("out").getParam(DefaultParamInitializer.BIAS_KEY));
        assertArrayEquals(new long[]{5, 3}, g1.getLayer(DynamicExpansion.AUX)
                .getParam(DefaultParamInitializer.WEIGHT_KEY).shape());
        // with the new extractor's block of the classifier at zero, the classifier computes what it did
        w.get(NDArrayIndex.interval(5, 10), NDArrayIndex.all()).assign(0);
        INDArray x = Nd4j.rand(DataType.FLOAT, 7, 6);
        assertTrue(g.outputSingle(x).equalsWithEps(g1.output(x)[0], 1e-6));
        // a third extractor: the second is frozen now, the third copies it
        g1.getLayer("der1_h1").params().addi(0.5);
        ComputationGraph g2 = DynamicExpansion.expand(g1, "out", 2, true);
        assertEquals(3, DynamicExpansion.extractors(g2, "out"));
        assertTrue(layer(g2, "der1_h1") instanceof FrozenLayer);
        assertArrayEquals(g1.getLayer("der1_h1").params().toFloatVector(),
                g2.getLayer("der2_h1").params().toFloatVector());
        assertArrayEquals(new long[]{15, 4}, g2.getLayer("out").getParam(DefaultParamInitializer.WEIGHT_KEY).shape());
        assertArrayEquals(new long[]{5, 2}, g2.getLayer(DynamicExpansion.AUX)
                .getParam(DefaultParamInitializer.WEIGHT_KEY).shape());
        assertEquals(List.of("out", DynamicExpansion.AUX), g2.getConfiguration().getNetworkOutputs());
        ComputationGraph fresh = DynamicExpansion.expand(g, "out", 3, false);
        assertNotEquals(g.getLayer("h1").params(), fresh.getLayer("der1_h1").params());
    }

    @Test
    void memoSharesTheShallowBlocksAndCopiesTheDeepOnes() {
        ComputationGraph g = Models.mlpGraph(6, 5, 4, 0.1, 1);
        for (boolean train : new boolean[]{true, false}) {
            ComputationGraph g1 = DynamicExpansion.expand(g, "out", 3, true, "h1", train);
            assertFalse(g1.getConfiguration().getVertices().containsKey("der1_h1"), "h1 is shared");
            assertEquals(List.of("h1"), g1.getConfiguration().getVertexInputs().get("der1_h2"));
            assertTrue(layer(g1, "h2") instanceof FrozenLayer);
            assertEquals(!train, layer(g1, "h1") instanceof FrozenLayer, "h1 frozen unless it keeps training");
            assertArrayEquals(g.getLayer("h2").params().toFloatVector(), g1.getLayer("der1_h2").params()
                    .toFloatVector());
            g1.getLayer("out").getParam(DefaultParamInitializer.WEIGHT_KEY)
                    .get(NDArrayIndex.interval(5, 10), NDArrayIndex.all()).assign(0);
            INDArray x = Nd4j.rand(DataType.FLOAT, 3, 6);
            assertTrue(g.outputSingle(x).equalsWithEps(g1.output(x)[0], 1e-6));
            ComputationGraph g2 = DynamicExpansion.expand(g1, "out", 2, true, "h1", train);
            assertEquals(3, DynamicExpansion.extractors(g2, "out"));
            assertEquals(List.of("h1"), g2.getConfiguration().getVertexInputs().get("der2_h2"));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DynamicExpansion.expand(g, "out", 3, true, "h7", true));
        assertTrue(e.getMessage().contains("h7") && e.getMessage().contains("h1"), e.getMessage());
        DynamicExpansion memo = new DynamicExpansion().withSharedUpTo("h1", false);
        assertEquals("memo", memo.name());
        assertEquals(memo, ContinualJson.fromJson(ContinualJson.toJson(memo), PluginConfiguration.class));
        assertThrows(IllegalArgumentException.class, () -> new DynamicExpansion().withSharedUpTo(" ", true));
    }

    private static org.deeplearning4j.nn.conf.layers.Layer layer(ComputationGraph g, String v) {
        return ((LayerVertex) g.getConfiguration().getVertices().get(v)).getLayerConf().getLayer();
    }

    @Test
    void refusalsAndJson() {
        DynamicExpansion d = new DynamicExpansion().withCopyPrevious(false);
        PluginConfiguration back = ContinualJson.fromJson(ContinualJson.toJson(d), PluginConfiguration.class);
        assertEquals(d, back);
        assertFalse(((DynamicExpansion) back).isCopyPrevious());
        DataSet toy = new DataSet(Nd4j.rand(DataType.FLOAT, 20, 6), Nd4j.eye(4).repeat(0, 5).castTo(DataType.FLOAT));
        Scenario s = new ClassIncrementalScenario.Builder().train(toy).test(toy.copy()).numExperiences(2).name("toy")
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer
                .wrap(Models.mlp(6, 5, 4, 0.1, 1), new ContinualConfiguration.Builder().progress(false)
                        .plugin(new DynamicExpansion()).build()).fit(s));
        assertTrue(e.getMessage().contains("toComputationGraph"), e.getMessage());
    }

    @Test
    void derWithAnExemplarMemoryLearnsSplitMnistAndKeepsItsFrozenExtractors() {
        Scenario s = SharedData.splitMnist(300, 100);
        ContinualConfiguration.Builder conf = new ContinualConfiguration.Builder().batchSize(32).seed(1)
                .epochsPerExperience(2).progress(false);
        IcarlConfiguration memory = new IcarlConfiguration.Builder().exemplarsPerClass(20).distillation(false)
                .nearestMean(false).build();
        ContinualResult replay = ContinualTrainer.wrap(Models.mlpGraph(784, 64, 10, 0.05, 1), conf.plugin(memory)
                .build()).fit(s);
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(Models.mlpGraph(784, 64, 10, 0.05, 1), conf
                .plugin(new DynamicExpansion()).plugin(new WeightAligning()).build());
        List<float[]> frozenBefore = new ArrayList<>();
        List<float[]> frozenAfter = new ArrayList<>();
        t.addListener(new ContinualListener() {
            @Override
            public void onExperienceEnd(io.github.dl4jcontinual.eval.ExperienceResult r,
                                        io.github.dl4jcontinual.eval.AccuracyMatrix classIl,
                                        io.github.dl4jcontinual.eval.AccuracyMatrix taskIl) {
                ComputationGraph g = t.getModel();
                if (r.experience() == 1) {
                    frozenAfter.add(g.getLayer("h1").params().toFloatVector());
                }
                if (r.experience() == 0) {
                    frozenBefore.add(g.getLayer("h1").params().toFloatVector());
                }
            }
        });
        ContinualResult der = t.fit(s);
        double c = der.classIncremental().finalAverageAccuracy();
        double b = replay.classIncremental().finalAverageAccuracy();
        System.out.printf("DER %.4f, replay %.4f, extractors %s, parameters %s%n", c, b,
                der.experiences().get(4).metrics().get("der.extractors"),
                der.experiences().get(4).metrics().get("der.parameters"));
        assertEquals(5.0, der.experiences().get(4).metrics().get("der.extractors"));
        assertEquals(1.0, der.experiences().get(0).metrics().get("der.extractors"));
        assertTrue(der.experiences().get(4).metrics().get("der.parameters")
                > 4 * der.experiences().get(0).metrics().get("der.parameters"), "five extractors");
        assertArrayEquals(frozenBefore.get(0), frozenAfter.get(0), "the first extractor is frozen after experience 0");
        // fine-tuning stays near 0.2 on this stream; at this small scale (300 images per class, 2 epochs) DER does
        // not beat plain replay (0.55 against 0.61 on seed 1, see docs/class-incremental.md)
        assertTrue(c > 0.45, "DER class-IL " + c + " (replay " + b + ")");
    }
}
