package io.github.dl4jcontinual.testutil;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Networks that tests build the way a DL4J user would, with DL4J's own builders. */
public final class Models {
    private Models() {
    }

    /**
     * The DER-protocol MLP: nIn-h-h-nOut, ReLU, Xavier-uniform, softmax + cross-entropy, plain SGD.
     *
     * @param nIn    inputs
     * @param hidden hidden width
     * @param nOut   outputs
     * @param lr     SGD learning rate
     * @param seed   initialisation seed
     * @return an initialised network
     */
    public static MultiLayerNetwork mlp(int nIn, int hidden, int nOut, double lr, long seed) {
        MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).updater(new Sgd(lr)).weightInit(WeightInit.XAVIER_UNIFORM)
                .list()
                .layer(new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(hidden).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(nOut)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return net;
    }

    /**
     * The same MLP as a {@link ComputationGraph} built with DL4J's graph builder.
     *
     * @param nIn    inputs
     * @param hidden hidden width
     * @param nOut   outputs
     * @param lr     SGD learning rate
     * @param seed   initialisation seed
     * @return an initialised graph
     */
    public static ComputationGraph mlpGraph(int nIn, int hidden, int nOut, double lr, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).updater(new Sgd(lr)).weightInit(WeightInit.XAVIER_UNIFORM)
                .graphBuilder()
                .addInputs("in")
                .addLayer("h1", new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.RELU).build(), "in")
                .addLayer("h2", new DenseLayer.Builder().nIn(hidden).nOut(hidden).activation(Activation.RELU).build(), "h1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(nOut)
                        .activation(Activation.SOFTMAX).build(), "h2")
                .setOutputs("out")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }

    /**
     * A graph with two outputs, as a multi-task user would build it: the classifier "out" (softmax +
     * cross-entropy) and a regression head "aux" (identity + MSE) on the same hidden layers, plain SGD.
     *
     * @param nIn    inputs
     * @param hidden hidden width
     * @param nOut   classes of "out"
     * @param nAux   regression targets of "aux"
     * @param lr     SGD learning rate
     * @param seed   initialisation seed
     * @return an initialised graph with outputs ["out", "aux"]
     */
    public static ComputationGraph twoOutputGraph(int nIn, int hidden, int nOut, int nAux, double lr, long seed) {
        ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
                .seed(seed).updater(new Sgd(lr)).weightInit(WeightInit.XAVIER_UNIFORM)
                .graphBuilder()
                .addInputs("in")
                .addLayer("h1", new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.RELU).build(), "in")
                .addLayer("h2", new DenseLayer.Builder().nIn(hidden).nOut(hidden).activation(Activation.RELU).build(), "h1")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(hidden).nOut(nOut)
                        .activation(Activation.SOFTMAX).build(), "h2")
                .addLayer("aux", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(hidden).nOut(nAux)
                        .activation(Activation.IDENTITY).build(), "h2")
                .setOutputs("out", "aux")
                .build();
        ComputationGraph g = new ComputationGraph(conf);
        g.init();
        return g;
    }
}
