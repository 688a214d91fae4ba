package io.github.dl4jcontinual.zoo.text;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.BiFunction;

/**
 * A frozen pretrained text transformer that can be added to a SameDiff graph with every weight a constant and
 * learnable pieces around it: what {@link PromptedTextTower} needs. The encoder starts <em>after</em> the
 * word-embedding lookup ({@link #lookup}), so callers can mix learned vectors into the token sequence, and calls a
 * hook after every layer (adapters). Implemented by {@link BertTextEncoder} (post-norm, masked mean pooling) and
 * {@link ClipTextEncoder} (pre-norm, causal, pooling at the end-of-text token, projection).
 */
public interface TextEncoder {
    /** Number of transformer layers. */
    int layers();

    /** Width of the token states (word embeddings, adapters). */
    int hidden();

    /** Width of the pooled sentence embedding {@link #encode} returns. */
    int outputWidth();

    /** Longest supported sequence (position-embedding rows). */
    int maxPositions();

    /**
     * Frozen sentence embeddings ({@code [texts.size(), outputWidth]}, not normalised) of texts tokenised by
     * {@code tokenizer} between its start and end tokens.
     */
    INDArray embed(TextTokenizer tokenizer, java.util.List<String> texts);

    /** Word embeddings of the given vocabulary ids, {@code [ids.length, hidden]} (a copy). */
    INDArray wordEmbeddings(int[] ids);

    /**
     * Adds the constant word-embedding table to {@code sd} under {@code prefix}, looked up by {@code ids}
     * (integer, {@code [N*T]}). Returns {@code [N*T, hidden]}.
     */
    SDVariable lookup(SameDiff sd, String prefix, SDVariable ids, DataType type);

    /**
     * Adds the frozen encoder to {@code sd}.
     *
     * @param sd         the graph
     * @param prefix     prefix of the constants' names (a second call with the same prefix reuses the constants)
     * @param tokenEmb   token embeddings (word embeddings or learned vectors), {@code [N*T, hidden]}
     * @param mask       1 for real tokens, 0 for right padding, {@code [N, T]}, same data type as {@code tokenEmb}
     * @param tokens     T, at most {@link #maxPositions()}
     * @param afterLayer hook called with (layer index, token states {@code [N*T, hidden]}) after every layer;
     *                   returns the states the next layer reads (adapters); {@code null} for none
     * @return the pooled sentence embeddings, {@code [N, outputWidth]}
     */
    SDVariable encode(SameDiff sd, String prefix, SDVariable tokenEmb, SDVariable mask, int tokens,
                      BiFunction<Integer, SDVariable, SDVariable> afterLayer);
}
