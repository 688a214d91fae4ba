package io.github.dl4jcontinual.zoo;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.ReshapeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Convolution1DLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Test networks built with DL4J's ordinary builders (L2P and DAFormer tests). */
public final class SmallVit {
    private SmallVit() {
    }

    /**
     * A small ViT on {@code side×side} images given flat: the image's columns are the tokens (reshape to
     * {@code [mb, side, side]}), a 1-d convolution (kernel 3) embeds them to width {@code d}, two DL4J
     * self-attention layers (the first with a residual connection), average pooling, softmax output.
     */
    public static ComputationGraph build(int side, int d, int classes, DataType type, long seed) {
        return build(side, d, classes, seed, 1e-3, 3, type, ConvolutionMode.Same);
    }

    /**
     * The same ViT with its settings given.
     *
     * @param side    image side (the tokens and their input width)
     * @param d       embedding width
     * @param classes output classes
     * @param seed    the network's seed
     * @param lr      Adam's learning rate
     * @param kernel  the embedding convolution's kernel
     * @param type    the network's data type, or null for DL4J's default
     * @param mode    the convolution mode, or null for DL4J's default
     * @return the initialised graph
     */
    public static ComputationGraph build(int side, int d, int classes, long seed, double lr, int kernel, DataType type,
                                         ConvolutionMode mode) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(lr))
                .weightInit(WeightInit.XAVIER);
        if (type != null) {
            b.dataType(type);
        }
        if (mode != null) {
            b.convolutionMode(mode);
        }
        ComputationGraphConfiguration c = b.graphBuilder()
                .addInputs("in").setInputTypes(InputType.feedForward((long) side * side))
                .addVertex("tokens", new ReshapeVertex(-1, side, side), "in")
                .addLayer("embed", new Convolution1DLayer.Builder(kernel).nIn(side).nOut(d).activation(Activation.TANH)
                        .build(), "tokens")
                .addLayer("att1", new SelfAttentionLayer.Builder().nIn(d).nOut(d).nHeads(2).projectInput(true)
                        .build(), "embed")
                .addVertex("res1", new ElementWiseVertex(ElementWiseVertex.Op.Add), "embed", "att1")
                .addLayer("att2", new SelfAttentionLayer.Builder().nIn(d).nOut(d).nHeads(2).projectInput(true)
                        .build(), "res1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "att2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(classes)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        return g;
    }

    /** @return a graph without attention (dense layers only) */
    public static ComputationGraph mlp() {
        ComputationGraphConfiguration c = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-3))
                .graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(16))
                .addLayer("hidden", new DenseLayer.Builder().nOut(8).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        return g;
    }
}
