package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.OmniglotDatasets;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The image tower's pre-training for {@code ctp --image-pretrain omniglot}: a supervised character classifier on
 * Omniglot, the stand-in for the paper's ImageNet-pretrained image encoder (no image or class of the MNIST /
 * Fashion-MNIST stream is seen). The recipe is fixed: both small background sets ({@link OmniglotDatasets}, 242
 * characters, 28×28 grey with bright ink like MNIST), drawings 1–15 of each character for training and 16–20 held
 * out; MLP 784 → 256 ReLU ({@link WeightInit#RELU}) → softmax 242 (cross-entropy); plain DL4J {@code fit}, Adam
 * 1e-3, minibatch 32, {@value #EPOCHS} epochs, no regularisation; the seed sets the initialisation and the minibatch
 * order. The softmax head is dropped by the caller (only layer 0 becomes the tower).
 */
final class OmniglotPretraining {
    /** Characters (all distinct ones of the two zips). */
    static final int CLASSES = 242;
    /** Training drawings per character (the other 5 are held out). */
    static final int TRAIN_PER_CLASS = 15;
    /** Hidden width: the CTP image tower's default. */
    static final int HIDDEN = 256;
    /** Passes over the 3630 training drawings. */
    static final int EPOCHS = 20;
    static final int BATCH = 32;
    static final double LEARNING_RATE = 1e-3;

    /** A pre-trained network and its held-out Omniglot accuracy. */
    static final class Result {
        final MultiLayerNetwork net;
        final double heldOutAccuracy;
        final double trainAccuracy;

        Result(MultiLayerNetwork net, double heldOutAccuracy, double trainAccuracy) {
            this.net = net;
            this.heldOutAccuracy = heldOutAccuracy;
            this.trainAccuracy = trainAccuracy;
        }
    }

    private OmniglotPretraining() {
    }

    /**
     * @param dir  the data directory with {@code omniglot/images_background_small{1,2}.zip}
     * @param seed initialisation and minibatch-order seed
     * @return the trained 784 → 256 → 242 network with its held-out (drawings 16–20) and training accuracy
     */
    static Result pretrain(DataDirectory dir, long seed) {
        DataSet[] data = OmniglotDatasets.load(dir, CLASSES, TRAIN_PER_CLASS, 28, 0);
        return pretrain(data[0], data[1], EPOCHS, seed);
    }

    /** The recipe on given data (the tests use fewer epochs). */
    static Result pretrain(DataSet train, DataSet test, int epochs, long seed) {
        int in = (int) train.getFeatures().size(1);
        int classes = (int) train.getLabels().size(1);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(LEARNING_RATE)).weightInit(WeightInit.RELU).list()
                .layer(new DenseLayer.Builder().nIn(in).nOut(HIDDEN).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(HIDDEN).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .build());
        net.init();
        DataSet shuffled = train.copy();
        for (int e = 0; e < epochs; e++) {
            shuffled.shuffle(seed * 1000 + e);
            net.fit(new ListDataSetIterator<>(shuffled.asList(), BATCH));
        }
        return new Result(net, accuracy(net, test), accuracy(net, train));
    }

    private static double accuracy(MultiLayerNetwork net, DataSet d) {
        Evaluation ev = new Evaluation((int) d.getLabels().size(1));
        ev.eval(d.getLabels(), net.output(d.getFeatures(), false));
        return ev.accuracy();
    }
}
