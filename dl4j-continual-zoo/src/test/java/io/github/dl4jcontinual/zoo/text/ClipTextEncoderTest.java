package io.github.dl4jcontinual.zoo.text;

import io.github.dl4jcontinual.zoo.FiniteDifferences;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ClipTextEncoder} on a tiny random CLIP text tower written as a PyTorch-style ONNX file
 * ({@link TinyClip}): outputs against an independent reference forward in plain Java double loops (every sequence
 * alone, without padding), the causal mask, EOT pooling, missing/mis-shaped weights, and a finite-difference
 * gradient check of a prompt context and an adapter through the frozen tower ({@link PromptedTextTower}).
 */
class ClipTextEncoderTest {
    private static final int[][] SEQS = {
            {10, 1, 2, 3, 1, 4, 6, 11},
            {10, 5, 11},
            {10, 7, 8, 9, 11},
            {10, 4, 11, 1, 2}};     // EOT not last: pooled at position 2 (highest id)
    private static Map<String, INDArray> read;
    private static ClipTextEncoder clip;

    @BeforeAll
    static void load() throws IOException {
        read = OnnxInitializers.read(new ByteArrayInputStream(TinyClip.onnx(TinyClip.weights(3))));
        clip = new ClipTextEncoder(read, TinyClip.HEADS, 1e-5, ClipTextEncoder.Activation.QUICK_GELU,
                ClipTextEncoder.EotRule.highestId());
    }

    @Test
    void anonymousMatMulWeightsAreRenamedToHuggingFaceNames() {
        Map<String, INDArray> w = TinyClip.weights(3);
        for (String name : ClipTextEncoder.requiredWeightNames(2)) {
            assertTrue(read.containsKey(name), name);
            assertEquals(w.get(name), read.get(name).reshape(w.get(name).shape()), name);
        }
        assertFalse(read.keySet().stream().anyMatch(k -> k.startsWith("onnx::")), read.keySet().toString());
        assertEquals(2, clip.layers());
        assertEquals(TinyClip.D, clip.hidden());
        assertEquals(TinyClip.PROJ, clip.outputWidth());
        assertEquals(TinyClip.POSITIONS, clip.maxPositions());
    }

    @Test
    void matchesTheReferenceForwardInDouble() {
        INDArray emb = clip.embedIds(SEQS, DataType.DOUBLE);
        INDArray states = clip.lastHiddenState(SEQS, DataType.DOUBLE);
        double maxEmb = 0;
        double maxState = 0;
        int[] eot = {7, 2, 4, 2};
        for (int i = 0; i < SEQS.length; i++) {
            double[][] ref = referenceStates(SEQS[i], TinyClip.HEADS, false);
            for (int t = 0; t < SEQS[i].length; t++) {
                for (int d = 0; d < TinyClip.D; d++) {
                    maxState = Math.max(maxState, Math.abs(ref[t][d] - states.getDouble(i, t, d)));
                }
            }
            double[] p = project(ref[eot[i]]);
            for (int e = 0; e < p.length; e++) {
                maxEmb = Math.max(maxEmb, Math.abs(p[e] - emb.getDouble(i, e)));
            }
        }
        System.out.println("CLIP vs reference (double): max |diff| embeddings " + maxEmb + ", token states " + maxState);
        assertTrue(maxEmb < 1e-9, "max |diff| embeddings " + maxEmb);
        assertTrue(maxState < 1e-9, "max |diff| token states " + maxState);
        assertTrue(emb.norm2Number().doubleValue() > 1, "non-trivial embeddings");
    }

    @Test
    void erfGeluVariantMatchesTheReference() {
        ClipTextEncoder gelu = new ClipTextEncoder(read, TinyClip.HEADS, 1e-5, ClipTextEncoder.Activation.GELU,
                ClipTextEncoder.EotRule.highestId());
        INDArray emb = gelu.embedIds(new int[][]{SEQS[2]}, DataType.DOUBLE);
        double[] p = project(referenceStates(SEQS[2], TinyClip.HEADS, true)[4]);
        for (int e = 0; e < p.length; e++) {
            assertEquals(p[e], emb.getDouble(0, e), 1e-9);
        }
    }

    @Test
    void causalMaskKeepsEarlierPositionsUnchanged() {
        int[][] seqs = {{10, 1, 2, 3, 4, 11}, {10, 1, 2, 3, 9, 11}};
        INDArray s = clip.lastHiddenState(seqs, DataType.DOUBLE);
        for (int t = 0; t < 4; t++) {
            double d = s.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex
                    .point(t)).sub(s.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(t))).amaxNumber().doubleValue();
            assertEquals(0.0, d, 1e-12, "position " + t);
        }
        for (int t = 4; t < 6; t++) {
            double d = Math.abs(s.getDouble(0, t, 0) - s.getDouble(1, t, 0))
                    + Math.abs(s.getDouble(0, t, 1) - s.getDouble(1, t, 1));
            assertTrue(d > 1e-4, "position " + t + " should change, diff " + d);
        }
    }

    @Test
    void eotPoolingPicksTheRightRow() {
        INDArray states = clip.lastHiddenState(SEQS, DataType.DOUBLE);
        INDArray proj = clip.weight(ClipTextEncoder.PROJECTION).castTo(DataType.DOUBLE);
        INDArray emb = clip.embedIds(SEQS, DataType.DOUBLE);
        int[] eot = {7, 2, 4, 2};
        for (int i = 0; i < SEQS.length; i++) {
            assertEquals(eot[i], clip.eotRule().position(SEQS[i]));
            for (int t = 0; t < SEQS[i].length; t++) {
                INDArray row = states.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(t)).reshape(1, TinyClip.D).mmul(proj);
                double d = row.sub(emb.getRow(i).reshape(1, TinyClip.PROJ)).amaxNumber().doubleValue();
                assertEquals(t == eot[i], d < 1e-12, "sequence " + i + " position " + t + " diff " + d);
            }
        }
        ClipTextEncoder first = new ClipTextEncoder(read, TinyClip.HEADS, 1e-5,
                ClipTextEncoder.Activation.QUICK_GELU, ClipTextEncoder.EotRule.firstOf(1));
        INDArray byId = first.embedIds(new int[][]{SEQS[0]}, DataType.DOUBLE);
        INDArray at1 = states.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                org.nd4j.linalg.indexing.NDArrayIndex.point(1)).reshape(1, TinyClip.D).mmul(proj);
        assertTrue(byId.sub(at1).amaxNumber().doubleValue() < 1e-12);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> first.embedIds(new int[][]{{10, 4, 11}},
                DataType.DOUBLE)).getMessage().contains("End-of-text id 1 not in"));
    }

    @Test
    void promptedTowerPoolsAtTheEndTokenLikeTheWrittenPrompt() {
        PromptedTextTower tower = new PromptedTextTower.Builder().encoder(clip).tokenizer(TinyClip.TOKENIZER)
                .classNames(List.of("cat", "big red car")).build();
        INDArray prompted = tower.classEmbeddings(0, 1);
        INDArray written = clip.embed(TinyClip.TOKENIZER, List.of("a photo of a cat.", "a photo of a big red car."));
        assertEquals(TinyClip.PROJ, prompted.size(1));
        assertTrue(prompted.sub(written).amaxNumber().doubleValue() < 1e-5,
                "prompted " + prompted + " written " + written);
    }

    @Test
    void promptContextAndAdapterThroughClipPassGradientCheck() {
        PromptedTextTower tower = new PromptedTextTower.Builder().encoder(clip).tokenizer(TinyClip.TOKENIZER)
                .classNames(List.of("cat", "big dog", "red car .")).adapterAfterLayer(0, 3)
                .dataType(DataType.DOUBLE).seed(5).build();
        SameDiff sd = tower.graph();
        sd.getArrForVarName("text_adapter0_w2").assign(Nd4j.randn(DataType.DOUBLE, 3, TinyClip.D).muli(0.3));
        SDVariable r = sd.constant("r", Nd4j.randn(DataType.DOUBLE, 3, TinyClip.PROJ));
        SDVariable out = tower.output();
        sd.setLossVariables(out.mul(r).sum().add(out.mul(out).sum().mul(0.1)).rename("gc_loss"));
        int checked = FiniteDifferences.check(sd, tower.feed(0, 1, 2), tower.trainableVariables());
        assertTrue(checked > 50, "checked " + checked);
    }

    /** A miniature of CLIP's tokenizer.json: lower-casing, BPE with the end-of-word suffix, Roberta post-processor. */
    private static final String CLIP_LIKE_TOKENIZER = "{\"version\":\"1.0\",\"truncation\":null,\"padding\":null,"
            + "\"added_tokens\":[{\"id\":12,\"content\":\"<|startoftext|>\",\"single_word\":false,\"lstrip\":false,"
            + "\"rstrip\":false,\"normalized\":true,\"special\":true},{\"id\":13,\"content\":\"<|endoftext|>\","
            + "\"single_word\":false,\"lstrip\":false,\"rstrip\":false,\"normalized\":true,\"special\":true}],"
            + "\"normalizer\":{\"type\":\"Lowercase\"},\"pre_tokenizer\":{\"type\":\"WhitespaceSplit\"},"
            + "\"post_processor\":{\"type\":\"RobertaProcessing\",\"sep\":[\"<|endoftext|>\",13],"
            + "\"cls\":[\"<|startoftext|>\",12],\"trim_offsets\":false,\"add_prefix_space\":false},"
            + "\"decoder\":null,\"model\":{\"type\":\"BPE\",\"dropout\":null,\"unk_token\":\"<|endoftext|>\","
            + "\"continuing_subword_prefix\":\"\",\"end_of_word_suffix\":\"</w>\",\"fuse_unk\":false,"
            + "\"vocab\":{\"c\":0,\"a\":1,\"t\":2,\"d\":3,\"o\":4,\"g\":5,\"t</w>\":6,\"g</w>\":7,\"ca\":8,"
            + "\"cat</w>\":9,\"do\":10,\"dog</w>\":11,\"<|startoftext|>\":12,\"<|endoftext|>\":13},"
            + "\"merges\":[\"c a\",\"ca t</w>\",\"d o\",\"do g</w>\"]}}";

    @Test
    void aClipStyleBpeTokenizerJsonLoads() throws IOException {
        java.nio.file.Path f = java.nio.file.Files.createTempFile("clip-tokenizer", ".json");
        try {
            java.nio.file.Files.writeString(f, CLIP_LIKE_TOKENIZER);
            try (WordPieceTokenizer tok = WordPieceTokenizer.fromFile(f)) {
                assertEquals(12, tok.clsId());
                assertEquals(13, tok.sepId());
                assertEquals(List.of(9, 11), java.util.Arrays.stream(tok.tokenize("Cat  DOG")).boxed()
                        .collect(java.util.stream.Collectors.toList()));
                int[] wrapped = TokenLayout.wrap(tok, tok.tokenize("dog cat"));
                assertEquals(3, ClipTextEncoder.EotRule.highestId().position(wrapped));
            }
        } finally {
            java.nio.file.Files.deleteIfExists(f);
        }
    }

    @Test
    void missingAndMisShapedWeightsAreNamed() {
        Map<String, INDArray> w = new LinkedHashMap<>(read);
        w.remove("text_model.encoder.layers.1.mlp.fc2.bias");
        w.remove("text_projection.weight");
        String msg = assertThrows(IllegalArgumentException.class, () -> new ClipTextEncoder(w)).getMessage();
        assertTrue(msg.contains("text_model.encoder.layers.1.mlp.fc2.bias") && msg.contains("text_projection.weight"),
                msg);
        String none = assertThrows(IllegalArgumentException.class, () -> new ClipTextEncoder(Map.of("x",
                Nd4j.ones(2)))).getMessage();
        assertTrue(none.contains("text_model.embeddings.token_embedding.weight"), none);
        Map<String, INDArray> t = new LinkedHashMap<>(read);
        t.put("text_model.encoder.layers.0.mlp.fc1.weight", read.get("text_model.encoder.layers.0.mlp.fc1.weight")
                .transpose().dup());
        String shape = assertThrows(IllegalArgumentException.class, () -> new ClipTextEncoder(t, 2, 1e-5,
                ClipTextEncoder.Activation.QUICK_GELU, ClipTextEncoder.EotRule.highestId())).getMessage();
        assertTrue(shape.contains("layers.0.mlp") && shape.contains("[in, out]"), shape);
        String heads = assertThrows(IllegalArgumentException.class, () -> new ClipTextEncoder(read)).getMessage();
        assertTrue(heads.contains("got: 0 = width / 64"), heads);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> clip.embedIds(new int[][]{new int[17]},
                DataType.DOUBLE)).getMessage().contains("got: 17"));
    }

    // ---- independent reference: one sequence, no padding, plain double loops ----

    private static double[][] m(String name) {
        return read.get(name).castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    private static double[] v(String name) {
        return read.get(name).castTo(DataType.DOUBLE).toDoubleVector();
    }

    private static double[][] referenceStates(int[] ids, int heads, boolean erfGelu) {
        int n = ids.length;
        int d = TinyClip.D;
        double[][] tok = m("text_model.embeddings.token_embedding.weight");
        double[][] pos = m("text_model.embeddings.position_embedding.weight");
        double[][] x = new double[n][d];
        for (int t = 0; t < n; t++) {
            for (int j = 0; j < d; j++) {
                x[t][j] = tok[ids[t]][j] + pos[t][j];
            }
        }
        int dh = d / heads;
        for (int l = 0; l < 2; l++) {
            String p = "text_model.encoder.layers." + l + ".";
            double[][] h = layerNorm(x, v(p + "layer_norm1.weight"), v(p + "layer_norm1.bias"));
            double[][] q = dense(h, p + "self_attn.q_proj");
            double[][] k = dense(h, p + "self_attn.k_proj");
            double[][] val = dense(h, p + "self_attn.v_proj");
            double[][] ctx = new double[n][d];
            for (int hd = 0; hd < heads; hd++) {
                for (int i = 0; i < n; i++) {
                    double[] s = new double[i + 1];      // causal: keys 0..i only
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        for (int c = hd * dh; c < (hd + 1) * dh; c++) {
                            s[j] += q[i][c] * k[j][c];
                        }
                        s[j] /= Math.sqrt(dh);
                        max = Math.max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j <= i; j++) {
                        s[j] = Math.exp(s[j] - max);
                        z += s[j];
                    }
                    for (int j = 0; j <= i; j++) {
                        for (int c = hd * dh; c < (hd + 1) * dh; c++) {
                            ctx[i][c] += s[j] / z * val[j][c];
                        }
                    }
                }
            }
            add(x, dense(ctx, p + "self_attn.out_proj"));
            double[][] f = dense(layerNorm(x, v(p + "layer_norm2.weight"), v(p + "layer_norm2.bias")), p + "mlp.fc1");
            for (double[] row : f) {
                for (int j = 0; j < row.length; j++) {
                    double a = row[j];
                    row[j] = erfGelu ? 0.5 * a * (1 + erf(a / Math.sqrt(2))) : a / (1 + Math.exp(-1.702 * a));
                }
            }
            add(x, dense(f, p + "mlp.fc2"));
        }
        return layerNorm(x, v("text_model.final_layer_norm.weight"), v("text_model.final_layer_norm.bias"));
    }

    /** erf by its Taylor series (200 terms; cancellation keeps it within ~1e-12 for the |a| < 3.5 seen here). */
    private static double erf(double a) {
        double sum = 0;
        double term = a;
        for (int k = 0; k < 200; k++) {
            sum += term / (2 * k + 1);
            term *= -a * a / (k + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private static double[] project(double[] h) {
        double[][] w = m("text_projection.weight");
        double[] out = new double[w[0].length];
        for (int i = 0; i < h.length; i++) {
            for (int j = 0; j < out.length; j++) {
                out[j] += h[i] * w[i][j];
            }
        }
        return out;
    }

    private static double[][] dense(double[][] x, String module) {
        double[][] w = m(module + ".weight");
        double[] b = v(module + ".bias");
        double[][] out = new double[x.length][b.length];
        for (int t = 0; t < x.length; t++) {
            for (int j = 0; j < b.length; j++) {
                double s = b[j];
                for (int i = 0; i < x[t].length; i++) {
                    s += x[t][i] * w[i][j];
                }
                out[t][j] = s;
            }
        }
        return out;
    }

    private static void add(double[][] x, double[][] y) {
        for (int t = 0; t < x.length; t++) {
            for (int j = 0; j < x[t].length; j++) {
                x[t][j] += y[t][j];
            }
        }
    }

    private static double[][] layerNorm(double[][] x, double[] g, double[] b) {
        double[][] out = new double[x.length][];
        for (int t = 0; t < x.length; t++) {
            double mean = 0;
            for (double a : x[t]) {
                mean += a / x[t].length;
            }
            double var = 0;
            for (double a : x[t]) {
                var += (a - mean) * (a - mean) / x[t].length;
            }
            out[t] = new double[x[t].length];
            for (int j = 0; j < x[t].length; j++) {
                out[t][j] = (x[t][j] - mean) / Math.sqrt(var + 1e-5) * g[j] + b[j];
            }
        }
        return out;
    }
}
