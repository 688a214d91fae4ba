package io.github.dl4jcontinual.zoo.l2p;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Objects;

/**
 * The prompt side of a prompt pool: a DL4J layer (SameDiff) whose parameter is the pool
 * {@code prompts [M, Lp·D]} (M prompts of Lp tokens of width D) and whose input is a {@link PromptKeySelection}'s
 * output; it outputs the N selected prompts, best first, as {@code N·Lp} tokens in the {@link TokenFormat}
 * {@code format} ({@code [mb, D, N·Lp]} or {@code [mb, N·Lp·D]}), ready to be joined in front of the token sequence
 * by a DL4J {@code MergeVertex} (along the time axis for RNN, the feature axis for FLAT). Only the selected prompts
 * get a gradient; the selection is not differentiated.
 */
public class PromptTokens extends SameDiffLayer {
    /** Prompt parameter {@code [M, Lp·D]}. */
    public static final String PROMPTS = "prompts";

    private TokenFormat format = TokenFormat.RNN;
    private int poolSize;
    private int topN;
    private int promptLength;
    private int width;

    /** For Jackson. */
    protected PromptTokens() {
    }

    private PromptTokens(Builder b) {
        super(b);
        this.format = Objects.requireNonNull(b.format, "format");
        this.poolSize = SameDiffOutputs.positive("poolSize", b.poolSize);
        this.topN = SameDiffOutputs.positive("topN", b.topN);
        this.promptLength = SameDiffOutputs.positive("promptLength", b.promptLength);
        this.width = SameDiffOutputs.positive("width", b.width);
        if (topN > poolSize) {
            throw new IllegalArgumentException("topN " + topN + " is larger than the pool size " + poolSize);
        }
    }

    /** @return the prompt tokens this layer outputs, N·Lp */
    public int promptTokens() {
        return topN * promptLength;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable selection, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable sel = selection.get(SDIndex.all(), SDIndex.interval(0, topN * poolSize));
        SDVariable chosen = sel.reshape(-1, poolSize).mmul(p.get(PROMPTS));                     // [mb*N, Lp*D]
        SDVariable out = format == TokenFormat.FLAT
                ? chosen.reshape(-1, (long) promptTokens() * width)
                : chosen.reshape(-1, (long) promptTokens(), width).permute(0, 2, 1);
        return SameDiffOutputs.output(sd, out);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(PROMPTS, poolSize, (long) promptLength * width);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray p = params.get(PROMPTS);
        p.assign(Nd4j.rand(p.dataType(), p.shape()).muli(2).subi(1));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return format == TokenFormat.FLAT ? InputType.feedForward((long) promptTokens() * width)
                : InputType.recurrent(width, promptTokens());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (!(inputType instanceof InputType.InputTypeFeedForward)
                || ((InputType.InputTypeFeedForward) inputType).getSize() != (long) topN * poolSize + 1) {
            throw new IllegalArgumentException("PromptTokens expects a selection [mb, " + (topN * poolSize + 1)
                    + "] (got input type " + inputType + ")");
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    // ---- JSON accessors
    public TokenFormat getFormat() { return format; }
    public void setFormat(TokenFormat format) { this.format = format; }
    public int getPoolSize() { return poolSize; }
    public void setPoolSize(int poolSize) { this.poolSize = poolSize; }
    public int getTopN() { return topN; }
    public void setTopN(int topN) { this.topN = topN; }
    public int getPromptLength() { return promptLength; }
    public void setPromptLength(int promptLength) { this.promptLength = promptLength; }
    public int getWidth() { return width; }
    public void setWidth(int width) { this.width = width; }

    /** Builder; format, M, N, Lp and D are required. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private TokenFormat format = TokenFormat.RNN;
        private int poolSize;
        private int topN;
        private int promptLength;
        private int width;

        /** @param f the token layout (default RNN) @return this builder */
        public Builder format(TokenFormat f) {
            this.format = f;
            return this;
        }

        /** @param m pool size M @return this builder */
        public Builder poolSize(int m) {
            this.poolSize = m;
            return this;
        }

        /** @param n prompts selected per example N @return this builder */
        public Builder topN(int n) {
            this.topN = n;
            return this;
        }

        /** @param lp tokens per prompt Lp @return this builder */
        public Builder promptLength(int lp) {
            this.promptLength = lp;
            return this;
        }

        /** @param d token width D @return this builder */
        public Builder width(int d) {
            this.width = d;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public PromptTokens build() {
            return new PromptTokens(this);
        }
    }
}
