package io.github.dl4jcontinual.zoo.vl;

import io.github.dl4jcontinual.cil.CosineOutputLayer;
import io.github.dl4jcontinual.zoo.LearnerConfiguration;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.File;
import java.io.IOException;
import java.util.Objects;

/**
 * An image tower aligned with a text space, the offline stand-in for CLIP's visual tower: any DL4J image classifier
 * ({@code MultiLayerNetwork}: a CNN, an MLP, ...) whose output layer is replaced by a linear projection into the
 * text space (width D) followed by a fixed cosine classifier whose class vectors are the class-name text embeddings.
 *
 * <p><b>Alignment pre-training</b> ({@link Builder#align}): the backbone and projection are trained with the
 * softmax cross-entropy of {@code s · cos(proj(x), w_c)} over the alignment classes, the text anchors
 * {@code w_c} and the scale s frozen (core's {@link CosineOutputLayer}, restored after every step): a CLIP-style
 * image-to-text contrastive loss with the class names as the only captions. After alignment the whole tower is
 * treated as frozen by its users; {@link #embed} returns the projection {@code [n, D]} (unnormalised).
 */
public final class AlignedImageTower {
    private final MultiLayerNetwork network;

    /** Wraps an aligned network (backbone, projection, cosine text head), e.g. one read by {@link #load}. */
    public AlignedImageTower(MultiLayerNetwork network) {
        int n = network.getnLayers();
        if (n < 3 || !(network.getLayer(n - 1).conf().getLayer() instanceof CosineOutputLayer)
                || !(network.getLayer(n - 2).conf().getLayer() instanceof DenseLayer)) {
            throw new IllegalArgumentException("Not an aligned tower: expected ... → DenseLayer (projection) → "
                    + "CosineOutputLayer (text anchors), got " + n + " layers ending with "
                    + network.getLayer(n - 1).conf().getLayer().getClass().getSimpleName());
        }
        this.network = network;
    }

    /** The network (backbone, projection, text head). */
    public MultiLayerNetwork network() {
        return network;
    }

    /** Width D of the text space. */
    public int width() {
        return (int) ((FeedForwardLayer) network.getLayer(network.getnLayers() - 2).conf().getLayer()).getNOut();
    }

    /** Projected image embeddings {@code [n, D]} (inference mode, detached). */
    public INDArray embed(INDArray images) {
        int proj = network.getnLayers() - 2;
        return network.feedForwardToLayer(proj, images, false).get(proj + 1).detach();
    }

    /** Fraction of {@code data} whose nearest text anchor (cosine) is the labelled class. */
    public double accuracy(DataSet data) {
        INDArray p = network.output(data.getFeatures(), false).argMax(1);
        INDArray t = data.getLabels().argMax(1);
        return p.eq(t).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).meanNumber().doubleValue();
    }

    /** Writes the network with {@link ModelSerializer} (no updater state). */
    public void save(File file) throws IOException {
        ModelSerializer.writeModel(network, file, false);
    }

    /** Reads a tower written by {@link #save}. */
    public static AlignedImageTower load(File file) throws IOException {
        return new AlignedImageTower(MultiLayerNetwork.load(file, false));
    }

    /** Builds and aligns a tower. */
    public static final class Builder {
        private final MultiLayerNetwork classifier;
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
            this.classifier = Objects.requireNonNull(classifier, "classifier");
            if (classText.rank() != 2 || classText.size(0) < 2) {
                throw new IllegalArgumentException("classText should be [K >= 2, D] (got shape "
                        + java.util.Arrays.toString(classText.shape()) + ")");
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
         */
        public AlignedImageTower align(DataSet data) {
            if (data.getLabels().size(1) != classText.size(0)) {
                throw new IllegalArgumentException("The alignment data has " + data.getLabels().size(1)
                        + " label columns but " + classText.size(0) + " class texts were given");
            }
            int n = classifier.getnLayers();
            long features = ((FeedForwardLayer) classifier.getLayer(n - 1).conf().getLayer()).getNIn();
            long d = classText.size(1);
            MultiLayerNetwork net = new TransferLearning.Builder(classifier)
                    .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(updater).seed(seed).build())
                    .removeOutputLayer()
                    .addLayer(new DenseLayer.Builder().nIn(features).nOut(d).activation(Activation.IDENTITY)
                            .weightInit(WeightInit.XAVIER).build())
                    .addLayer(new CosineOutputLayer.Builder().nIn(d).nOut(classText.size(0)).initialScale(scale)
                            .updater(new NoOp()).build())
                    .build();
            org.deeplearning4j.nn.api.Layer head = net.getLayer(net.getnLayers() - 1);
            INDArray anchors = classText.transpose().castTo(head.getParam(CosineOutputLayer.WEIGHT_KEY).dataType());
            head.getParam(CosineOutputLayer.WEIGHT_KEY).assign(anchors);   // in the flat parameter view
            // DL4J M2.1 still moves the head (its per-layer NoOp updater is not honoured after TransferLearning's
            // fine-tune configuration): put the anchors and the scale back after every step, so that every forward
            // pass sees exactly the frozen text anchors
            net.setListeners(new org.deeplearning4j.optimize.api.BaseTrainingListener() {
                @Override
                public void iterationDone(org.deeplearning4j.nn.api.Model model, int iteration, int epoch) {
                    head.getParam(CosineOutputLayer.WEIGHT_KEY).assign(anchors);
                    head.getParam(CosineOutputLayer.SCALE_KEY).assign(scale);
                }
            });
            java.util.List<DataSet> list = data.asList();
            for (int e = 0; e < epochs; e++) {
                java.util.Collections.shuffle(list, new java.util.Random(seed + e));
                net.fit(new ListDataSetIterator<>(list, batchSize));
            }
            net.setListeners();
            return new AlignedImageTower(net);
        }
    }
}
