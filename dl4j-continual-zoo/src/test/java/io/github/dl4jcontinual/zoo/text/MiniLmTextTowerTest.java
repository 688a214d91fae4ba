package io.github.dl4jcontinual.zoo.text;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.InputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SameDiff rebuild of all-MiniLM-L6-v2 against onnxruntime running the original ONNX file (live, both from the
 * langchain4j jar), and learning through the frozen tower: prompt insertion reproduces the hand-written prompt,
 * gradients reach the context and adapters, and the tower's weights stay bit-identical.
 */
class MiniLmTextTowerTest {
    static final List<String> FASHION = List.of("T-shirt/top", "trouser", "pullover");
    private static BertTextEncoder encoder;
    private static WordPieceTokenizer tokenizer;

    @BeforeAll
    static void load() {
        encoder = BertTextEncoder.allMiniLmL6V2();
        tokenizer = WordPieceTokenizer.allMiniLmL6V2();
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    @Test
    void loadsTheSixLayerEncoderAndItsTokenizer() {
        assertEquals(6, encoder.layers());
        assertEquals(384, encoder.hidden());
        assertEquals(512, encoder.maxPositions());
        assertArrayEquals(new int[]{1037, 6302, 1997, 1037}, tokenizer.tokenize("a photo of a"));
        assertEquals(101, tokenizer.clsId());
        assertEquals(102, tokenizer.sepId());
    }

    @Test
    void embeddingsMatchOnnxRuntime() throws Exception {
        List<String> texts = List.of("a photo of a T-shirt/top.", "a photo of an ankle boot.", "seven",
                "Continual learning with prompts on a frozen sentence encoder.");
        INDArray ours = encoder.embed(tokenizer, texts);
        int[][] seqs = new int[texts.size()][];
        int t = 0;
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = TokenLayout.wrap(tokenizer, tokenizer.tokenize(texts.get(i)));
            t = Math.max(t, seqs[i].length);
        }
        long[][] ids = new long[seqs.length][t];
        long[][] mask = new long[seqs.length][t];
        for (int i = 0; i < seqs.length; i++) {
            for (int j = 0; j < seqs[i].length; j++) {
                ids[i][j] = seqs[i][j];
                mask[i][j] = 1;
            }
        }
        byte[] model;
        try (InputStream in = getClass().getResourceAsStream(BertTextEncoder.MINILM_ONNX_RESOURCE)) {
            assertNotNull(in);
            model = in.readAllBytes();
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        float[][][] states;
        try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor idT = OnnxTensor.createTensor(env, ids);
             OnnxTensor maskT = OnnxTensor.createTensor(env, mask);
             OnnxTensor typeT = OnnxTensor.createTensor(env, new long[seqs.length][t]);
             OrtSession.Result r = s.run(Map.of("input_ids", idT, "attention_mask", maskT, "token_type_ids", typeT))) {
            states = (float[][][]) r.get("output_0").orElseThrow().getValue();
        }
        for (int i = 0; i < seqs.length; i++) {
            float[] ref = new float[384];
            for (int j = 0; j < seqs[i].length; j++) {
                for (int d = 0; d < 384; d++) {
                    ref[d] += states[i][j][d] / seqs[i].length;
                }
            }
            INDArray expected = Nd4j.createFromArray(ref);
            INDArray actual = ours.getRow(i);
            double cos = Transforms.cosineSim(expected, actual);
            double maxDiff = expected.sub(actual).amaxNumber().doubleValue();
            System.out.printf("MiniLM vs onnxruntime, '%s': cosine %.7f, max |diff| %.2e%n", texts.get(i), cos, maxDiff);
            assertTrue(cos > 0.99999, "cosine " + cos + " for '" + texts.get(i) + "'");
            assertTrue(maxDiff < 1e-4, "max |difference| " + maxDiff + " for '" + texts.get(i) + "'");
        }
        // different texts really are different (the comparison could not pass with a constant output)
        assertTrue(Transforms.cosineSim(ours.getRow(0), ours.getRow(2)) < 0.9);
    }

    @Test
    void promptInitialisedFromAPhotoOfAReproducesTheHandWrittenPrompt() {
        PromptedTextTower tower = new PromptedTextTower.Builder().encoder(encoder).tokenizer(tokenizer)
                .classNames(FASHION).adapterAfterLayer(2, 8).build();
        INDArray prompted = tower.classEmbeddings(tower.allClasses());
        INDArray hand = encoder.embed(tokenizer, List.of("a photo of a T-shirt/top.", "a photo of a trouser.",
                "a photo of a pullover."));
        for (int c = 0; c < 3; c++) {
            double cos = Transforms.cosineSim(prompted.getRow(c), hand.getRow(c));
            assertTrue(cos > 0.99999, "class " + c + ": cosine " + cos);
        }
    }

    @Test
    void contextAndAdapterTrainThroughTheFrozenTower() {
        PromptedTextTower tower = new PromptedTextTower.Builder().encoder(encoder).tokenizer(tokenizer)
                .classNames(FASHION).adapterAfterLayer(3, 8).seed(3).build();
        SameDiff sd = tower.graph();
        // targets: hand-prompt embeddings of the classes rotated by one, so the prompts must move
        INDArray targets = encoder.embed(tokenizer, List.of("a photo of a trouser.", "a photo of a pullover.",
                "a photo of a T-shirt/top."));
        SDVariable tgt = sd.constant("targets", normRows(targets).transpose().dup());
        SDVariable text = tower.output();
        SDVariable norm = text.div(text.norm2(true, 1));
        SDVariable logits = norm.mmul(tgt).mul(20.0);
        SDVariable loss = logits.sub(sd.math().log(sd.math().exp(logits).sum(true, 1))).mul(sd.constant("eye", Nd4j.eye(3).castTo(DataType.FLOAT)))
                .sum().neg().div(3.0).rename("loss");
        sd.setLossVariables(loss);
        Map<String, INDArray> frozen = new HashMap<>();
        for (String w : encoder.weightNames()) {
            if (sd.hasVariable("tower/" + w)) {
                frozen.put(w, sd.getArrForVarName("tower/" + w).dup());
            }
        }
        assertEquals(6 * 16 + 3, frozen.size(), "tower constants in the graph");
        Map<String, INDArray> feed = tower.feed(tower.allClasses());
        INDArray ctx0 = tower.context();
        double first = loss.eval(feed).getDouble(0);
        for (int step = 0; step < 6; step++) {
            Map<String, INDArray> g = sd.calculateGradients(feed, tower.trainableVariables());
            for (String v : tower.trainableVariables()) {
                INDArray grad = g.get(v);
                assertNotNull(grad, "no gradient for " + v);
                assertFalse(grad.isNaN().any() || grad.isInfinite().any(), "non-finite gradient for " + v);
                sd.getArrForVarName(v).subi(grad.mul(0.5));
            }
        }
        double last = loss.eval(feed).getDouble(0);
        System.out.printf("prompt+adapter training through the frozen MiniLM: loss %.4f -> %.4f%n", first, last);
        assertTrue(last < first - 0.05, "loss " + first + " -> " + last);
        assertTrue(tower.context().sub(ctx0).amaxNumber().doubleValue() > 1e-4, "context did not move");
        assertTrue(sd.getArrForVarName("text_adapter3_w2").amaxNumber().doubleValue() > 0, "adapter did not move");
        for (Map.Entry<String, INDArray> e : frozen.entrySet()) {
            assertTrue(Arrays.equals(e.getValue().data().asFloat(),
                    sd.getArrForVarName("tower/" + e.getKey()).data().asFloat()), e.getKey() + " changed");
        }
    }

    private static INDArray normRows(INDArray x) {
        return x.divColumnVector(x.norm2(1).reshape(-1, 1));
    }
}
