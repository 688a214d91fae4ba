package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
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
 * The ViT's transformer layers against plain ND4J reference computations, a double-precision gradient check of
 * the ViT, and JSON / ModelSerializer round trips. The dual-attention layers, task heads and the recipe's losses are
 * checked in {@code zoo.daformer.DaFormerGraphTest} on the graphs the DAFormer plugin builds.
 */
@org.junit.jupiter.api.extension.ExtendWith(io.github.dl4jcontinual.testutil.Doubles.ForClass.class)
public class TransformerLayersTest {
    /** 8×8 images, patch 4 → 4 tokens, width 8, 2 heads. */
    private static Vit.Builder tinyVit(int classes, boolean cls) {
        return new Vit.Builder(classes).image(8, 8, 1).patchSize(4).embedDim(8).depth(2).heads(2).mlpRatio(1.5)
                .classToken(cls).dataType(DataType.DOUBLE).updater(new NoOp()).seed(7);
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

    public static INDArray refLayerNorm(INDArray x, INDArray g, INDArray b) {
        INDArray mu = x.mean(true, 1);
        INDArray xc = x.subColumnVector(mu);
        INDArray var = xc.mul(xc).mean(true, 1);
        return xc.divColumnVector(Transforms.sqrt(var.add(1e-5), false)).mulRowVector(g).addRowVector(b);
    }

    public static INDArray refGelu(INDArray x) {
        INDArray inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
        return x.mul(0.5).mul(Transforms.tanh(inner, false).add(1.0));
    }

    /** Multi-head attention of one sample; taskKey / taskBias null for plain self-attention. */
    public static INDArray refAttention(INDArray n, Map<String, INDArray> p, int heads, INDArray taskKey, INDArray taskBias) {
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
    public static INDArray refBlock(INDArray x, Map<String, INDArray> p, int heads, INDArray taskKey, INDArray taskBias) {
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
    void gradientCheckVit() {
        ComputationGraph vit = tinyVit(3, true).build();
        INDArray x = images(3);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(vit)
                .inputs(new INDArray[]{x}).labels(new INDArray[]{oneHot(3, 3)}).epsilon(1e-6).maxRelError(1e-3)
                .minAbsoluteError(1e-8)));
    }

    @Test
    void jsonAndModelSerializerRoundTrips(@TempDir File dir) throws Exception {
        ComputationGraph[] graphs = {tinyVit(3, true).build(), tinyVit(2, false).build()};
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
