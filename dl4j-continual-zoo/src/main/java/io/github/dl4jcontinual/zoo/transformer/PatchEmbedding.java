package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * Patch embedding of a ViT as a SameDiff layer. Input: a flat image {@code [mb, C*H*W]} in channels-first,
 * row-major order (as DL4J's {@code convolutionalFlat} and the IDX readers give it). The image is cut into
 * non-overlapping {@code p×p} patches (row-major patch order), each patch (channel, row, column order) is mapped
 * linearly to width D ({@code W [C*p*p, D]}, bias {@code b [1, D]}; the same as a {@code p×p} stride-p
 * convolution), a learned positional embedding {@code pos [T, D]} is added and, optionally, a learned class token
 * is prepended (it gets the first positional embedding). Output {@code [mb, T*D]} with
 * {@code T = (H/p)(W/p) (+1)}.
 *
 * <p>Parameters: {@code W}, {@code b}, {@code pos}, and {@code cls [1, D]} with a class token. Initialisation:
 * N(0, 0.02²) for W, pos and cls; zero bias. H and W must be multiples of p.</p>
 */
public class PatchEmbedding extends SameDiffLayer {
    private int height;
    private int width;
    private int channels;
    private int patchSize;
    private int embedDim;
    private boolean classToken;

    /** For JSON. */
    public PatchEmbedding() {
    }

    private PatchEmbedding(Builder b) {
        super(b);
        this.height = TransformerOps.positive("height", b.height);
        this.width = TransformerOps.positive("width", b.width);
        this.channels = TransformerOps.positive("channels", b.channels);
        this.patchSize = TransformerOps.positive("patchSize", b.patchSize);
        this.embedDim = TransformerOps.positive("embedDim", b.embedDim);
        this.classToken = b.classToken;
        if (height % patchSize != 0 || width % patchSize != 0) {
            throw new IllegalArgumentException("The image " + height + "×" + width + " is not a whole number of "
                    + patchSize + "×" + patchSize + " patches: patchSize should divide both sides");
        }
    }

    /** @return the number of patches {@code (H/p)(W/p)} */
    public int numPatches() {
        return (height / patchSize) * (width / patchSize);
    }

    /** @return the number of output tokens (patches, plus one with a class token) */
    public int numTokens() {
        return numPatches() + (classToken ? 1 : 0);
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        int gh = height / patchSize;
        int gw = width / patchSize;
        int patchLen = channels * patchSize * patchSize;
        SDVariable patches = in.reshape(-1, channels, gh, patchSize, gw, patchSize).permute(0, 2, 4, 1, 3, 5)
                .reshape(-1, patchLen);
        SDVariable tokens = patches.mmul(p.get("W")).add(p.get("b")).reshape(-1, numPatches(), embedDim);
        if (classToken) {
            SDVariable ones = sd.onesLike(tokens.get(org.nd4j.autodiff.samediff.SDIndex.all(),
                    org.nd4j.autodiff.samediff.SDIndex.interval(0, 1),
                    org.nd4j.autodiff.samediff.SDIndex.interval(0, 1))); // [mb, 1, 1]
            SDVariable cls = ones.mul(p.get("cls").reshape(1, 1, embedDim)); // [mb, 1, D]
            tokens = sd.concat(1, cls, tokens);
        }
        tokens = tokens.add(p.get("pos").reshape(1, numTokens(), embedDim));
        return TransformerOps.layerOutput(sd, tokens.reshape(-1, (long) numTokens() * embedDim));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam("W", (long) channels * patchSize * patchSize, embedDim);
        params.addBiasParam("b", 1, embedDim);
        params.addWeightParam("pos", numTokens(), embedDim);
        if (classToken) {
            params.addWeightParam("cls", 1, embedDim);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (e.getKey().equals("b")) {
                e.getValue().assign(0.0);
            } else {
                TransformerOps.normal(e.getValue());
            }
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward((long) numTokens() * embedDim);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType instanceof InputType.InputTypeConvolutionalFlat) {
            InputType.InputTypeConvolutionalFlat c = (InputType.InputTypeConvolutionalFlat) inputType;
            if (c.getHeight() != height || c.getWidth() != width || c.getDepth() != channels) {
                throw new IllegalArgumentException("PatchEmbedding is configured for " + channels + "×" + height + "×"
                        + width + " images but the input is " + c.getDepth() + "×" + c.getHeight() + "×" + c.getWidth());
            }
            return;
        }
        TransformerOps.checkTokens("PatchEmbedding", inputType, (long) channels * height * width);
    }

    @Override
    public org.deeplearning4j.nn.conf.InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    // ---- JSON accessors
    public int getHeight() { return height; }
    public void setHeight(int height) { this.height = height; }
    public int getWidth() { return width; }
    public void setWidth(int width) { this.width = width; }
    public int getChannels() { return channels; }
    public void setChannels(int channels) { this.channels = channels; }
    public int getPatchSize() { return patchSize; }
    public void setPatchSize(int patchSize) { this.patchSize = patchSize; }
    public int getEmbedDim() { return embedDim; }
    public void setEmbedDim(int embedDim) { this.embedDim = embedDim; }
    public boolean isClassToken() { return classToken; }
    public void setClassToken(boolean classToken) { this.classToken = classToken; }

    /** Builder; image size, channels, patch size and width are required. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int height;
        private int width;
        private int channels = 1;
        private int patchSize;
        private int embedDim;
        private boolean classToken;

        /**
         * @param height image height
         * @param width  image width
         * @return this builder
         */
        public Builder imageSize(int height, int width) {
            this.height = height;
            this.width = width;
            return this;
        }

        /** @param c input channels (default 1) @return this builder */
        public Builder channels(int c) {
            this.channels = c;
            return this;
        }

        /** @param p patch side, dividing height and width @return this builder */
        public Builder patchSize(int p) {
            this.patchSize = p;
            return this;
        }

        /** @param d token width D @return this builder */
        public Builder embedDim(int d) {
            this.embedDim = d;
            return this;
        }

        /** @param on whether to prepend a learned class token (default false) @return this builder */
        public Builder classToken(boolean on) {
            this.classToken = on;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public PatchEmbedding build() {
            return new PatchEmbedding(this);
        }
    }
}
