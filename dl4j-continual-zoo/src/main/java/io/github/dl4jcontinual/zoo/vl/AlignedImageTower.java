package io.github.dl4jcontinual.zoo.vl;

import io.github.dl4jcontinual.cil.CosineOutputLayer;
import io.github.dl4jcontinual.zoo.LearnerConfiguration;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.NeuralNetwork;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import io.github.dl4jcontinual.zoo.transformer.PatchEmbedding;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * An image tower aligned with a text space, the offline stand-in for CLIP's visual tower: any DL4J image classifier
 * whose output layer is replaced by a linear projection into the text space (width D) followed by a fixed cosine
 * classifier whose class vectors are the class-name text embeddings. The classifier is either a
 * {@code MultiLayerNetwork} (a CNN, an MLP, ...) or a single-input, single-output {@code ComputationGraph} (e.g. the
 * zoo's {@link io.github.dl4jcontinual.zoo.transformer.Vit}); in a graph the new layers are named
 * {@link #PROJECTION} and {@link #ANCHORS} and take the old output layer's place (same input vertex).
 *
 * <p><b>Alignment pre-training</b> ({@link Builder#align}): the backbone and projection are trained with the
 * softmax cross-entropy of {@code s · cos(proj(x), w_c)} over the alignment classes, the text anchors
 * {@code w_c} and the scale s frozen (core's {@link CosineOutputLayer}, restored after every step): a CLIP-style
 * image-to-text contrastive loss with the class names as the only captions. After alignment the whole tower is
 * treated as frozen by its users; {@link #embed} returns the projection {@code [n, D]} (unnormalised).
 */
public final class AlignedImageTower {
    /** Name of the projection layer (D outputs, identity activation) in a graph tower. */
    public static final String PROJECTION = "text_projection";
    /** Name of the cosine text-anchor output layer in a graph tower. */
    public static final String ANCHORS = "text_anchors";

    private final Net net;

    /** Wraps an aligned network (backbone, projection, cosine text head), e.g. one read by {@link #load}. */
    public AlignedImageTower(MultiLayerNetwork network) {
        this.net = new MlnNet(Objects.requireNonNull(network, "network"));
        net.checkAligned();
    }

    /**
     * Wraps an aligned graph (backbone, {@link #PROJECTION} dense layer, {@link #ANCHORS} cosine output layer), e.g.
     * one read by {@link #load}.
     */
    public AlignedImageTower(ComputationGraph graph) {
        this.net = new GraphNet(Objects.requireNonNull(graph, "graph"));
        net.checkAligned();
    }

    /** The aligned model: a {@code MultiLayerNetwork} or a {@code ComputationGraph}. */
    public Model model() {
        return net.model();
    }

    /** Whether the tower is a {@code ComputationGraph} (then {@link #graph()}, else {@link #network()}). */
    public boolean isGraph() {
        return net instanceof GraphNet;
    }

    /**
     * The network (backbone, projection, text head) of a tower built from a {@code MultiLayerNetwork}.
     *
     * @throws IllegalStateException for a graph tower (use {@link #graph()})
     */
    public MultiLayerNetwork network() {
        if (isGraph()) {
            throw new IllegalStateException("This tower is a ComputationGraph: use graph() or model()");
        }
        return (MultiLayerNetwork) net.model();
    }

    /**
     * The graph of a tower built from a {@code ComputationGraph}.
     *
     * @throws IllegalStateException for a {@code MultiLayerNetwork} tower (use {@link #network()})
     */
    public ComputationGraph graph() {
        if (!isGraph()) {
            throw new IllegalStateException("This tower is a MultiLayerNetwork: use network() or model()");
        }
        return (ComputationGraph) net.model();
    }

    /** Width D of the text space. */
    public int width() {
        return (int) ((FeedForwardLayer) net.projection().conf().getLayer()).getNOut();
    }

    /** The frozen text anchors {@code [D, K]} as the cosine head holds them (a copy). */
    public INDArray anchors() {
        return net.head().getParam(CosineOutputLayer.WEIGHT_KEY).dup();
    }

    /** Projected image embeddings {@code [n, D]} (inference mode, detached). */
    public INDArray embed(INDArray images) {
        net.checkInput(images);
        return net.embed(images).detach();
    }

    /** Fraction of {@code data} whose nearest text anchor (cosine) is the labelled class. */
    public double accuracy(DataSet data) {
        net.checkInput(data.getFeatures());
        INDArray p = net.output(data.getFeatures()).argMax(1);
        INDArray t = data.getLabels().argMax(1);
        return p.eq(t).castTo(DataType.DOUBLE).meanNumber().doubleValue();
    }

    /** Writes the model with {@link ModelSerializer} (no updater state). */
    public void save(File file) throws IOException {
        ModelSerializer.writeModel(net.model(), file, false);
    }

    /** Reads a tower written by {@link #save} (a {@code MultiLayerNetwork} or a {@code ComputationGraph}). */
    public static AlignedImageTower load(File file) throws IOException {
        boolean graph;
        try (ZipFile zip = new ZipFile(file)) {
            ZipEntry conf = zip.getEntry("configuration.json");
            if (conf == null) {
                throw new IOException("Not a ModelSerializer file (no configuration.json): " + file);
            }
            try (InputStream in = zip.getInputStream(conf)) {
                // a ComputationGraphConfiguration lists its vertices; a MultiLayerConfiguration has "confs"
                graph = new String(in.readAllBytes(), StandardCharsets.UTF_8).contains("\"vertices\"");
            }
        }
        return graph ? new AlignedImageTower(ComputationGraph.load(file, false))
                : new AlignedImageTower(MultiLayerNetwork.load(file, false));
    }

    /** What the tower needs of its DL4J model; one implementation per model kind. */
    private abstract static class Net {
        abstract Model model();

        abstract Layer projection();

        abstract Layer head();

        abstract INDArray embed(INDArray x);

        abstract INDArray output(INDArray x);

        void fit(DataSetIterator data) {
            ((NeuralNetwork) model()).fit(data);   // MultiLayerNetwork and ComputationGraph are both
        }

        void setListeners(TrainingListener... listeners) {
            model().setListeners(listeners);
        }

        /** Width of the features entering the classifier's (old) output layer. */
        long featureWidth() {
            org.deeplearning4j.nn.conf.layers.Layer out = head().conf().getLayer();
            if (!(out instanceof FeedForwardLayer)) {
                throw new IllegalArgumentException("The classifier's output layer should be a feed-forward layer "
                        + "with nIn (got " + out.getClass().getSimpleName() + ")");
            }
            return ((FeedForwardLayer) out).getNIn();
        }

        /** A copy with the output layer replaced by projection (D) → cosine head (K classes, scale s). */
        abstract Net withTextHead(FineTuneConfiguration fine, long d, long k, double scale);

        /** Expected input elements per example, or -1 when the model does not record it. */
        abstract long expectedInputLength();

        /** Describes the layers in an error message. */
        abstract String describe();

        void checkAligned() {
            if (!(head().conf().getLayer() instanceof CosineOutputLayer)
                    || !(projection().conf().getLayer() instanceof DenseLayer)) {
                throw new IllegalArgumentException("Not an aligned tower: expected ... → DenseLayer (projection) → "
                        + "CosineOutputLayer (text anchors), got " + describe());
            }
        }

        void checkInput(INDArray x) {
            long expected = expectedInputLength();
            if (x.rank() < 2 || (expected > 0 && x.length() / Math.max(1, x.size(0)) != expected)) {
                throw new IllegalArgumentException("Images of shape " + Arrays.toString(x.shape())
                        + " do not fit the model's input: expected [n, " + expected + "] (or n examples of "
                        + expected + " values)");
            }
        }

        /** Runs one example through the model; wraps DL4J's failure in a message naming the shape. */
        void probe(INDArray x) {
            checkInput(x);
            try {
                output(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("Images of shape " + Arrays.toString(x.shape())
                        + " do not fit the classifier's input: " + e.getMessage(), e);
            }
        }
    }

    private static final class MlnNet extends Net {
        private final MultiLayerNetwork network;

        MlnNet(MultiLayerNetwork network) {
            this.network = network;
        }

        @Override
        Model model() {
            return network;
        }

        @Override
        Layer projection() {
            return network.getLayer(Math.max(0, network.getnLayers() - 2));
        }

        @Override
        Layer head() {
            return network.getLayer(network.getnLayers() - 1);
        }

        @Override
        void checkAligned() {
            if (network.getnLayers() < 3) {
                throw new IllegalArgumentException("Not an aligned tower: expected at least 3 layers (backbone, "
                        + "projection, text anchors), got " + describe());
            }
            super.checkAligned();
        }

        @Override
        INDArray embed(INDArray x) {
            int proj = network.getnLayers() - 2;
            return network.feedForwardToLayer(proj, x, false).get(proj + 1);
        }

        @Override
        INDArray output(INDArray x) {
            return network.output(x, false);
        }

        @Override
        Net withTextHead(FineTuneConfiguration fine, long d, long k, double scale) {
            return new MlnNet(new TransferLearning.Builder(network).fineTuneConfiguration(fine)
                    .removeOutputLayer()
                    .addLayer(projectionLayer(featureWidth(), d))
                    .addLayer(anchorLayer(d, k, scale))
                    .build());
        }

        @Override
        long expectedInputLength() {
            return inputLength(network.getLayer(0).conf().getLayer(),
                    network.getLayerWiseConfigurations().getInputPreProcess(0));
        }

        @Override
        String describe() {
            return network.getnLayers() + " layers ending with "
                    + network.getLayer(network.getnLayers() - 1).conf().getLayer().getClass().getSimpleName();
        }
    }

    private static final class GraphNet extends Net {
        private final ComputationGraph graph;

        GraphNet(ComputationGraph graph) {
            ComputationGraphConfiguration c = graph.getConfiguration();
            if (c.getNetworkInputs().size() != 1 || c.getNetworkOutputs().size() != 1) {
                throw new IllegalArgumentException("Only single-input, single-output graphs can be aligned (got "
                        + c.getNetworkInputs().size() + " inputs " + c.getNetworkInputs() + " and "
                        + c.getNetworkOutputs().size() + " outputs " + c.getNetworkOutputs() + ")");
            }
            String out = outputName(c);
            GraphVertex v = c.getVertices().get(out);
            if (!(v instanceof LayerVertex) || c.getVertexInputs().get(out).size() != 1) {
                throw new IllegalArgumentException("The graph's output '" + out + "' should be an output layer "
                        + "with one input (got " + v.getClass().getSimpleName() + " with inputs "
                        + c.getVertexInputs().get(out) + ")");
            }
            this.graph = graph;
        }

        private static String outputName(ComputationGraphConfiguration c) {
            return c.getNetworkOutputs().get(0);
        }

        @Override
        Model model() {
            return graph;
        }

        @Override
        Layer projection() {
            ComputationGraphConfiguration c = graph.getConfiguration();
            return graph.getLayer(c.getVertexInputs().get(outputName(c)).get(0));
        }

        @Override
        Layer head() {
            return graph.getLayer(outputName(graph.getConfiguration()));
        }

        @Override
        void checkAligned() {
            ComputationGraphConfiguration c = graph.getConfiguration();
            if (!c.getVertices().containsKey(PROJECTION) || !ANCHORS.equals(outputName(c))
                    || !List.of(PROJECTION).equals(c.getVertexInputs().get(ANCHORS))) {
                throw new IllegalArgumentException("Not an aligned tower: expected layers '" + PROJECTION + "' → '"
                        + ANCHORS + "' (the output), got " + describe());
            }
            super.checkAligned();
        }

        @Override
        INDArray embed(INDArray x) {
            return graph.feedForward(x, false).get(projection().conf().getLayer().getLayerName());
        }

        @Override
        INDArray output(INDArray x) {
            return graph.outputSingle(false, x);
        }

        @Override
        Net withTextHead(FineTuneConfiguration fine, long d, long k, double scale) {
            ComputationGraphConfiguration c = graph.getConfiguration();
            String out = outputName(c);
            String in = c.getVertexInputs().get(out).get(0);
            return new GraphNet(new TransferLearning.GraphBuilder(graph).fineTuneConfiguration(fine)
                    .removeVertexAndConnections(out)
                    .addLayer(PROJECTION, projectionLayer(featureWidth(), d), in)
                    .addLayer(ANCHORS, anchorLayer(d, k, scale), PROJECTION)
                    .setOutputs(ANCHORS)
                    .build());
        }

        @Override
        long expectedInputLength() {
            ComputationGraphConfiguration c = graph.getConfiguration();
            String input = c.getNetworkInputs().get(0);
            for (Map.Entry<String, List<String>> e : c.getVertexInputs().entrySet()) {
                GraphVertex v = c.getVertices().get(e.getKey());
                if (e.getValue().contains(input) && v instanceof LayerVertex) {
                    return inputLength(((LayerVertex) v).getLayerConf().getLayer(), ((LayerVertex) v).getPreProcessor());
                }
            }
            return -1;
        }

        @Override
        String describe() {
            ComputationGraphConfiguration c = graph.getConfiguration();
            return "a graph with output " + c.getNetworkOutputs() + " fed by " + c.getVertexInputs().get(
                    outputName(c));
        }
    }

    /** Values per example that the first layer expects (flattened), or -1 when it cannot be read off. */
    private static long inputLength(org.deeplearning4j.nn.conf.layers.Layer first, InputPreProcessor pre) {
        if (pre instanceof FeedForwardToCnnPreProcessor) {
            FeedForwardToCnnPreProcessor p = (FeedForwardToCnnPreProcessor) pre;
            return p.getInputHeight() * p.getInputWidth() * p.getNumChannels();
        }
        if (first instanceof PatchEmbedding) {
            PatchEmbedding p = (PatchEmbedding) first;
            return (long) p.getHeight() * p.getWidth() * p.getChannels();
        }
        if ((first instanceof DenseLayer || first instanceof BaseOutputLayer) && pre == null
                && ((FeedForwardLayer) first).getNIn() > 0) {   // not a convolution: its nIn is the channels
            return ((FeedForwardLayer) first).getNIn();
        }
        return -1;
    }

    private static DenseLayer projectionLayer(long features, long d) {
        return new DenseLayer.Builder().nIn(features).nOut(d).activation(Activation.IDENTITY)
                .weightInit(WeightInit.XAVIER).build();
    }

    private static CosineOutputLayer anchorLayer(long d, long k, double scale) {
        return new CosineOutputLayer.Builder().nIn(d).nOut(k).initialScale(scale).updater(new NoOp()).build();
    }

    /** Builds and aligns a tower. */
    public static final class Builder {
        private final Net classifier;
        private final INDArray classText;
        private double scale = 30;
        private int epochs = 3;
        private int batchSize = 64;
        private IUpdater updater = new Adam(1e-3);
        private long seed = 12345;

        /**
         * @param classifier an initialised (possibly trained) classifier; its output layer is replaced, the rest
         *                   is copied
         * @param classText  text embeddings of the alignment classes {@code [K, D]}, row = class id (copied)
         */
        public Builder(MultiLayerNetwork classifier, INDArray classText) {
            this(new MlnNet(Objects.requireNonNull(classifier, "classifier")), classText);
        }

        /**
         * @param classifier an initialised (possibly trained) single-input, single-output graph whose output vertex
         *                   is a feed-forward output layer with one input (e.g. the zoo ViT); that layer is
         *                   replaced by {@link #PROJECTION} → {@link #ANCHORS}, the rest is copied
         * @param classText  text embeddings of the alignment classes {@code [K, D]}, row = class id (copied)
         * @throws IllegalArgumentException for a multi-input or multi-output graph, or another output vertex
         */
        public Builder(ComputationGraph classifier, INDArray classText) {
            this(new GraphNet(Objects.requireNonNull(classifier, "classifier")), classText);
        }

        private Builder(Net classifier, INDArray classText) {
            this.classifier = classifier;
            if (classText.rank() != 2 || classText.size(0) < 2) {
                throw new IllegalArgumentException("classText should be [K >= 2, D] (got shape "
                        + Arrays.toString(classText.shape()) + ")");
            }
            this.classText = classText.dup();
        }

        /** Fixed logit scale s of the alignment loss (default 30). */
        public Builder scale(double s) {
            this.scale = LearnerConfiguration.strictlyPositive("scale", s);
            return this;
        }

        /** Alignment epochs (default 3). */
        public Builder epochs(int e) {
            if (e < 0) {
                throw new IllegalArgumentException("epochs should be >= 0 (got: " + e + ")");
            }
            this.epochs = e;
            return this;
        }

        /** Minibatch size (default 64). */
        public Builder batchSize(int b) {
            this.batchSize = LearnerConfiguration.positive("batchSize", b);
            return this;
        }

        /** Updater of the backbone and projection (default Adam 1e-3). */
        public Builder updater(IUpdater u) {
            this.updater = Objects.requireNonNull(u, "updater");
            return this;
        }

        /** Seed of the projection's initialisation and of the minibatch order. */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Replaces the output layer and trains on {@code data} (labels one-hot over the K alignment classes).
         *
         * @return the aligned tower
         * @throws IllegalArgumentException when the label columns differ from K or the images do not fit the
         *                                  classifier's input
         */
        public AlignedImageTower align(DataSet data) {
            if (data.getLabels().size(1) != classText.size(0)) {
                throw new IllegalArgumentException("The alignment data has " + data.getLabels().size(1)
                        + " label columns but " + classText.size(0) + " class texts were given");
            }
            classifier.probe(data.getFeatures());
            Net net = classifier.withTextHead(new FineTuneConfiguration.Builder().updater(updater).seed(seed)
                    .build(), classText.size(1), classText.size(0), scale);
            Layer head = net.head();
            INDArray anchors = classText.transpose().castTo(head.getParam(CosineOutputLayer.WEIGHT_KEY).dataType());
            head.getParam(CosineOutputLayer.WEIGHT_KEY).assign(anchors);   // in the flat parameter view
            // DL4J M2.1 still moves the head (its per-layer NoOp updater is not honoured after TransferLearning's
            // fine-tune configuration): put the anchors and the scale back after every step, so that every forward
            // pass sees exactly the frozen text anchors
            net.setListeners(new BaseTrainingListener() {
                @Override
                public void iterationDone(Model model, int iteration, int epoch) {
                    head.getParam(CosineOutputLayer.WEIGHT_KEY).assign(anchors);
                    head.getParam(CosineOutputLayer.SCALE_KEY).assign(scale);
                }
            });
            List<DataSet> list = data.asList();
            for (int e = 0; e < epochs; e++) {
                Collections.shuffle(list, new Random(seed + e));
                net.fit(new ListDataSetIterator<>(list, batchSize));
            }
            net.setListeners();
            return net instanceof GraphNet ? new AlignedImageTower((ComputationGraph) net.model())
                    : new AlignedImageTower((MultiLayerNetwork) net.model());
        }
    }
}
