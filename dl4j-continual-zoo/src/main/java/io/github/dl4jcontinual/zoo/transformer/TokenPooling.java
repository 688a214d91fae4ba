package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The end of a ViT encoder as a SameDiff layer: a final LayerNorm ({@code g, b}) on every token, then either the
 * mean over all T tokens or the first (class) token. Input {@code [mb, T*D]}, output {@code [mb, D]}.
 */
public class TokenPooling extends TokenLayer {
    private boolean classToken;

    /** For JSON. */
    public TokenPooling() {
    }

    private TokenPooling(Builder b) {
        super(b);
        this.classToken = b.classToken;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable n = TransformerOps.layerNorm(sd, in.reshape(-1, getEmbedDim()), p.get("g"), p.get("b"))
                .reshape(-1, getNumTokens(), getEmbedDim());
        if (classToken) {
            return TransformerOps.layerOutput(sd, n.get(SDIndex.all(), SDIndex.point(0), SDIndex.all()));
        }
        return TransformerOps.layerOutput(sd, n.mean(1));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addBiasParam("g", 1, getEmbedDim());
        params.addBiasParam("b", 1, getEmbedDim());
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get("g").assign(1.0);
        params.get("b").assign(0.0);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(getEmbedDim());
    }

    /** @return whether the first (class) token is pooled instead of the mean */
    public boolean isClassToken() { return classToken; }
    /** @param classToken whether the first (class) token is pooled (JSON) */
    public void setClassToken(boolean classToken) { this.classToken = classToken; }

    /** Builder; tokens and width are required. */
    public static class Builder extends TokenLayer.Builder<Builder> {
        private boolean classToken;

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
