package io.github.dl4jcontinual.zoo.transformer;

import io.github.dl4jcontinual.distillation.DistillationLoss;
import io.github.dl4jcontinual.distillation.DistillationMode;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.File;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The transformer layers against plain ND4J reference computations, double-precision gradient checks of every
 * custom layer and loss (in one ViT and one full multi-output DAFormer graph), and JSON / ModelSerializer round
 * trips.
 */
class TransformerLayersTest {
    private static DataType before;
    private static DataType beforeFloat;

    @BeforeAll
    static void doubles() {
        before = Nd4j.dataType();
        beforeFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }

    @AfterAll
    static void restore() {
        Nd4j.setDefaultDataTypes(before, beforeFloat);
    }

    /** 8×8 images, patch 4 → 4 tokens, width 8, 2 heads. */
    private static Vit.Builder tinyVit(int classes, boolean cls) {
        return new Vit.Builder(classes).image(8, 8, 1).patchSize(4).embedDim(8).depth(2).heads(2).mlpRatio(1.5)
                .classToken(cls).dataType(DataType.DOUBLE).updater(new NoOp()).seed(7);
    }

    private static DaFormer.Builder tinyDaFormer(DaFormer.Edition ed, int... classes) {
        return new DaFormer.Builder(ed, classes).image(8, 8, 1).patchSize(4).embedDim(8).depth(2).heads(2)
                .mlpRatio(1.5).dataType(DataType.DOUBLE).updater(new NoOp()).seed(7);
    }

    private static INDArray images(int n) {
        Nd4j.getRandom().setSeed(3);
        return Nd4j.rand(DataType.DOUBLE, n, 64);
    }

    private static INDArray oneHot(int n, int classes) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, n, classes);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % classes, 1.0);
        }
        return y;
    }

    // ---------------------------------------------------------------- reference computations (plain ND4J)

    static INDArray refLayerNorm(INDArray x, INDArray g, INDArray b) {
        INDArray mu = x.mean(true, 1);
        INDArray xc = x.subColumnVector(mu);
        INDArray var = xc.mul(xc).mean(true, 1);
        return xc.divColumnVector(Transforms.sqrt(var.add(1e-5), false)).mulRowVector(g).addRowVector(b);
    }

    static INDArray refGelu(INDArray x) {
        INDArray inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
        return x.mul(0.5).mul(Transforms.tanh(inner, false).add(1.0));
    }

    /** Multi-head attention of one sample; taskKey / taskBias null for plain self-attention. */
    static INDArray refAttention(INDArray n, Map<String, INDArray> p, int heads, INDArray taskKey, INDArray taskBias) {
        int d = (int) n.size(1);
        int dh = d / heads;
        INDArray q = n.mmul(p.get("wq"));
        INDArray k = n.mmul(p.get("wk"));
        INDArray v = n.mmul(p.get("wv"));
        INDArray out = Nd4j.zeros(n.dataType(), n.size(0), d);
        for (int h = 0; h < heads; h++) {
            INDArray qh = q.get(NDArrayIndex.all(), NDArrayIndex.interval(h * dh, (h + 1) * dh)).div(Math.sqrt(dh));
            INDArray kh = k.get(NDArrayIndex.all(), NDArrayIndex.interval(h * dh, (h + 1) * dh));
            INDArray vh = v.get(NDArrayIndex.all(), NDArrayIndex.interval(h * dh, (h + 1) * dh));
            INDArray a = Transforms.softmax(qh.mmul(kh.transpose()), true);
            if (taskKey != null) {
                a = a.add(Transforms.softmax(qh.mmul(taskKey.transpose()).addRowVector(taskBias), true));
            }
            out.get(NDArrayIndex.all(), NDArrayIndex.interval(h * dh, (h + 1) * dh)).assign(a.mmul(vh));
        }
        return out;
    }

    /** A whole pre-norm block on one sample's tokens [T, D]. */
    static INDArray refBlock(INDArray x, Map<String, INDArray> p, int heads, INDArray taskKey, INDArray taskBias) {
        INDArray n1 = refLayerNorm(x, p.get("ln1g"), p.get("ln1b"));
        INDArray h = x.add(refAttention(n1, p, heads, taskKey, taskBias).mmul(p.get("wo")).addRowVector(p.get("bo")));
        INDArray n2 = refLayerNorm(h, p.get("ln2g"), p.get("ln2b"));
        INDArray m = refGelu(n2.mmul(p.get("w1")).addRowVector(p.get("b1"))).mmul(p.get("w2")).addRowVector(p.get("b2"));
        return h.add(m);
    }

    private static Map<String, INDArray> params(ComputationGraph g, String layer) {
        return g.getLayer(layer).paramTable();
    }

    @Test
    void patchEmbeddingMatchesReference() {
        ComputationGraph vit = tinyVit(3, true).build();
        INDArray x = images(3);
        INDArray tokens = vit.feedForward(x, false).get(Vit.PATCH);
        Map<String, INDArray> p = params(vit, Vit.PATCH);
        assertArrayEquals(new long[]{3, 5 * 8}, tokens.shape());
        for (int b = 0; b < 3; b++) {
            INDArray img = x.getRow(b).reshape(8, 8);
            INDArray ref = Nd4j.zeros(DataType.DOUBLE, 5, 8);
            ref.getRow(0).assign(p.get("cls"));
            for (int pr = 0; pr < 2; pr++) {
                for (int pc = 0; pc < 2; pc++) {
                    INDArray patch = img.get(NDArrayIndex.interval(pr * 4, pr * 4 + 4),
                            NDArrayIndex.interval(pc * 4, pc * 4 + 4)).dup().reshape(1, 16);
                    ref.getRow(1 + pr * 2 + pc).assign(patch.mmul(p.get("W")).add(p.get("b")));
                }
            }
            ref.addi(p.get("pos"));
            assertTrue(ref.equalsWithEps(tokens.getRow(b).reshape(5, 8), 1e-10), "sample " + b);
        }
    }

    @Test
    void selfAttentionBlockMatchesReference() {
        ComputationGraph vit = tinyVit(3, false).build();
        // make LayerNorm gains/biases and output biases non-trivial
        for (Map.Entry<String, INDArray> e : params(vit, Vit.block(0)).entrySet()) {
            if (e.getKey().startsWith("ln") || e.getKey().startsWith("b")) {
                e.getValue().addi(Nd4j.rand(DataType.DOUBLE, e.getValue().shape()).subi(0.5));
            }
        }
        INDArray x = images(3);
        Map<String, INDArray> acts = vit.feedForward(x, false);
        INDArray in = acts.get(Vit.PATCH);
        INDArray out = acts.get(Vit.block(0));
        for (int b = 0; b < 3; b++) {
            INDArray ref = refBlock(in.getRow(b).reshape(4, 8), params(vit, Vit.block(0)), 2, null, null);
            assertTrue(ref.equalsWithEps(out.getRow(b).reshape(4, 8), 1e-10), "sample " + b);
        }
        INDArray pooled = acts.get(Vit.POOL);
        Map<String, INDArray> pp = params(vit, Vit.POOL);
        INDArray last = acts.get(Vit.block(1)).getRow(0).reshape(4, 8);
        assertTrue(refLayerNorm(last, pp.get("g"), pp.get("b")).mean(true, 0).equalsWithEps(pooled.getRow(0)
                .reshape(1, 8), 1e-10));
    }

    @Test
    void dualAttentionBlockMatchesReference() {
        ComputationGraph g = tinyDaFormer(DaFormer.Edition.M, 2, 3).build();
        Map<String, INDArray> p = params(g, DaFormer.DUAL);
        for (String k : new String[]{"key0", "kbias0", "key1", "kbias1"}) {
            p.get(k).assign(Nd4j.randn(DataType.DOUBLE, p.get(k).shape()));
        }
        INDArray x = images(2);
        Map<String, INDArray> acts = g.feedForward(x, false);
        INDArray in = acts.get(DaFormer.SAB + 0);
        INDArray out = acts.get(DaFormer.DUAL);
        assertArrayEquals(new long[]{2, 16}, out.shape());
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 2; t++) {
                INDArray ref = refBlock(in.getRow(b).reshape(4, 8), p, 2, p.get("key" + t), p.get("kbias" + t))
                        .mean(true, 0);
                INDArray got = out.get(NDArrayIndex.point(b), NDArrayIndex.interval(t * 8, t * 8 + 8)).reshape(1, 8);
                assertTrue(ref.equalsWithEps(got, 1e-10), "sample " + b + ", key set " + t);
            }
        }
        // heads: LN + linear on each task's embedding, concatenated
        INDArray logits = acts.get(DaFormer.HEADS);
        Map<String, INDArray> h = params(g, DaFormer.HEADS);
        INDArray e1 = out.get(NDArrayIndex.interval(0, 2), NDArrayIndex.interval(8, 16));
        INDArray ref1 = refLayerNorm(e1, h.get("g1"), h.get("b1")).mmul(h.get("W1")).addRowVector(h.get("c1"));
        assertTrue(ref1.equalsWithEps(logits.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5)), 1e-10));
    }

    @Test
    void zeroTaskKeysGiveUniformTaskAttention() {
        // with zero keys A_task = 1/T: the block equals the reference with an explicit uniform map
        ComputationGraph g = tinyDaFormer(DaFormer.Edition.S, 3).build();
        Map<String, INDArray> p = params(g, DaFormer.DUAL);
        assertEquals(0.0, p.get("key0").amaxNumber().doubleValue());
        INDArray x = images(2);
        Map<String, INDArray> acts = g.feedForward(x, false);
        INDArray tokens = acts.get(DaFormer.SAB + 0).getRow(1).reshape(4, 8);
        // uniform map: softmax of a constant row; pass a key giving constant scores (zeros) explicitly
        INDArray ref = refBlock(tokens, p, 2, Nd4j.zeros(DataType.DOUBLE, 4, 4), Nd4j.zeros(DataType.DOUBLE, 1, 4))
                .mean(true, 0);
        assertTrue(ref.equalsWithEps(acts.get(DaFormer.DUAL).getRow(1).reshape(1, 8), 1e-10));
    }

    @Test
    void gradientCheckVit() {
        ComputationGraph vit = tinyVit(3, true).build();
        INDArray x = images(3);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(vit)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{oneHot(3, 3)}).epsilon(1e-6).maxRelError(1e-3)
                .minAbsoluteError(1e-8)));
    }

    @Test
    void gradientCheckDaFormerAllOutputs() {
        ComputationGraph g = tinyDaFormer(DaFormer.Edition.M, 2, 2).classificationWeight(0.5)
                .logitDistillation(2, 0.5).divergenceHead(2, 0.1).knnDistillation(1, 2, 0.5, 1.0).build();
        Map<String, INDArray> p = params(g, DaFormer.DUAL);
        for (String k : new String[]{"key0", "kbias0", "key1", "kbias1"}) {
            p.get(k).assign(Nd4j.randn(DataType.DOUBLE, p.get(k).shape()).muli(0.5));
        }
        int n = 5;
        INDArray x = images(n);
        INDArray teacherLogits = Nd4j.randn(DataType.DOUBLE, n, 2);
        INDArray kdTargets = new DistillationLoss(new int[2], 1.0, DistillationMode.OLD_CLASSES_SOFTMAX, 1.0)
                .softTargets(teacherLogits);
        INDArray teacherEmb = Nd4j.randn(DataType.DOUBLE, n, 8);
        assertEquals(java.util.List.of(DaFormer.OUT, DaFormer.KD, DaFormer.DIV, DaFormer.KNN),
                DaFormer.outputNames(g));
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{oneHot(n, 4), kdTargets, oneHot(n, 3), teacherEmb})
                .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)));
    }

    @Test
    void gradientCheckDaFormerShared() {
        ComputationGraph g = tinyDaFormer(DaFormer.Edition.S, 2, 2).build();
        params(g, DaFormer.DUAL).get("key0").assign(Nd4j.randn(DataType.DOUBLE, 4, 4));
        INDArray x = images(3);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{oneHot(3, 4)}).epsilon(1e-6).maxRelError(1e-3)
                .minAbsoluteError(1e-8)));
    }

    @Test
    void jsonAndModelSerializerRoundTrips(@TempDir File dir) throws Exception {
        ComputationGraph[] graphs = {tinyVit(3, true).build(), tinyDaFormer(DaFormer.Edition.M, 2, 2)
                .classificationWeight(0.5).logitDistillation(2, 0.5).divergenceHead(2, 0.1)
                .knnDistillation(1, 2, 0.5, 1.0).build(), tinyDaFormer(DaFormer.Edition.S, 2, 3).build()};
        INDArray x = images(4);
        for (ComputationGraph g : graphs) {
            g.params().addi(Nd4j.randn(DataType.DOUBLE, g.params().shape()).muli(0.1)); // keys non-zero too
            String json = g.getConfiguration().toJson();
            ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
            assertEquals(json, back.toJson());
            ComputationGraph fromJson = new ComputationGraph(back);
            fromJson.init(g.params().dup(), false);
            INDArray[] expected = g.output(x);
            assertTrue(expected[0].equalsWithEps(fromJson.output(x)[0], 1e-12));
            File f = new File(dir, "m" + System.nanoTime() + ".zip");
            ModelSerializer.writeModel(g, f, true);
            ComputationGraph restored = ModelSerializer.restoreComputationGraph(f, true);
            assertEquals(g.params(), restored.params());
            INDArray[] got = restored.output(x);
            for (int i = 0; i < expected.length; i++) {
                assertTrue(expected[i].equalsWithEps(got[i], 1e-12));
            }
        }
    }
}
