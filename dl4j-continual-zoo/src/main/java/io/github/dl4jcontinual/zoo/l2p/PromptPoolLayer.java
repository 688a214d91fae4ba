package io.github.dl4jcontinual.zoo.l2p;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;

/**
 * Base of the SameDiff layers that select N of a pool of M prompts ({@link PromptKeySelection},
 * {@link PromptTokens}): holds M and N (both &gt;= 1, N at most M), the width {@code N·M + 1} of the selection they
 * exchange, and takes no preprocessor.
 */
public abstract class PromptPoolLayer extends SameDiffLayer {
    /** The pool size M. */
    protected int poolSize;
    /** The prompts selected per example N. */
    protected int topN;

    /** For Jackson. */
    protected PromptPoolLayer() {
    }

    /**
     * @param b the builder
     * @throws IllegalArgumentException if M or N is less than 1, or N is larger than M
     */
    protected PromptPoolLayer(Builder<?> b) {
        super(b);
        this.poolSize = SameDiffOutputs.positive("poolSize", b.poolSize);
        this.topN = SameDiffOutputs.positive("topN", b.topN);
        if (topN > poolSize) {
            throw new IllegalArgumentException("topN " + topN + " is larger than the pool size " + poolSize);
        }
    }

    /** @return the width of a selection row, {@code N·M + 1} (one-hot choices, then the key-matching distance) */
    protected long selectionColumns() {
        return (long) topN * poolSize + 1;
    }

    /**
     * @param inputType the input type given to {@link #setNIn(InputType, boolean)}
     * @param width     the width expected
     * @param expected  the start of the message: the layer and what it expects
     * @throws IllegalArgumentException if the input is not feed-forward of that width
     */
    static void requireFeedForward(InputType inputType, long width, String expected) {
        if (!(inputType instanceof InputType.InputTypeFeedForward)
                || ((InputType.InputTypeFeedForward) inputType).getSize() != width) {
            throw new IllegalArgumentException(expected + " (got input type " + inputType + ")");
        }
    }

    /** @return null: the input is used as it is */
    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    /** @return the pool size M */
    public int getPoolSize() { return poolSize; }
    /** @param poolSize the pool size M (JSON) */
    public void setPoolSize(int poolSize) { this.poolSize = poolSize; }
    /** @return the prompts selected per example N */
    public int getTopN() { return topN; }
    /** @param topN the prompts selected per example N (JSON) */
    public void setTopN(int topN) { this.topN = topN; }

    /**
     * Builder base: M and N, both required.
     *
     * @param <B> the builder
     */
    public abstract static class Builder<B extends Builder<B>> extends SameDiffLayer.Builder<B> {
        private int poolSize;
        private int topN;

        /** @param m pool size M @return this builder */
        @SuppressWarnings("unchecked")
        public B poolSize(int m) {
            this.poolSize = m;
            return (B) this;
        }

        /** @param n prompts selected per example N (at most M) @return this builder */
        @SuppressWarnings("unchecked")
        public B topN(int n) {
            this.topN = n;
            return (B) this;
        }
    }
}
