package io.github.dl4jcontinual.zoo.text;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A tiny random BERT (2 layers, width 8, 2 heads, vocabulary of 10 words) and its toy tokenizer, for mechanics tests. */
public final class TinyBert {
    private TinyBert() {
    }

    /** Whitespace tokenizer over a fixed 9-word vocabulary; [CLS] = 1, [SEP] = 2. */
    public static final TextTokenizer TOKENIZER = wordTokenizer(List.of("[PAD]", "[CLS]", "[SEP]", "a", "photo", "of",
            "cat", "dog", ".", "big"), 1, 2);

    /** Whitespace tokenizer ("." split off) whose ids are the words' indices in {@code vocab}; unknown words throw. */
    public static TextTokenizer wordTokenizer(List<String> vocab, int cls, int sep) {
        return new TextTokenizer() {
            @Override
            public int[] tokenize(String text) {
                return Arrays.stream(text.replace(".", " .").trim().split("\\s+")).mapToInt(w -> {
                    int i = vocab.indexOf(w);
                    if (i < 0) {
                        throw new IllegalArgumentException("unknown word " + w);
                    }
                    return i;
                }).toArray();
            }

            @Override
            public int clsId() {
                return cls;
            }

            @Override
            public int sepId() {
                return sep;
            }
        };
    }

    /** Random Hugging Face-named weights of a 2-layer, width-8, 2-head BERT (double). */
    public static Map<String, INDArray> weights(long seed) {
        Nd4j.getRandom().setSeed(seed);
        int d = 8;
        int h = 12;
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("embeddings.word_embeddings.weight", Nd4j.randn(DataType.DOUBLE, 10, d));
        w.put("embeddings.position_embeddings.weight", Nd4j.randn(DataType.DOUBLE, 16, d).muli(0.3));
        w.put("embeddings.token_type_embeddings.weight", Nd4j.randn(DataType.DOUBLE, 2, d).muli(0.3));
        w.put("embeddings.LayerNorm.weight", Nd4j.rand(DataType.DOUBLE, d).addi(0.5));
        w.put("embeddings.LayerNorm.bias", Nd4j.randn(DataType.DOUBLE, d).muli(0.1));
        for (int l = 0; l < 2; l++) {
            String p = "encoder.layer." + l + ".";
            for (String m : List.of("attention.self.query", "attention.self.key", "attention.self.value",
                    "attention.output.dense")) {
                w.put(p + m + ".weight", Nd4j.randn(DataType.DOUBLE, d, d).muli(0.4));
                w.put(p + m + ".bias", Nd4j.randn(DataType.DOUBLE, d).muli(0.1));
            }
            w.put(p + "intermediate.dense.weight", Nd4j.randn(DataType.DOUBLE, d, h).muli(0.4));
            w.put(p + "intermediate.dense.bias", Nd4j.randn(DataType.DOUBLE, h).muli(0.1));
            w.put(p + "output.dense.weight", Nd4j.randn(DataType.DOUBLE, h, d).muli(0.4));
            w.put(p + "output.dense.bias", Nd4j.randn(DataType.DOUBLE, d).muli(0.1));
            for (String m : List.of("attention.output.LayerNorm", "output.LayerNorm")) {
                w.put(p + m + ".weight", Nd4j.rand(DataType.DOUBLE, d).addi(0.5));
                w.put(p + m + ".bias", Nd4j.randn(DataType.DOUBLE, d).muli(0.1));
            }
        }
        return w;
    }

    /** The encoder of {@code weights(7)}, 2 heads. */
    public static BertTextEncoder encoder() {
        return new BertTextEncoder(weights(7), 2, 1e-12);
    }

}
