package io.github.dl4jcontinual.zoo.l2p;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
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
public class PromptTokens extends PromptPoolLayer {
    /** Prompt parameter {@code [M, Lp·D]}. */
    public static final String PROMPTS = "prompts";

    private TokenFormat format = TokenFormat.RNN;
    private int promptLength;
    private int width;

    /** For Jackson. */
    protected PromptTokens() {
    }

    private PromptTokens(Builder b) {
        super(b);
        this.format = Objects.requireNonNull(b.format, "format");
        this.promptLength = SameDiffOutputs.positive("promptLength", b.promptLength);
        this.width = SameDiffOutputs.positive("width", b.width);
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
        requireFeedForward(inputType, selectionColumns(), "PromptTokens expects a selection [mb, "
                + selectionColumns() + "]");
    }

    /** @return the token layout */
    public TokenFormat getFormat() { return format; }
    /** @param format the token layout (JSON) */
    public void setFormat(TokenFormat format) { this.format = format; }
    /** @return the tokens per prompt Lp */
    public int getPromptLength() { return promptLength; }
    /** @param promptLength the tokens per prompt Lp (JSON) */
    public void setPromptLength(int promptLength) { this.promptLength = promptLength; }
    /** @return the token width D */
    public int getWidth() { return width; }
    /** @param width the token width D (JSON) */
    public void setWidth(int width) { this.width = width; }

    /** Builder; format, M, N, Lp and D are required. */
    public static class Builder extends PromptPoolLayer.Builder<Builder> {
        private TokenFormat format = TokenFormat.RNN;
        private int promptLength;
        private int width;

        /** @param f the token layout (default RNN) @return this builder */
        public Builder format(TokenFormat f) {
            this.format = f;
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
