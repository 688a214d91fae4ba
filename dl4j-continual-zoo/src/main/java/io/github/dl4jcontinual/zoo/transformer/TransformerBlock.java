package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

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
public class TransformerBlock extends EncoderBlockLayer {

    /** For JSON. */
    public TransformerBlock() {
    }

    private TransformerBlock(Builder b) {
        super(b);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable y = TransformerOps.preNormBlock(sd, in.reshape(-1, getEmbedDim()), p, getNumTokens(), getNumHeads());
        return TransformerOps.layerOutput(sd, y.reshape(-1, tokenColumns()));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(tokenColumns());
    }

    /** Builder; tokens, width, heads and MLP hidden width are required. */
    public static class Builder extends EncoderBlockLayer.Builder<Builder> {
        @Override
        @SuppressWarnings("unchecked")
        public TransformerBlock build() {
            return new TransformerBlock(this);
        }
    }
}
