package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Base of the pre-norm encoder blocks ({@link TransformerBlock}, {@link DualAttentionBlock}): tokens, width, H heads
 * dividing D and the MLP hidden width, with the shared block's parameters ({@code ln1g, ln1b, wq, wk, wv, wo, bo,
 * ln2g, ln2b, w1, b1, w2, b2}; weights N(0, 0.02²), biases 0, LayerNorm gains 1) to which a subclass may add its own.
 */
public abstract class EncoderBlockLayer extends TokenLayer {
    private int numHeads;
    private int mlpHidden;

    /** For JSON. */
    protected EncoderBlockLayer() {
    }

    /**
     * @param b the builder
     * @throws IllegalArgumentException if a size is not &gt; 0 or the heads do not divide the width
     */
    protected EncoderBlockLayer(Builder<?> b) {
        super(b);
        this.numHeads = TransformerOps.positive("numHeads", b.numHeads);
        this.mlpHidden = TransformerOps.positive("mlpHidden", b.mlpHidden);
        if (getEmbedDim() % numHeads != 0) {
            throw new IllegalArgumentException("embedDim " + getEmbedDim() + " is not divisible by numHeads "
                    + numHeads);
        }
    }

    /** Declares the shared block's parameters. */
    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        TransformerOps.defineBlockParams(params, getEmbedDim(), mlpHidden, true);
    }

    /** Initialises the shared block's parameters. */
    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        TransformerOps.initBlockParams(params);
    }

    /** @return the number of heads H */
    public int getNumHeads() { return numHeads; }
    /** @param numHeads the number of heads H (JSON) */
    public void setNumHeads(int numHeads) { this.numHeads = numHeads; }
    /** @return the MLP hidden width */
    public int getMlpHidden() { return mlpHidden; }
    /** @param mlpHidden the MLP hidden width (JSON) */
    public void setMlpHidden(int mlpHidden) { this.mlpHidden = mlpHidden; }

    /**
     * Builder base: tokens, width, heads and MLP hidden width, all required.
     *
     * @param <B> the builder
     */
    public abstract static class Builder<B extends Builder<B>> extends TokenLayer.Builder<B> {
        private int numHeads;
        private int mlpHidden;

        /** @param h heads, dividing D @return this builder */
        @SuppressWarnings("unchecked")
        public B numHeads(int h) {
            this.numHeads = h;
            return (B) this;
        }

        /** @param h MLP hidden width (D × mlp ratio) @return this builder */
        @SuppressWarnings("unchecked")
        public B mlpHidden(int h) {
            this.mlpHidden = h;
            return (B) this;
        }
    }
}
