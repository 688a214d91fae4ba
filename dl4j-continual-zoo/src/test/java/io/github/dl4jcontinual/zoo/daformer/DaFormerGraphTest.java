package io.github.dl4jcontinual.zoo.daformer;

import io.github.dl4jcontinual.distillation.DistillationLoss;
import io.github.dl4jcontinual.distillation.DistillationMode;
import io.github.dl4jcontinual.zoo.transformer.DualSelfAttention;
import io.github.dl4jcontinual.zoo.transformer.TaskHeads;
import io.github.dl4jcontinual.zoo.transformer.TransformerLayersTest;
import io.github.dl4jcontinual.zoo.transformer.Vit;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LearnedSelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The graphs the DAFormer plugin builds, in double precision: the dual-attention block (zoo layout) and
 * {@link DualSelfAttention} (DL4J layout) against plain ND4J references and DL4J's own attention layers, the task
 * heads' placement, gradient checks of a stage graph with all four outputs (classification, logit distillation,
 * divergence head, KNN distillation) and of the DL4J-layout block, and JSON / ModelSerializer round trips.
 */
@org.junit.jupiter.api.extension.ExtendWith(io.github.dl4jcontinual.testutil.Doubles.ForClass.class)
class DaFormerGraphTest {
    /** 8×8 images, patch 4 → 4 tokens, width 8, 2 heads, 2 blocks. */
    private static ComputationGraph tinyVit(int classes) {
        return new Vit.Builder(classes).image(8, 8, 1).patchSize(4).embedDim(8).depth(2).heads(2).mlpRatio(1.5)
                .dataType(DataType.DOUBLE).updater(new NoOp()).seed(7).build();
    }

    private static DaFormerConfiguration conf(DaFormerConfiguration.Edition e) {
        return new DaFormerConfiguration.Builder().edition(e).knnK(2).knnTemperature(0.5).build();
    }

    /**
     * The stage graph of tasks {0, 1}, {2, 3} over {@code classes} classes (4: all assigned; 5: class 4 unassigned),
     * from the tiny ViT.
     */
    private static ComputationGraph stage(DaFormerConfiguration.Edition e, boolean training, int classes) {
        ComputationGraph first = DaFormerGraph.build(tinyVit(classes), Vit.OUTPUT,
                new DaFormerGraph.Stage(List.of(new int[]{0, 1}), classes, conf(e), training), 0, new NoOp());
        return DaFormerGraph.build(first, Vit.OUTPUT,
                new DaFormerGraph.Stage(List.of(new int[]{0, 1}, new int[]{2, 3}), classes, conf(e), training), 0,
                new NoOp());
    }

    private static INDArray images(int n) {
        Nd4j.getRandom().setSeed(3);
        return Nd4j.rand(DataType.DOUBLE, n, 64);
    }

    private static INDArray oneHot(int n, int classes, int used) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % used, 1.0);
        }
        return y;
    }

    private static Map<String, INDArray> params(ComputationGraph g, String layer) {
        return g.getLayer(layer).paramTable();
    }

    private static void randomKeys(ComputationGraph g, double scale) {
        for (Map.Entry<String, INDArray> p : params(g, DaFormerGraph.DUAL).entrySet()) {
            if (p.getKey().startsWith("key") || p.getKey().startsWith("kbias")) {
                p.getValue().assign(Nd4j.randn(DataType.DOUBLE, p.getValue().shape()).muli(scale));
            }
        }
    }

    @Test
    void dualAttentionBlockAndPlacedHeadsMatchTheReference() {
        ComputationGraph g = stage(DaFormerConfiguration.Edition.M, false, 5);
        randomKeys(g, 1.0);
        Map<String, INDArray> p = params(g, DaFormerGraph.DUAL);
        INDArray x = images(2);
        Map<String, INDArray> acts = g.feedForward(x, false);
        INDArray in = acts.get(Vit.block(0));
        INDArray out = acts.get(DaFormerGraph.DUAL);
        assertArrayEquals(new long[]{2, 16}, out.shape());
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 2; t++) {
                INDArray ref = TransformerLayersTest.refBlock(in.getRow(b).reshape(4, 8), p, 2, p.get("key" + t),
                        p.get("kbias" + t)).mean(true, 0);
                INDArray got = out.get(NDArrayIndex.point(b), NDArrayIndex.interval(t * 8, t * 8 + 8)).reshape(1, 8);
                assertTrue(ref.equalsWithEps(got, 1e-10), "sample " + b + ", key set " + t);
            }
        }
        // head 1 reads task 1's embedding into columns 2, 3; column 4 belongs to no head
        INDArray logits = acts.get(DaFormerGraph.HEADS);
        Map<String, INDArray> h = params(g, DaFormerGraph.HEADS);
        INDArray e1 = out.get(NDArrayIndex.all(), NDArrayIndex.interval(8, 16));
        INDArray ref1 = TransformerLayersTest.refLayerNorm(e1, h.get("g1"), h.get("b1")).mmul(h.get("W1"))
                .addRowVector(h.get("c1"));
        assertTrue(ref1.equalsWithEps(logits.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 4)), 1e-10));
        assertEquals(TaskHeads.UNASSIGNED_LOGIT, logits.getDouble(0, 4), 0.0);
        assertEquals(0.0, g.output(x)[0].getDouble(1, 4), 1e-12, "an unassigned class gets probability 0");
    }

    @Test
    void zeroTaskKeysGiveUniformTaskAttention() {
        ComputationGraph g = DaFormerGraph.build(tinyVit(3), Vit.OUTPUT, new DaFormerGraph.Stage(
                List.of(new int[]{0, 1, 2}), 3, conf(DaFormerConfiguration.Edition.S), false), 0, new NoOp());
        Map<String, INDArray> p = params(g, DaFormerGraph.DUAL);
        assertEquals(0.0, p.get("key0").amaxNumber().doubleValue());
        INDArray x = images(2);
        Map<String, INDArray> acts = g.feedForward(x, false);
        INDArray tokens = acts.get(Vit.block(0)).getRow(1).reshape(4, 8);
        INDArray ref = TransformerLayersTest.refBlock(tokens, p, 2, Nd4j.zeros(DataType.DOUBLE, 4, 4),
                Nd4j.zeros(DataType.DOUBLE, 1, 4)).mean(true, 0);
        assertTrue(ref.equalsWithEps(acts.get(DaFormerGraph.DUAL).getRow(1).reshape(1, 8), 1e-10));
        // the user's last block's parameters were copied into the dual block
        assertEquals(tinyVit(3).getLayer(Vit.block(1)).getParam("wq"), p.get("wq"));
    }

    /** A graph of one DL4J attention layer on a recurrent input [mb, 6, 5]. */
    private static ComputationGraph dl4jAttention(boolean learned, DataType type) {
        ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().seed(11)
                .dataType(type).updater(new NoOp()).graphBuilder().addInputs("in")
                .setInputTypes(InputType.recurrent(6, 5));
        b.addLayer("att", learned
                ? new LearnedSelfAttentionLayer.Builder().nIn(6).nOut(4).nHeads(2).nQueries(3).projectInput(true)
                .build()
                : new SelfAttentionLayer.Builder().nIn(6).nOut(4).nHeads(2).projectInput(true).build(), "in");
        b.addLayer("pool", new org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer.Builder(
                org.deeplearning4j.nn.conf.layers.PoolingType.AVG).build(), "att");
        b.addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(3).activation(Activation.SOFTMAX).build(), "pool");
        ComputationGraph g = new ComputationGraph(b.setOutputs("out").build());
        g.init();
        return g;
    }

    @Test
    void dualSelfAttentionExtendsDl4jsOwnAttention() {
        // M2.1's own attention layers fail in double precision here (scatter_update): compared in float
        ComputationGraph user = dl4jAttention(false, DataType.FLOAT);
        ComputationGraph g = DaFormerGraph.build(user, "out", new DaFormerGraph.Stage(
                List.of(new int[]{0, 1, 2}), 3, conf(DaFormerConfiguration.Edition.S), false), 5, new NoOp());
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 6, 5);
        // DL4J's attention, mean over its output positions
        INDArray sd = user.feedForward(x, false).get("att").mean(2);
        // zero task keys: the uniform map adds the mean value over the tokens, projected
        Map<String, INDArray> p = params(g, DaFormerGraph.DUAL);
        INDArray vbar = x.mean(2).mmul(p.get("Wv").reshape(4, 6).transpose()); // [2, H*hs]
        INDArray ref = sd.add(vbar.mmul(p.get("Wo")));
        INDArray got = g.feedForward(x, false).get(DaFormerGraph.DUAL);
        assertTrue(ref.equalsWithEps(got, 1e-5), ref + " vs " + got);
        assertEquals(user.getLayer("att").getParam("Wq"), p.get("Wq"), "the user's projections were copied");
    }

    /** Plain-ND4J reference of {@link DualSelfAttention} for one sample {@code x [nIn, T]} and one key set. */
    static INDArray refDualSelfAttention(INDArray x, Map<String, INDArray> p, int heads, int hs, INDArray key,
                                         INDArray bias) {
        long nIn = x.size(0);
        INDArray xt = x.transpose();
        INDArray queries = p.containsKey("Q") ? p.get("Q").reshape(nIn, -1).transpose() : xt;
        INDArray merged = Nd4j.zeros(x.dataType(), queries.size(0), (long) heads * hs);
        for (int h = 0; h < heads; h++) {
            INDArray wq = p.get("Wq").dup().reshape((long) heads * hs, nIn)
                    .get(NDArrayIndex.interval(h * hs, (h + 1) * hs), NDArrayIndex.all());
            INDArray wk = p.get("Wk").dup().reshape((long) heads * hs, nIn)
                    .get(NDArrayIndex.interval(h * hs, (h + 1) * hs), NDArrayIndex.all());
            INDArray wv = p.get("Wv").dup().reshape((long) heads * hs, nIn)
                    .get(NDArrayIndex.interval(h * hs, (h + 1) * hs), NDArrayIndex.all());
            INDArray q = queries.mmul(wq.transpose()).div(Math.sqrt(hs));
            INDArray k = xt.mmul(wk.transpose());
            INDArray v = xt.mmul(wv.transpose());
            INDArray a = Transforms.softmax(q.mmul(k.transpose()), true)
                    .add(Transforms.softmax(q.mmul(key.transpose()).addRowVector(bias), true));
            merged.get(NDArrayIndex.all(), NDArrayIndex.interval(h * hs, (h + 1) * hs)).assign(a.mmul(v));
        }
        return merged.mmul(p.get("Wo")).mean(true, 0);
    }

    @Test
    void dualSelfAttentionMatchesTheReferenceWithLearnedQueriesAndTwoKeySets() {
        // M2.1's LearnedSelfAttentionLayer itself fails at inference (scatter_update); the dual block does not
        ComputationGraph user = dl4jAttention(true, DataType.DOUBLE);
        ComputationGraph g = DaFormerGraph.build(user, "out", new DaFormerGraph.Stage(
                List.of(new int[]{0}, new int[]{1, 2}), 3, conf(DaFormerConfiguration.Edition.M), false), 5,
                new NoOp());
        randomKeys(g, 1.0);
        Map<String, INDArray> p = params(g, DaFormerGraph.DUAL);
        assertEquals(user.getLayer("att").getParam("Q"), p.get("Q"), "the learned queries were copied");
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 2, 6, 5);
        INDArray got = g.feedForward(x, false).get(DaFormerGraph.DUAL);
        assertArrayEquals(new long[]{2, 8}, got.shape());
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 2; t++) {
                INDArray ref = refDualSelfAttention(x.get(NDArrayIndex.point(b), NDArrayIndex.all(),
                        NDArrayIndex.all()), p, 2, 2, p.get("key" + t), p.get("kbias" + t));
                INDArray e = got.get(NDArrayIndex.point(b), NDArrayIndex.interval(t * 4, t * 4 + 4)).reshape(1, 4);
                assertTrue(ref.equalsWithEps(e, 1e-10), "sample " + b + ", key set " + t + ": " + ref + " vs " + e);
            }
        }
    }

    // the gradient checks use stages whose classes all belong to a head: GradientCheckUtil turns the softmax clipping
    // of LossMCXENT off, and an unassigned column's probability exp(-1e4) = 0 then gives 0·log(0) = NaN

    @Test
    void gradientCheckOfAStageWithAllFourOutputs() {
        ComputationGraph g = stage(DaFormerConfiguration.Edition.M, true, 4);
        randomKeys(g, 0.5);
        assertEquals(List.of(Vit.OUTPUT, DaFormerGraph.KD, DaFormerGraph.DIV, DaFormerGraph.KNN),
                g.getConfiguration().getNetworkOutputs());
        int n = 5;
        INDArray x = images(n);
        int[] groups = {0, 0, -1, -1};
        INDArray kd = new DistillationLoss(groups, 1.0, DistillationMode.OLD_CLASSES_SOFTMAX, 1.0)
                .softTargets(Nd4j.randn(DataType.DOUBLE, n, 4));
        INDArray teacher = Nd4j.randn(DataType.DOUBLE, n, 8);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{oneHot(n, 4, 4), kd, oneHot(n, 3, 3), teacher})
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)));
    }

    @Test
    void gradientCheckOfTheSharedEdition() {
        ComputationGraph g = stage(DaFormerConfiguration.Edition.S, false, 4);
        randomKeys(g, 1.0);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{images(3)}).labels(new INDArray[]{oneHot(3, 4, 4)}).epsilon(1e-6)
                .maxRelError(1e-3).minAbsoluteError(1e-8)));
    }

    @Test
    void gradientCheckOfDualSelfAttention() {
        for (boolean learned : new boolean[]{false, true}) {
            ComputationGraphConfiguration c = new NeuralNetConfiguration.Builder().seed(2).dataType(DataType.DOUBLE)
                    .updater(new NoOp()).graphBuilder().addInputs("in")
                    .addLayer("dual", new DualSelfAttention.Builder().nIn(6).nOut(4).numHeads(2).headSize(3)
                            .numKeys(5).numQueries(learned ? 3 : 0).numKeySets(2).build(), "in")
                    .addLayer("heads", new TaskHeads.Builder().embedDim(4).classesPerHead(2, 1).build(), "dual")
                    .addLayer("out", new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                            .activation(Activation.SOFTMAX).build(), "heads")
                    .setOutputs("out").build();
            ComputationGraph g = new ComputationGraph(c);
            g.init();
            randomKeys2(g);
            Nd4j.getRandom().setSeed(5);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 3, 6, 5);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                    .inputs(new INDArray[]{x}).labels(new INDArray[]{oneHot(3, 3, 3)}).epsilon(1e-6)
                    .maxRelError(1e-3).minAbsoluteError(1e-8)), learned ? "learned queries" : "self-attention");
        }
    }

    private static void randomKeys2(ComputationGraph g) {
        for (Map.Entry<String, INDArray> p : params(g, "dual").entrySet()) {
            if (p.getKey().startsWith("key") || p.getKey().startsWith("kbias")) {
                p.getValue().assign(Nd4j.randn(DataType.DOUBLE, p.getValue().shape()));
            }
        }
    }

    @Test
    void jsonAndModelSerializerRoundTrips(@TempDir File dir) throws Exception {
        ComputationGraph dl4j = DaFormerGraph.build(dl4jAttention(true, DataType.DOUBLE), "out", new DaFormerGraph.Stage(
                List.of(new int[]{0}, new int[]{1, 2}), 3, conf(DaFormerConfiguration.Edition.M), true), 5,
                new NoOp());
        ComputationGraph[] graphs = {stage(DaFormerConfiguration.Edition.M, true, 5),
                stage(DaFormerConfiguration.Edition.S, false, 5), dl4j};
        INDArray[] inputs = {images(4), images(4), Nd4j.rand(DataType.DOUBLE, 4, 6, 5)};
        for (int k = 0; k < graphs.length; k++) {
            ComputationGraph g = graphs[k];
            INDArray x = inputs[k];
            g.params().addi(Nd4j.randn(DataType.DOUBLE, g.params().shape()).muli(0.1)); // keys non-zero too
            String json = g.getConfiguration().toJson();
            ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
            assertEquals(json, back.toJson());
            ComputationGraph fromJson = new ComputationGraph(back);
            fromJson.init(g.params().dup(), false);
            INDArray[] expected = g.output(x);
            assertTrue(expected[0].equalsWithEps(fromJson.output(x)[0], 1e-12));
            File f = new File(dir, "m" + k + ".zip");
            ModelSerializer.writeModel(g, f, true);
            ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
            assertEquals(g.params(), restored.params());
            INDArray[] got = restored.output(x);
            for (int i = 0; i < expected.length; i++) {
                assertTrue(expected[i].equalsWithEps(got[i], 1e-12), "output " + i + " of graph " + k);
            }
        }
    }
}
