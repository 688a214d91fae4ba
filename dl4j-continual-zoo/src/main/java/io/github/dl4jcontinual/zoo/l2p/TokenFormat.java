package io.github.dl4jcontinual.zoo.l2p;

/**
 * How a token sequence is laid out in a DL4J activation: {@link #RNN} is DL4J's recurrent format
 * {@code [mb, D, T]} (NCW), read by {@code SelfAttentionLayer}, {@code LearnedSelfAttentionLayer} and
 * {@code AttentionVertex}; {@link #FLAT} is the zoo transformer's feed-forward layout {@code [mb, T*D]}
 * (row-major {@code [T, D]} per example), read by {@code zoo.transformer.TransformerBlock}.
 */
public enum TokenFormat {
    /** {@code [mb, D, T]}. */
    RNN,
    /** {@code [mb, T*D]}. */
    FLAT
}
