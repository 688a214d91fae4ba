package io.github.dl4jcontinual.zoo.text;

import io.github.dl4jcontinual.zoo.transformer.TransformerOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The named weights of a frozen text encoder (copied at construction, never modified) and the graph pieces built
 * from them as SameDiff <em>constants</em>, shared by {@link BertTextEncoder} and {@link ClipTextEncoder}. A
 * constant is created once per graph and name prefix and reused by later calls. The pieces also exist over a
 * weight lookup (name → graph variable), so that the same layer can be built from trainable copies
 * ({@link #variables}).
 */
final class FrozenWeights {
    private final Map<String, INDArray> weights;
    private final String kind;

    /** @param kind how missing weights are described in messages ("encoder", "CLIP") */
    FrozenWeights(Map<String, INDArray> weights, String kind) {
        Map<String, INDArray> w = new LinkedHashMap<>();
        weights.forEach((k, v) -> w.put(k, v.dup()));
        this.weights = Collections.unmodifiableMap(w);
        this.kind = kind;
    }

    /** The weights by name (unmodifiable; do not modify the arrays). */
    Map<String, INDArray> map() {
        return weights;
    }

    /** The weight {@code name}, or an exception naming it. */
    INDArray require(String name) {
        INDArray a = weights.get(name);
        if (a == null) {
            throw new IllegalArgumentException("Missing " + kind + " weight " + name);
        }
        return a;
    }

    /** Rows {@code ids} of the table {@code name} ({@code [ids.length, width]}, a copy). */
    INDArray rows(String name, int[] ids) {
        INDArray table = require(name);
        INDArray out = Nd4j.create(table.dataType(), ids.length, table.size(1));
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < 0 || ids[i] >= table.size(0)) {
                throw new IllegalArgumentException("Token id " + ids[i] + " outside the vocabulary [0, "
                        + table.size(0) + ")");
            }
            out.putRow(i, table.getRow(ids[i]));
        }
        return out;
    }

    /** The constant {@code prefix + name}, created from {@code value} on first use. */
    static SDVariable cached(SameDiff sd, String name, Supplier<INDArray> value) {
        return sd.hasVariable(name) ? sd.getVariable(name) : sd.constant(name, value.get());
    }

    /** Weight {@code name} as {@code type} (vectors as {@code [1, n]} rows); may share the stored array. */
    private INDArray shaped(String name, DataType type) {
        INDArray w = require(name);
        return (w.rank() == 1 ? w.reshape(1, w.length()) : w).castTo(type);
    }

    /** Weight {@code name} as a constant of {@code type} (vectors as {@code [1, n]} rows). */
    SDVariable constant(SameDiff sd, String prefix, String name, DataType type) {
        return cached(sd, prefix + name, () -> shaped(name, type));
    }

    /** Lookup of the weights as constants under {@code prefix}. */
    Function<String, SDVariable> constants(SameDiff sd, String prefix, DataType type) {
        return name -> constant(sd, prefix, name, type);
    }

    /**
     * Lookup of the weights as <em>trainable</em> variables {@code prefix + name}, each initialised with a copy of
     * the pretrained value (vectors as {@code [1, n]} rows) on first use and reused afterwards.
     */
    Function<String, SDVariable> variables(SameDiff sd, String prefix, DataType type) {
        return name -> sd.hasVariable(prefix + name) ? sd.getVariable(prefix + name)
                : sd.var(prefix + name, shaped(name, type).dup());
    }

    /** {@code x · module.weight + module.bias} (weights {@code [in, out]}). */
    SDVariable linear(SameDiff sd, String prefix, SDVariable x, String module, DataType type) {
        return linear(constants(sd, prefix, type), x, module);
    }

    /** {@code x · module.weight + module.bias} with the weights of {@code w}. */
    static SDVariable linear(Function<String, SDVariable> w, SDVariable x, String module) {
        return x.mmul(w.apply(module + ".weight")).add(w.apply(module + ".bias"));
    }

    /** LayerNorm over the last axis with {@code module.weight}/{@code module.bias}. */
    SDVariable layerNorm(SameDiff sd, String prefix, SDVariable x, String module, DataType type, double eps) {
        return layerNorm(sd, constants(sd, prefix, type), x, module, eps);
    }

    /** LayerNorm over the last axis with the weights of {@code w}. */
    static SDVariable layerNorm(SameDiff sd, Function<String, SDVariable> w, SDVariable x, String module, double eps) {
        return TransformerOps.layerNorm(sd, x, w.apply(module + ".weight"), w.apply(module + ".bias"), eps);
    }

    /**
     * Multi-head self-attention context (before the output projection) of token rows {@code x} {@code [N*T, width]}:
     * {@code softmax(q k^T / sqrt(dh) + bias) v} per head, heads merged back to {@code [N*T, width]}; {@code bias}
     * broadcasts to {@code [N, heads, T, T]}.
     */
    SDVariable attention(SameDiff sd, String prefix, SDVariable x, String query, String key, String value,
                         SDVariable bias, int tokens, int heads, DataType type) {
        return attention(sd, constants(sd, prefix, type), x, query, key, value, bias, tokens, heads);
    }

    /** {@link #attention(SameDiff, String, SDVariable, String, String, String, SDVariable, int, int, DataType)} with
     * the weights of {@code w}. */
    SDVariable attention(SameDiff sd, Function<String, SDVariable> w, SDVariable x, String query, String key,
                         String value, SDVariable bias, int tokens, int heads) {
        int dh = (int) require(query + ".weight").size(1) / heads;
        SDVariable q = TransformerOps.splitHeads(linear(w, x, query), tokens, heads, dh);
        SDVariable k = TransformerOps.splitHeads(linear(w, x, key), tokens, heads, dh);
        SDVariable v = TransformerOps.splitHeads(linear(w, x, value), tokens, heads, dh);
        SDVariable scores = sd.mmul(q.mul(1.0 / Math.sqrt(dh)), k, false, true, false)
                .reshape(-1, heads, tokens, tokens).add(bias);
        SDVariable att = sd.nn().softmax(scores, 3).reshape(-1, tokens, tokens);
        return TransformerOps.mergeHeads(sd.mmul(att, v), tokens, heads, dh);
    }
}
