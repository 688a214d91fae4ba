package io.github.dl4jcontinual.zoo.l2p;

import io.github.dl4jcontinual.zoo.transformer.TransformerOps;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The mean of the first {@code promptTokens} tokens of a sequence ({@link TokenFormat} {@code format}): the
 * prompt tokens' outputs that L2P's head reads. Output {@code [mb, D]}. With {@code layerNorm} each of those
 * tokens first goes through a LayerNorm with parameters {@code g}, {@code b} {@code [1, D]} (to reproduce a zoo
 * {@code TokenPooling}, whose parameters the plugin copies in and freezes); without it the layer has no
 * parameters.
 */
public class PromptTokenPooling extends SameDiffLayer {
    private TokenFormat format = TokenFormat.RNN;
    private int promptTokens;
    private int numTokens;
    private int width;
    private boolean layerNorm;

    /** For Jackson. */
    protected PromptTokenPooling() {
    }

    private PromptTokenPooling(Builder b) {
        super(b);
        this.format = b.format;
        this.promptTokens = SameDiffOutputs.positive("promptTokens", b.promptTokens);
        this.width = SameDiffOutputs.positive("width", b.width);
        this.numTokens = b.numTokens;
        this.layerNorm = b.layerNorm;
        if (format == TokenFormat.FLAT && numTokens < promptTokens) {
            throw new IllegalArgumentException("numTokens should be >= promptTokens " + promptTokens
                    + " for the FLAT layout (got: " + numTokens + ")");
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable tokens;                                                                     // [mb, P, D]
        if (format == TokenFormat.FLAT) {
            tokens = in.reshape(-1, numTokens, width).get(SDIndex.all(), SDIndex.interval(0, promptTokens),
                    SDIndex.all());
        } else {
            tokens = in.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(0, promptTokens)).permute(0, 2, 1);
        }
        if (layerNorm) {
            tokens = TransformerOps.layerNorm(sd, tokens.reshape(-1, width), p.get("g"), p.get("b"))
                    .reshape(-1, promptTokens, width);
        }
        return SameDiffOutputs.output(sd, tokens.mean(1));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        if (layerNorm) {
            params.addBiasParam("g", 1, width);
            params.addBiasParam("b", 1, width);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        if (layerNorm) {
            params.get("g").assign(1.0);
            params.get("b").assign(0.0);
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(width);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        boolean ok = format == TokenFormat.FLAT
                ? inputType instanceof InputType.InputTypeFeedForward
                && ((InputType.InputTypeFeedForward) inputType).getSize() == (long) numTokens * width
                : inputType instanceof InputType.InputTypeRecurrent
                && ((InputType.InputTypeRecurrent) inputType).getSize() == width;
        if (!ok) {
            throw new IllegalArgumentException("PromptTokenPooling expects " + (format == TokenFormat.FLAT
                    ? "tokens [mb, " + numTokens + "*" + width + "]" : "tokens [mb, " + width + ", T]")
                    + " (got input type " + inputType + ")");
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    // ---- JSON accessors
    public TokenFormat getFormat() { return format; }
    public void setFormat(TokenFormat format) { this.format = format; }
    public int getPromptTokens() { return promptTokens; }
    public void setPromptTokens(int promptTokens) { this.promptTokens = promptTokens; }
    public int getNumTokens() { return numTokens; }
    public void setNumTokens(int numTokens) { this.numTokens = numTokens; }
    public int getWidth() { return width; }
    public void setWidth(int width) { this.width = width; }
    public boolean isLayerNorm() { return layerNorm; }
    public void setLayerNorm(boolean layerNorm) { this.layerNorm = layerNorm; }

    /** Builder; format, prompt tokens and width are required (and the total tokens for FLAT). */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private TokenFormat format = TokenFormat.RNN;
        private int promptTokens;
        private int numTokens = -1;
        private int width;
        private boolean layerNorm;

        /** @param f the layout (default RNN) @return this builder */
        public Builder format(TokenFormat f) {
            this.format = java.util.Objects.requireNonNull(f, "format");
            return this;
        }

        /** @param p the prompt tokens at the start of the sequence @return this builder */
        public Builder promptTokens(int p) {
            this.promptTokens = p;
            return this;
        }

        /** @param t all tokens of the sequence (FLAT only) @return this builder */
        public Builder numTokens(int t) {
            this.numTokens = t;
            return this;
        }

        /** @param d token width D @return this builder */
        public Builder width(int d) {
            this.width = d;
            return this;
        }

        /** @param on LayerNorm the tokens before the mean (default false) @return this builder */
        public Builder layerNorm(boolean on) {
            this.layerNorm = on;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public PromptTokenPooling build() {
            return new PromptTokenPooling(this);
        }
    }
}
