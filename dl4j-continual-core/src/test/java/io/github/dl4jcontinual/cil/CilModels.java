package io.github.dl4jcontinual.cil;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Networks for the class-incremental tests, built with DL4J's own builders. */
final class CilModels {
    private CilModels() {
    }

    /** MLP nIn-hidden-nOut with a sigmoid/XENT (iCaRL) or softmax/MCXENT output, Adam. */
    static MultiLayerNetwork mlp(int nIn, int hidden, int nOut, boolean sigmoid, double lr, long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(lr)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.RELU).build())
                .layer(output(hidden, nOut, sigmoid)).build());
        net.init();
        return net;
    }

    static ComputationGraph graph(int nIn, int hidden, int nOut, boolean sigmoid, double lr, long seed) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(lr)).weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.RELU).build(), "in")
                .addLayer("out", output(hidden, nOut, sigmoid), "h").setOutputs("out").build());
        g.init();
        return g;
    }

    private static OutputLayer output(int nIn, int nOut, boolean sigmoid) {
        return sigmoid
                ? new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nIn(nIn).nOut(nOut)
                        .activation(Activation.SIGMOID).build()
                : new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(nIn).nOut(nOut)
                        .activation(Activation.SOFTMAX).build();
    }
}
