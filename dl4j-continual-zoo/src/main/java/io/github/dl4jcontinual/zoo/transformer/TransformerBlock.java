package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A pre-norm transformer encoder block as a SameDiff layer, on tokens {@code [mb, T*D]} (see the package
 * documentation for the layout):
 * <pre>
 *   h = x + (MHSA(LN1(x))) Wo + bo,     MHSA: per head softmax(q kᵀ / sqrt(dh)) v,  q,k,v = LN1(x) Wq|Wk|Wv
 *   y = h + W2 gelu(W1 LN2(h) + b1) + b2
 * </pre>
 * with H heads of width {@code dh = D/H}, q/k/v projections without bias, GELU in its tanh form and LayerNorm
 * epsilon 1e-5. Parameters: {@code ln1g, ln1b, wq, wk, wv, wo, bo, ln2g, ln2b, w1, b1, w2, b2}; weights
 * N(0, 0.02²), biases 0, LayerNorm gains 1. Output has the input's shape.
 */
public class TransformerBlock extends SameDiffLayer {
    private int numTokens;
    private int embedDim;
    private int numHeads;
    private int mlpHidden;

    /** For JSON. */
    public TransformerBlock() {
    }

    private TransformerBlock(Builder b) {
        super(b);
        this.numTokens = TransformerOps.positive("numTokens", b.numTokens);
        this.embedDim = TransformerOps.positive("embedDim", b.embedDim);
        this.numHeads = TransformerOps.positive("numHeads", b.numHeads);
        this.mlpHidden = TransformerOps.positive("mlpHidden", b.mlpHidden);
        if (embedDim % numHeads != 0) {
            throw new IllegalArgumentException("embedDim " + embedDim + " is not divisible by numHeads " + numHeads);
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable y = TransformerOps.preNormBlock(sd, in.reshape(-1, embedDim), p, numTokens, numHeads);
        return TransformerOps.layerOutput(sd, y.reshape(-1, (long) numTokens * embedDim));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        TransformerOps.defineBlockParams(params, embedDim, mlpHidden, true);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        TransformerOps.initBlockParams(params);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward((long) numTokens * embedDim);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        TransformerOps.checkTokens("TransformerBlock", inputType, (long) numTokens * embedDim);
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
    public int getNumHeads() { return numHeads; }
    public void setNumHeads(int numHeads) { this.numHeads = numHeads; }
    public int getMlpHidden() { return mlpHidden; }
    public void setMlpHidden(int mlpHidden) { this.mlpHidden = mlpHidden; }

    /** Builder; tokens, width, heads and MLP hidden width are required. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int numTokens;
        private int embedDim;
        private int numHeads;
        private int mlpHidden;

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

        /** @param h heads, dividing D @return this builder */
        public Builder numHeads(int h) {
            this.numHeads = h;
            return this;
        }

        /** @param h MLP hidden width (D × mlp ratio) @return this builder */
        public Builder mlpHidden(int h) {
            this.mlpHidden = h;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public TransformerBlock build() {
            return new TransformerBlock(this);
        }
    }
}
