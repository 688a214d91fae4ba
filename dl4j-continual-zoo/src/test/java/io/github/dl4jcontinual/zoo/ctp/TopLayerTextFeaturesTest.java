package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.TinyBert;
import io.github.dl4jcontinual.zoo.text.WordPieceTokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The partly trainable text tower: cached lower layers + trainable top layers of a BERT encoder in the graph. */
class TopLayerTextFeaturesTest {
    private static final List<String> CAPTIONS = List.of("a cat", "a big dog .", "a photo of a cat", "a dog");

    private static INDArray pooled(TopLayerTextFeatures top, List<String> captions) {
        DualEncoder enc = new DualEncoder(new DualEncoder.Spec(4, 3, 1, 2, 3, 0.5, 0.7).withTrainableText(top),
                EnumSet.noneOf(LossTerm.class), DataType.FLOAT, 1);
        return enc.graph().output(Map.of("img", Nd4j.zeros(DataType.FLOAT, captions.size(), 4),
                "txt", top.features(captions)), "txt_pooled").get("txt_pooled");
    }

    @Test
    void untrainedTopLayersReproduceTheFrozenEmbedding() {
        BertTextEncoder bert = TinyBert.encoder();
        INDArray frozen = new CachedTextFeatures(bert, TinyBert.TOKENIZER).features(CAPTIONS);
        int t = TopLayerTextFeatures.longest(TinyBert.TOKENIZER, CAPTIONS);
        assertEquals(7, t);
        for (int k = 1; k <= 2; k++) {
            TopLayerTextFeatures top = new TopLayerTextFeatures(bert, TinyBert.TOKENIZER, k, t + 2);
            assertEquals((t + 2) * 9, top.dim());
            INDArray out = pooled(top, CAPTIONS);
            assertTrue(frozen.equalsWithEps(out, 1e-5), k + " layers: " + frozen + " vs " + out);
        }
    }

    @Test
    void untrainedTopMiniLmLayerReproducesTheFrozenMiniLm() {
        BertTextEncoder minilm = BertTextEncoder.allMiniLmL6V2();
        List<String> caps = List.of("a photo of a small light sneaker.", "a bold, right-slanted handwritten digit seven.");
        try (WordPieceTokenizer tok = WordPieceTokenizer.allMiniLmL6V2()) {
            INDArray frozen = new CachedTextFeatures(minilm, tok).features(caps);
            TopLayerTextFeatures top = new TopLayerTextFeatures(minilm, tok, 1, TopLayerTextFeatures.longest(tok, caps));
            assertEquals(16, top.variableNames().size());
            assertTrue(top.variableNames().get(0).startsWith("txt_bert.encoder.layer.5."), top.variableNames().get(0));
            INDArray out = pooled(top, caps);
            assertTrue(frozen.equalsWithEps(out, 1e-5), "max diff " + frozen.sub(out).amaxNumber());
        }
    }

    @Test
    void everyParameterGradientMatchesFiniteDifferencesThroughTheTrainableLayer() {
        BertTextEncoder bert = TinyBert.encoder();
        TopLayerTextFeatures top = new TopLayerTextFeatures(bert, TinyBert.TOKENIZER, 1,
                TopLayerTextFeatures.longest(TinyBert.TOKENIZER, CAPTIONS));
        DualEncoder enc = new DualEncoder(new DualEncoder.Spec(4, 3, 1, 2, 3, 0.5, 0.7).withTrainableText(top),
                EnumSet.of(LossTerm.ITA, LossTerm.LUCIR), DataType.DOUBLE, 3);
        Nd4j.getRandom().setSeed(5);
        Map<String, INDArray> p = enc.copyParameters();
        // perturb the pretrained copy and randomise the rest (the adapter's W2 starts at 0)
        p.replaceAll((k, v) -> k.startsWith(TopLayerTextFeatures.PREFIX)
                ? v.add(Nd4j.rand(DataType.DOUBLE, v.shape()).subi(0.5).muli(0.2))
                : Nd4j.rand(DataType.DOUBLE, v.shape()).subi(0.5));
        enc.setParameters(p);
        int n = CAPTIONS.size();
        Map<String, INDArray> f = new HashMap<>();
        f.put("img", Nd4j.rand(DataType.DOUBLE, n, 4));
        f.put("txt", top.features(CAPTIONS).castTo(DataType.DOUBLE));
        f.put("ita_target", CtpPlugin.positives(new int[]{0, 1, 2, 3}, new int[]{0, 1, 2, 3}).castTo(DataType.DOUBLE));
        f.put("ref_hv", Nd4j.rand(DataType.DOUBLE, n, 3));
        f.put("ref_hw", Nd4j.rand(DataType.DOUBLE, n, 8));
        f.put(LossTerm.ITA.weightName(), Nd4j.scalar(0.7));
        f.put(LossTerm.LUCIR.weightName(), Nd4j.scalar(1.3));
        Map<String, INDArray> g = enc.graph().calculateGradients(f, enc.parameterNames());
        int layer = 4 * (8 * 8 + 8) + (8 * 12 + 12) + (12 * 8 + 8) + 2 * (8 + 8);
        int rest = (4 * 3 + 3) + (3 * 3 + 3) + (8 * 2 + 2 + 2 * 8 + 8) + (8 * 3 + 3) + 1;
        assertEquals(layer + rest, DualEncoderGradientTest.finiteDifferences(enc, f, g));
        assertTrue(g.get("txt_bert.encoder.layer.1.attention.self.query.weight").norm2Number().doubleValue() > 1e-6);
    }

    @Test
    void trainedTopLayerIsCheckpointedAndLongCaptionsAreRejected(@TempDir Path dir) {
        BertTextEncoder bert = TinyBert.encoder();
        TopLayerTextFeatures top = new TopLayerTextFeatures(bert, TinyBert.TOKENIZER, 1, 6);
        Random r = new Random(2);
        List<String> caps = new ArrayList<>();
        float[][] img = new float[16][8];
        for (int i = 0; i < 16; i++) {
            caps.add(CAPTIONS.get(i % 4).equals("a photo of a cat") ? "a big cat" : CAPTIONS.get(i % 4));
            for (int j = 0; j < 8; j++) {
                img[i][j] = (j % 4 == i % 4 ? 1f : 0f) + 0.1f * r.nextFloat();
            }
        }
        PairDataset d = new PairDataset(Nd4j.createFromArray(img), caps, new int[16]);
        PairStream s = new PairStream(List.of("only"), List.of(d), List.of(d));
        // the plugin does not train the top text layers yet (docs/ctp.md §9): only the variables are checked here
        assertTrue(top.variableNames().contains(TopLayerTextFeatures.PREFIX
                + "encoder.layer.1.attention.self.query.weight"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> top.features(List.of("a photo of a big cat")));
        assertEquals("sequence 0 has 8 tokens with [CLS]/[SEP], more than the 6 positions allowed", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TopLayerTextFeatures(bert, TinyBert.TOKENIZER, 3, 6));
        assertEquals("trainable text layers should be in [1, 2] (got: 3)", e.getMessage());
    }
}
