package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;

/**
 * Base of this package's SameDiff layers that read T tokens of width D as a feed-forward activation
 * {@code [mb, T*D]} (the package's token layout): holds T and D (both required, &gt; 0), checks the incoming width
 * in {@link #setNIn(InputType, boolean)} and takes no preprocessor. Subclasses define the parameters, the graph and
 * the output type.
 */
public abstract class TokenLayer extends SameDiffLayer {
    private int numTokens;
    private int embedDim;

    /** For JSON. */
    protected TokenLayer() {
    }

    /**
     * @param b the builder
     * @throws IllegalArgumentException if the tokens or the width are not &gt; 0
     */
    protected TokenLayer(Builder<?> b) {
        super(b);
        this.numTokens = TransformerOps.positive("numTokens", b.numTokens);
        this.embedDim = TransformerOps.positive("embedDim", b.embedDim);
    }

    /** @return the input width {@code T*D} */
    protected long tokenColumns() {
        return (long) numTokens * embedDim;
    }

    /** @throws IllegalArgumentException if the input is not feed-forward of width {@code T*D} */
    @Override
    public void setNIn(InputType inputType, boolean override) {
        TransformerOps.checkTokens(getClass().getSimpleName(), inputType, tokenColumns());
    }

    /** @return null: the tokens come as they are */
    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    /** @return the number of tokens T */
    public int getNumTokens() { return numTokens; }
    /** @param numTokens the number of tokens T (JSON) */
    public void setNumTokens(int numTokens) { this.numTokens = numTokens; }
    /** @return the token width D */
    public int getEmbedDim() { return embedDim; }
    /** @param embedDim the token width D (JSON) */
    public void setEmbedDim(int embedDim) { this.embedDim = embedDim; }

    /**
     * Builder base: the tokens and the width.
     *
     * @param <B> the builder
     */
    public abstract static class Builder<B extends Builder<B>> extends SameDiffLayer.Builder<B> {
        private int numTokens;
        private int embedDim;

        /** @param t tokens T @return this builder */
        @SuppressWarnings("unchecked")
        public B numTokens(int t) {
            this.numTokens = t;
            return (B) this;
        }

        /** @param d width D @return this builder */
        @SuppressWarnings("unchecked")
        public B embedDim(int d) {
            this.embedDim = d;
            return (B) this;
        }
    }
}
