package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The end of a ViT encoder as a SameDiff layer: a final LayerNorm ({@code g, b}) on every token, then either the
 * mean over all T tokens or the first (class) token. Input {@code [mb, T*D]}, output {@code [mb, D]}.
 */
public class TokenPooling extends SameDiffLayer {
    private int numTokens;
    private int embedDim;
    private boolean classToken;

    /** For JSON. */
    public TokenPooling() {
    }

    private TokenPooling(Builder b) {
        super(b);
        this.numTokens = TransformerOps.positive("numTokens", b.numTokens);
        this.embedDim = TransformerOps.positive("embedDim", b.embedDim);
        this.classToken = b.classToken;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable n = TransformerOps.layerNorm(sd, in.reshape(-1, embedDim), p.get("g"), p.get("b"))
                .reshape(-1, numTokens, embedDim);
        if (classToken) {
            return TransformerOps.layerOutput(sd, n.get(SDIndex.all(), SDIndex.point(0), SDIndex.all()));
        }
        return TransformerOps.layerOutput(sd, n.mean(1));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addBiasParam("g", 1, embedDim);
        params.addBiasParam("b", 1, embedDim);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get("g").assign(1.0);
        params.get("b").assign(0.0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(embedDim);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        TransformerOps.checkTokens("TokenPooling", inputType, (long) numTokens * embedDim);
    }

    @Override
    public org.deeplearning4j.nn.conf.InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    // ---- JSON accessors
    public int getNumTokens() { return numTokens; }
    public void setNumTokens(int numTokens) { this.numTokens = numTokens; }
    public int getEmbedDim() { return embedDim; }
    public void setEmbedDim(int embedDim) { this.embedDim = embedDim; }
    public boolean isClassToken() { return classToken; }
    public void setClassToken(boolean classToken) { this.classToken = classToken; }

    /** Builder; tokens and width are required. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int numTokens;
        private int embedDim;
        private boolean classToken;

        /** @param t tokens T @return this builder */
        public Builder numTokens(int t) {
            this.numTokens = t;
            return this;
        }

        /** @param d width D @return this builder */
        public Builder embedDim(int d) {
            this.embedDim = d;
            return this;
        }

        /** @param on pool the first (class) token instead of the mean (default false) @return this builder */
        public Builder classToken(boolean on) {
            this.classToken = on;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public TokenPooling build() {
            return new TokenPooling(this);
        }
    }
}
