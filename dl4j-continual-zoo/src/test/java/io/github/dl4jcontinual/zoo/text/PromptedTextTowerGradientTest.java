package io.github.dl4jcontinual.zoo.text;

import io.github.dl4jcontinual.zoo.FiniteDifferences;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Central finite-difference gradient checks (double precision, every element of every trainable variable) of the SameDiff BERT encoder with learnable prompt tokens
 * and residual adapters, on a tiny random 2-layer encoder with a toy word tokenizer; plus the configuration errors.
 */
class PromptedTextTowerGradientTest {
    private static void assertGradientsHold(PromptedTextTower tower) {
        SameDiff sd = tower.graph();
        for (String v : tower.trainableVariables()) {
            if (v.endsWith("_w2")) {   // a fresh adapter's W2 is 0: randomise so every path carries gradient
                sd.getArrForVarName(v).assign(Nd4j.randn(DataType.DOUBLE, sd.getArrForVarName(v).shape()).muli(0.3));
            }
        }
        SDVariable r = sd.constant("r", Nd4j.randn(DataType.DOUBLE, 3, 8));
        SDVariable out = tower.output();
        SDVariable loss = out.mul(r).sum().add(out.mul(out).sum().mul(0.1)).rename("gc_loss");
        sd.setLossVariables(loss);
        int checked = FiniteDifferences.check(sd, tower.feed(0, 1, 2), tower.trainableVariables());
        assertTrue(checked > 50, "checked " + checked);
    }

    @Test
    void contextBeforeNameWithAdapterPassesGradientCheck() {
        PromptedTextTower tower = new PromptedTextTower.Builder().encoder(TinyBert.encoder()).tokenizer(TinyBert.TOKENIZER)
                .classNames(List.of("cat", "big dog", "big big cat")).adapterAfterLayer(0, 3)
                .dataType(DataType.DOUBLE).seed(11).build();
        assertEquals(4, tower.contextLength());
        assertEquals(1 + 4 + 3 + 1 + 1, tower.tokens());
        assertEquals(List.of("ctx", "text_adapter0_w1", "text_adapter0_b1", "text_adapter0_w2", "text_adapter0_b2"),
                tower.trainableVariables());
        assertGradientsHold(tower);
    }

    @Test
    void randomContextAfterNameWithAdaptersAfterBothLayersPassesGradientCheck() {
        PromptedTextTower tower = new PromptedTextTower.Builder().encoder(TinyBert.encoder()).tokenizer(TinyBert.TOKENIZER)
                .classNames(List.of("dog", "cat", "big cat")).randomContext(2)
                .position(PromptedTextTower.ContextPosition.AFTER_NAME).suffix(null).adapterAfterLayer(0, 2)
                .adapterAfterLayer(1, 2).dataType(DataType.DOUBLE).seed(12).build();
        assertEquals(1 + 2 + 2 + 1, tower.tokens());
        assertGradientsHold(tower);
    }

    @Test
    void paddingDoesNotChangeAnEmbedding() {
        BertTextEncoder enc = TinyBert.encoder();
        INDArray alone = enc.embed(TinyBert.TOKENIZER, List.of("a cat"));
        INDArray padded = enc.embed(TinyBert.TOKENIZER, List.of("a cat", "a big big photo of a dog ."));
        assertTrue(alone.getRow(0).sub(padded.getRow(0)).amaxNumber().doubleValue() < 1e-6);
    }

    @Test
    void badConfigurationsNameTheValue() {
        Map<String, INDArray> w = TinyBert.weights(1);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BertTextEncoder(w, 3, 1e-12))
                .getMessage().contains("got: 3"));
        Map<String, INDArray> missing = new LinkedHashMap<>(w);
        missing.remove("encoder.layer.1.output.dense.bias");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new BertTextEncoder(missing, 2, 1e-12))
                .getMessage().contains("encoder.layer.1.output.dense.bias"));
        PromptedTextTower.Builder b = new PromptedTextTower.Builder().encoder(new BertTextEncoder(w, 2, 1e-12))
                .tokenizer(TinyBert.TOKENIZER).classNames(List.of("cat")).adapterAfterLayer(5, 2);
        assertTrue(assertThrows(IllegalArgumentException.class, b::build).getMessage().contains("Adapter layer 5"));
        PromptedTextTower ok = new PromptedTextTower.Builder().encoder(new BertTextEncoder(w, 2, 1e-12))
                .tokenizer(TinyBert.TOKENIZER).classNames(List.of("cat")).build();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ok.feed(1)).getMessage().contains("Class 1"));
    }
}
