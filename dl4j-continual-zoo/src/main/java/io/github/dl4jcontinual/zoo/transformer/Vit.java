package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Objects;

/**
 * A small vision transformer classifier as an ordinary single-input, single-output {@link ComputationGraph}:
 * <pre>
 *   in [mb, C*H*W] → patch ({@link PatchEmbedding}) → block0 … block{depth−1} ({@link TransformerBlock})
 *      → pool ({@link TokenPooling}: LayerNorm + mean or class token) → out (OutputLayer D → classes, softmax, MCXENT)
 * </pre>
 * Because the classifier is a standard {@code OutputLayer} with W and b, the core trainer's expanding head works
 * on it. Defaults: 28×28×1 input, patch 7, width 64, depth 3, 4 heads, MLP ratio 2, no class token, Adam 1e-3.
 *
 * <pre>{@code
 * ComputationGraph vit = new Vit.Builder(10).patchSize(7).embedDim(64).depth(3).heads(4).seed(1).build();
 * }</pre>
 */
public final class Vit {
    /** Input name. */
    public static final String INPUT = "in";
    /** Patch-embedding layer name. */
    public static final String PATCH = "patch";
    /** Pooling layer name (its activations are the image embedding, e.g. for herding). */
    public static final String POOL = "pool";
    /** Output layer name. */
    public static final String OUTPUT = "out";

    private Vit() {
    }

    /**
     * @param i block index
     * @return the name of transformer block i
     */
    public static String block(int i) {
        return "block" + i;
    }

    /** Backbone options of {@link Vit} (patch embedding, blocks, pooling). */
    public abstract static class BackboneBuilder<B extends BackboneBuilder<B>> {
        int height = 28;
        int width = 28;
        int channels = 1;
        int patchSize = 7;
        int embedDim = 64;
        int depth = 3;
        int heads = 4;
        double mlpRatio = 2.0;
        IUpdater updater = new Adam(1e-3);
        long seed = 12345;
        DataType dataType = DataType.FLOAT;

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /**
         * @param h image height
         * @param w image width
         * @param c channels
         * @return this builder
         */
        public B image(int h, int w, int c) {
            this.height = TransformerOps.positive("height", h);
            this.width = TransformerOps.positive("width", w);
            this.channels = TransformerOps.positive("channels", c);
            return self();
        }

        /** @param p patch side (default 7) @return this builder */
        public B patchSize(int p) {
            this.patchSize = TransformerOps.positive("patchSize", p);
            return self();
        }

        /** @param d width D (default 64) @return this builder */
        public B embedDim(int d) {
            this.embedDim = TransformerOps.positive("embedDim", d);
            return self();
        }

        /** @param n number of transformer blocks (default 3) @return this builder */
        public B depth(int n) {
            this.depth = TransformerOps.positive("depth", n);
            return self();
        }

        /** @param h attention heads, dividing the width (default 4) @return this builder */
        public B heads(int h) {
            this.heads = TransformerOps.positive("heads", h);
            return self();
        }

        /** @param r MLP hidden width / D (default 2) @return this builder */
        public B mlpRatio(double r) {
            if (!(r > 0)) {
                throw new IllegalArgumentException("mlpRatio should be > 0 (got: " + r + ")");
            }
            this.mlpRatio = r;
            return self();
        }

        /** @param u updater (default Adam 1e-3) @return this builder */
        public B updater(IUpdater u) {
            this.updater = Objects.requireNonNull(u, "updater");
            return self();
        }

        /** @param s seed of the parameter initialisation @return this builder */
        public B seed(long s) {
            this.seed = s;
            return self();
        }

        /** @param t network data type (default FLOAT; DOUBLE for gradient checks) @return this builder */
        public B dataType(DataType t) {
            this.dataType = Objects.requireNonNull(t, "dataType");
            return self();
        }

        int mlpHidden() {
            return (int) Math.round(embedDim * mlpRatio);
        }

        int numPatches() {
            return (height / patchSize) * (width / patchSize);
        }

        void validate() {
            if (embedDim % heads != 0) {
                throw new IllegalArgumentException("embedDim " + embedDim + " is not divisible by heads " + heads);
            }
            if (height % patchSize != 0 || width % patchSize != 0) {
                throw new IllegalArgumentException("patchSize " + patchSize + " should divide the image size "
                        + height + "×" + width);
            }
        }

        ComputationGraphConfiguration.GraphBuilder graph() {
            return new NeuralNetConfiguration.Builder().seed(seed).updater(updater).dataType(dataType)
                    .weightInit(WeightInit.XAVIER).graphBuilder().addInputs(INPUT)
                    .setInputTypes(InputType.feedForward((long) channels * height * width));
        }

        /** Adds patch embedding and {@code blocks} transformer blocks; returns the last layer's name. */
        String addBackbone(ComputationGraphConfiguration.GraphBuilder g, int blocks, boolean classToken,
                           String blockPrefix) {
            g.addLayer(PATCH, new PatchEmbedding.Builder().imageSize(height, width).channels(channels)
                    .patchSize(patchSize).embedDim(embedDim).classToken(classToken).build(), INPUT);
            String prev = PATCH;
            int tokens = numPatches() + (classToken ? 1 : 0);
            for (int i = 0; i < blocks; i++) {
                String name = blockPrefix + i;
                g.addLayer(name, new TransformerBlock.Builder().numTokens(tokens).embedDim(embedDim).numHeads(heads)
                        .mlpHidden(mlpHidden()).build(), prev);
                prev = name;
            }
            return prev;
        }
    }

    /** Builder of the ViT classifier. */
    public static final class Builder extends BackboneBuilder<Builder> {
        private final int numClasses;
        private boolean classToken;

        /** @param numClasses width of the output layer (for an expanding head: the first experience's classes) */
        public Builder(int numClasses) {
            this.numClasses = TransformerOps.positive("numClasses", numClasses);
        }

        /** @param on class token and class-token pooling instead of mean pooling (default false) @return this */
        public Builder classToken(boolean on) {
            this.classToken = on;
            return this;
        }

        /** @return the configuration */
        public ComputationGraphConfiguration configuration() {
            validate();
            ComputationGraphConfiguration.GraphBuilder g = graph();
            String last = addBackbone(g, depth, classToken, "block");
            g.addLayer(POOL, new TokenPooling.Builder().numTokens(numPatches() + (classToken ? 1 : 0))
                    .embedDim(embedDim).classToken(classToken).build(), last);
            g.addLayer(OUTPUT, new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(embedDim)
                    .nOut(numClasses).activation(Activation.SOFTMAX).build(), POOL);
            return g.setOutputs(OUTPUT).build();
        }

        /** @return a new, initialised graph */
        public ComputationGraph build() {
            ComputationGraph cg = new ComputationGraph(configuration());
            cg.init();
            return cg;
        }
    }
}
