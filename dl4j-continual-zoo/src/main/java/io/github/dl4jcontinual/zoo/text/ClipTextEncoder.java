package io.github.dl4jcontinual.zoo.text;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The frozen text tower of a CLIP model (Hugging Face {@code CLIPTextModelWithProjection} or the text half of
 * {@code CLIPModel}) rebuilt natively in SameDiff from its weights, every weight a constant: token + position
 * embeddings, pre-norm transformer layers with a causal (and padding) attention mask, QuickGELU
 * ({@code x·sigmoid(1.702x)}, or erf GELU), the final LayerNorm, pooling at the end-of-text (EOT) token, then the
 * text projection (no bias).
 *
 * <p>Expected weight names ({@link #requiredWeightNames}; linear weights {@code [in, out]}, the layout of the
 * ONNX {@code MatMul} initializers that {@link OnnxInitializers} renames after their consuming node):
 * {@code text_model.embeddings.token_embedding.weight [vocab, width]},
 * {@code text_model.embeddings.position_embedding.weight [positions, width]}, per layer l
 * {@code text_model.encoder.layers.l.self_attn.{q,k,v,out}_proj.{weight,bias}},
 * {@code text_model.encoder.layers.l.layer_norm{1,2}.{weight,bias}},
 * {@code text_model.encoder.layers.l.mlp.fc{1,2}.{weight,bias}},
 * {@code text_model.final_layer_norm.{weight,bias}} and {@code text_projection.weight [width, embedding]}. The
 * number of layers, the width, the MLP width, the maximum length and the embedding width are read from the weights;
 * the number of heads is a parameter (default width / 64, as every released CLIP).
 *
 * <p>The EOT position of a token sequence follows an {@link EotRule}: by default the position of the highest
 * token id (Hugging Face's rule for the original CLIP tokenizer, whose {@code <|endoftext|>} has the highest id),
 * or the first occurrence of a given id. {@link #encode(SameDiff, String, SDVariable, SDVariable, int, BiFunction)}
 * (the {@link TextEncoder} contract, used by {@link PromptedTextTower}) pools at the last real token of each
 * right-padded row, which is where {@link TokenLayout#wrap} puts the tokenizer's end token, so both agree for
 * {@code <|startoftext|> ... <|endoftext|>} sequences. Instances are immutable.
 */
public final class ClipTextEncoder implements TextEncoder {
    /** Prefix of the text transformer's weights. */
    public static final String TEXT = "text_model.";
    /** Name of the projection weight. */
    public static final String PROJECTION = "text_projection.weight";
    /** Additive attention bias of masked (future or padded) key positions. */
    private static final double MASKED = -1e9;
    private static final Pattern LAYER = Pattern.compile("text_model\\.encoder\\.layers\\.(\\d+)\\..*");
    private static final String TOKEN_EMB = TEXT + "embeddings.token_embedding.weight";
    private static final String POS_EMB = TEXT + "embeddings.position_embedding.weight";

    /** The MLP activation ({@code hidden_act} of the Hugging Face config). */
    public enum Activation {
        /** {@code quick_gelu}: {@code x·sigmoid(1.702x)} (OpenAI's CLIP). */
        QUICK_GELU,
        /** {@code gelu}: the exact erf GELU (some OpenCLIP conversions). */
        GELU
    }

    /** Where a token sequence is pooled. */
    public static final class EotRule {
        private final int eotId;

        private EotRule(int eotId) {
            this.eotId = eotId;
        }

        /** The position of the highest token id (first one if repeated): Hugging Face's rule for OpenAI's CLIP. */
        public static EotRule highestId() {
            return new EotRule(-1);
        }

        /** The first position holding {@code eotId} (Hugging Face's rule when {@code eos_token_id} is set). */
        public static EotRule firstOf(int eotId) {
            if (eotId < 0) {
                throw new IllegalArgumentException("eotId should be >= 0 (got: " + eotId + ")");
            }
            return new EotRule(eotId);
        }

        /** The pooled position in {@code ids} (the real tokens of one sequence, no padding). */
        public int position(int[] ids) {
            if (ids.length == 0) {
                throw new IllegalArgumentException("Empty token sequence");
            }
            int best = 0;
            for (int i = 0; i < ids.length; i++) {
                if (eotId < 0 ? ids[i] > ids[best] : ids[i] == eotId) {
                    best = i;
                    if (eotId >= 0) {
                        return i;
                    }
                }
            }
            if (eotId >= 0) {
                throw new IllegalArgumentException("End-of-text id " + eotId + " not in the token sequence "
                        + java.util.Arrays.toString(ids));
            }
            return best;
        }

        @Override
        public String toString() {
            return eotId < 0 ? "highest id" : "first " + eotId;
        }
    }

    private final FrozenWeights frozen;
    private final Map<String, INDArray> weights;
    private final int layers;
    private final int hidden;
    private final int heads;
    private final int maxPositions;
    private final int outputWidth;
    private final double lnEps;
    private final Activation activation;
    private final EotRule eot;

    /**
     * CLIP defaults: width / 64 heads, LayerNorm epsilon 1e-5, QuickGELU, EOT at the highest id.
     *
     * @param weights Hugging Face-named weights (copied)
     */
    public ClipTextEncoder(Map<String, INDArray> weights) {
        this(weights, -1, 1e-5, Activation.QUICK_GELU, EotRule.highestId());
    }

    /**
     * @param weights    Hugging Face-named weights (copied; names in the class comment)
     * @param heads      attention heads (must divide the width), or -1 for width / 64
     * @param lnEps      LayerNorm epsilon ({@code layer_norm_eps}, 1e-5 for CLIP)
     * @param activation MLP activation
     * @param eot        where {@link #embed} and {@link #embedIds} pool
     */
    public ClipTextEncoder(Map<String, INDArray> weights, int heads, double lnEps, Activation activation,
                           EotRule eot) {
        if (!(lnEps > 0)) {
            throw new IllegalArgumentException("lnEps should be > 0 (got: " + lnEps + ")");
        }
        if (activation == null || eot == null) {
            throw new IllegalArgumentException("activation and eot rule are required");
        }
        this.frozen = new FrozenWeights(weights, "CLIP");
        Map<String, INDArray> w = frozen.map();
        this.weights = w;
        int n = 0;
        for (String k : w.keySet()) {
            Matcher m = LAYER.matcher(k);
            if (m.matches()) {
                n = Math.max(n, Integer.parseInt(m.group(1)) + 1);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String s : requiredWeightNames(Math.max(n, 1))) {
            if (!w.containsKey(s)) {
                missing.add(s);
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("Missing CLIP text weights " + missing + " (" + w.size()
                    + " weights given; expected Hugging Face names, see ClipTextEncoder.requiredWeightNames)");
        }
        this.layers = n;
        INDArray tokens = w.get(TOKEN_EMB);
        this.hidden = (int) tokens.size(1);
        this.heads = heads == -1 ? hidden / 64 : heads;
        if (this.heads <= 0 || hidden % this.heads != 0) {
            throw new IllegalArgumentException("heads should be > 0 and divide the width " + hidden + " (got: "
                    + this.heads + (heads == -1 ? " = width / 64" : "") + ")");
        }
        this.lnEps = lnEps;
        this.activation = activation;
        this.eot = eot;
        this.maxPositions = (int) w.get(POS_EMB).size(0);
        int mlp = (int) w.get(layer(0) + "mlp.fc1.weight").size(1);
        this.outputWidth = (int) w.get(PROJECTION).size(1);
        checkShape(POS_EMB, maxPositions, hidden);
        for (int l = 0; l < n; l++) {
            String p = layer(l);
            for (String s : List.of("q_proj", "k_proj", "v_proj", "out_proj")) {
                checkShape(p + "self_attn." + s + ".weight", hidden, hidden);
                checkShape(p + "self_attn." + s + ".bias", hidden);
            }
            checkShape(p + "mlp.fc1.weight", hidden, mlp);
            checkShape(p + "mlp.fc1.bias", mlp);
            checkShape(p + "mlp.fc2.weight", mlp, hidden);
            checkShape(p + "mlp.fc2.bias", hidden);
            for (String s : List.of("layer_norm1", "layer_norm2")) {
                checkShape(p + s + ".weight", hidden);
                checkShape(p + s + ".bias", hidden);
            }
        }
        checkShape(TEXT + "final_layer_norm.weight", hidden);
        checkShape(TEXT + "final_layer_norm.bias", hidden);
        checkShape(PROJECTION, hidden, outputWidth);
    }

    /** Loads the text tower from a CLIP ONNX export with the default settings (stream not closed). */
    public static ClipTextEncoder fromOnnx(InputStream onnx) throws IOException {
        return new ClipTextEncoder(OnnxInitializers.read(onnx));
    }

    /** Loads the text tower from a CLIP ONNX file with the default settings. */
    public static ClipTextEncoder fromOnnx(Path onnx) throws IOException {
        try (InputStream in = Files.newInputStream(onnx)) {
            return fromOnnx(in);
        }
    }

    /** The weight names an encoder of {@code layers} layers needs, in a fixed order. */
    public static List<String> requiredWeightNames(int layers) {
        List<String> names = new ArrayList<>(List.of(TOKEN_EMB, POS_EMB));
        for (int l = 0; l < layers; l++) {
            String p = layer(l);
            for (String m : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj",
                    "layer_norm1", "layer_norm2", "mlp.fc1", "mlp.fc2")) {
                names.add(p + m + ".weight");
                names.add(p + m + ".bias");
            }
        }
        names.add(TEXT + "final_layer_norm.weight");
        names.add(TEXT + "final_layer_norm.bias");
        names.add(PROJECTION);
        return names;
    }

    private static String layer(int l) {
        return TEXT + "encoder.layers." + l + ".";
    }

    private void checkShape(String name, long... shape) {
        INDArray a = weights.get(name);
        long[] s = a.rank() == 2 && shape.length == 1 && a.size(0) == 1 ? new long[]{a.size(1)} : a.shape();
        if (!java.util.Arrays.equals(s, shape)) {
            throw new IllegalArgumentException("CLIP weight " + name + " has shape " + java.util.Arrays.toString(
                    a.shape()) + ", expected " + java.util.Arrays.toString(shape) + (shape.length == 2
                    ? " ([in, out], the ONNX MatMul layout)" : ""));
        }
    }

    @Override
    public int layers() {
        return layers;
    }

    @Override
    public int hidden() {
        return hidden;
    }

    /** Width of the projected text embedding. */
    @Override
    public int outputWidth() {
        return outputWidth;
    }

    /** Attention heads. */
    public int heads() {
        return heads;
    }

    @Override
    public int maxPositions() {
        return maxPositions;
    }

    /** The pooling rule of {@link #embed} and {@link #embedIds}. */
    public EotRule eotRule() {
        return eot;
    }

    /** A copy of one weight by name. */
    public INDArray weight(String name) {
        return frozen.require(name).dup();
    }

    /** Names of all weights. */
    public Set<String> weightNames() {
        return weights.keySet();
    }

    @Override
    public INDArray wordEmbeddings(int[] ids) {
        return frozen.rows(TOKEN_EMB, ids);
    }

    @Override
    public SDVariable lookup(SameDiff sd, String prefix, SDVariable ids, DataType type) {
        return sd.gather(frozen.constant(sd, prefix, TOKEN_EMB, type), ids, 0);
    }

    /**
     * The last layer's token states after the final LayerNorm (Hugging Face's {@code last_hidden_state}),
     * {@code [N*T, hidden]}; arguments as in {@link #encode(SameDiff, String, SDVariable, SDVariable, int,
     * BiFunction)}.
     */
    public SDVariable tokenStates(SameDiff sd, String prefix, SDVariable tokenEmb, SDVariable mask, int tokens,
                                  BiFunction<Integer, SDVariable, SDVariable> afterLayer) {
        if (tokens <= 0 || tokens > maxPositions) {
            throw new IllegalArgumentException("tokens should be in [1, " + maxPositions + "] (got: " + tokens + ")");
        }
        DataType type = tokenEmb.dataType();
        SDVariable pos = FrozenWeights.cached(sd, prefix + "embeddings.position." + tokens,
                () -> weights.get(POS_EMB).get(NDArrayIndex.interval(0, tokens), NDArrayIndex.all()).castTo(type));
        SDVariable x = tokenEmb.reshape(-1, tokens, hidden).add(pos).reshape(-1, hidden);
        SDVariable causal = FrozenWeights.cached(sd, prefix + "attention.causal." + tokens,
                () -> causalBias(tokens, type));
        SDVariable bias = mask.rsub(1.0).mul(MASKED).reshape(-1, 1, 1, tokens).add(causal);
        for (int l = 0; l < layers; l++) {
            String p = layer(l);
            SDVariable h = ln(sd, prefix, x, p + "layer_norm1", type);
            SDVariable ctx = frozen.attention(sd, prefix, h, p + "self_attn.q_proj", p + "self_attn.k_proj",
                    p + "self_attn.v_proj", bias, tokens, heads, type);
            x = x.add(linear(sd, prefix, ctx, p + "self_attn.out_proj", type));
            h = linear(sd, prefix, ln(sd, prefix, x, p + "layer_norm2", type), p + "mlp.fc1", type);
            h = activation == Activation.QUICK_GELU ? h.mul(sd.nn().sigmoid(h.mul(1.702)))
                    : h.mul(0.5).mul(sd.math().erf(h.mul(1.0 / Math.sqrt(2.0))).add(1.0));
            x = x.add(linear(sd, prefix, h, p + "mlp.fc2", type));
            if (afterLayer != null) {
                x = afterLayer.apply(l, x);
            }
        }
        return ln(sd, prefix, x, TEXT + "final_layer_norm", type);
    }

    /** {@code [T, T]}: 0 on and below the diagonal, {@value #MASKED} above (query i sees keys 0..i). */
    private static INDArray causalBias(int tokens, DataType type) {
        INDArray c = Nd4j.zeros(type, tokens, tokens);
        for (int i = 0; i < tokens; i++) {
            for (int j = i + 1; j < tokens; j++) {
                c.putScalar(i, j, MASKED);
            }
        }
        return c;
    }

    /**
     * The projected embedding of the token selected in each row: {@code select} {@code [N, T]} is one-hot at the
     * EOT position (see {@link #eotSelection}); other arguments as in
     * {@link #encode(SameDiff, String, SDVariable, SDVariable, int, BiFunction)}. Returns {@code [N, outputWidth]}.
     */
    public SDVariable encode(SameDiff sd, String prefix, SDVariable tokenEmb, SDVariable mask, SDVariable select,
                             int tokens, BiFunction<Integer, SDVariable, SDVariable> afterLayer) {
        SDVariable states = tokenStates(sd, prefix, tokenEmb, mask, tokens, afterLayer);
        SDVariable pooled = states.reshape(-1, tokens, hidden).mul(select.reshape(-1, tokens, 1)).sum(1);
        return pooled.mmul(frozen.constant(sd, prefix, PROJECTION, tokenEmb.dataType()));
    }

    /**
     * {@inheritDoc} Pools at the last real token of each right-padded row (where {@link TokenLayout#wrap} puts the
     * end-of-text token).
     */
    @Override
    public SDVariable encode(SameDiff sd, String prefix, SDVariable tokenEmb, SDVariable mask, int tokens,
                             BiFunction<Integer, SDVariable, SDVariable> afterLayer) {
        SDVariable diff = FrozenWeights.cached(sd, prefix + "pool.last." + tokens,
                () -> lastTokenMatrix(tokens, tokenEmb.dataType()));
        return encode(sd, prefix, tokenEmb, mask, mask.mmul(diff), tokens, afterLayer);
    }

    /** {@code [T, T]} D with {@code (mask D)[t] = mask[t] - mask[t+1]}: one-hot at the last 1 of a right-padded mask. */
    private static INDArray lastTokenMatrix(int tokens, DataType type) {
        INDArray d = Nd4j.zeros(type, tokens, tokens);
        for (int t = 0; t < tokens; t++) {
            d.putScalar(t, t, 1.0);
            if (t + 1 < tokens) {
                d.putScalar(t + 1, t, -1.0);
            }
        }
        return d;
    }

    /** One-hot {@code [seqs.length, tokens]} at each sequence's EOT position under {@link #eotRule()}. */
    public INDArray eotSelection(int[][] seqs, int tokens, DataType type) {
        INDArray s = Nd4j.zeros(type, seqs.length, tokens);
        for (int i = 0; i < seqs.length; i++) {
            s.putScalar(i, eot.position(seqs[i]), 1.0);
        }
        return s;
    }

    /**
     * Frozen projected embeddings ({@code [seqs.length, outputWidth]}, not normalised) of complete token sequences
     * (start and end tokens included), right-padded here and pooled under {@link #eotRule()}.
     */
    public INDArray embedIds(int[][] seqs, DataType type) {
        TokenLayout.Batch b = TokenLayout.pad(seqs);
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.placeHolder("ids", DataType.INT, -1);
        SDVariable mask = sd.placeHolder("mask", type, -1, b.tokens());
        SDVariable select = sd.placeHolder("select", type, -1, b.tokens());
        SDVariable out = encode(sd, "", lookup(sd, "", ids, type), mask, select, b.tokens(), null);
        return out.eval(Map.of("ids", b.flatIds(), "mask", b.mask(type), "select",
                eotSelection(seqs, b.tokens(), type)));
    }

    /** Hugging Face's {@code last_hidden_state} of right-padded complete sequences, {@code [n, T, hidden]}. */
    public INDArray lastHiddenState(int[][] seqs, DataType type) {
        TokenLayout.Batch b = TokenLayout.pad(seqs);
        SameDiff sd = SameDiff.create();
        SDVariable ids = sd.placeHolder("ids", DataType.INT, -1);
        SDVariable mask = sd.placeHolder("mask", type, -1, b.tokens());
        SDVariable out = tokenStates(sd, "", lookup(sd, "", ids, type), mask, b.tokens(), null);
        return out.eval(Map.of("ids", b.flatIds(), "mask", b.mask(type))).reshape(seqs.length, b.tokens(), hidden);
    }

    /** Frozen projected embeddings (FLOAT) of texts tokenised as {@code <start> tokens <end>}. */
    @Override
    public INDArray embed(TextTokenizer tokenizer, List<String> texts) {
        int[][] seqs = TokenLayout.wrapAll(tokenizer, texts);
        return embedIds(seqs, DataType.FLOAT);
    }

    private SDVariable linear(SameDiff sd, String prefix, SDVariable x, String module, DataType type) {
        return frozen.linear(sd, prefix, x, module, type);
    }

    private SDVariable ln(SameDiff sd, String prefix, SDVariable x, String module, DataType type) {
        return frozen.layerNorm(sd, prefix, x, module, type, lnEps);
    }
}
