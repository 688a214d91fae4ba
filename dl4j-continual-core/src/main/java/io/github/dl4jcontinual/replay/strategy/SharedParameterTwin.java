package io.github.dl4jcontinual.replay.strategy;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * A second DL4J network built from a clone of the model's configuration and initialised on the model's own
 * parameter array ({@code init(params, false)}): it always sees the current parameters, has its own gradient
 * array, and can therefore compute the gradient of another loss on other data without touching the model's
 * state. The {@link #logits} twin has an identity output activation and an MSE loss (DER's logit regression);
 * the {@link #sameLoss} twin keeps the model's loss (A-GEM's reference gradient).
 */
final class SharedParameterTwin {
    private final Model source;
    private final INDArray params;
    private final MultiLayerNetwork mln;
    private final ComputationGraph graph;

    private SharedParameterTwin(Model source, boolean logits) {
        this.source = source;
        this.params = source.params();
        if (source instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = (MultiLayerNetwork) source;
            MultiLayerConfiguration c = net.getLayerWiseConfigurations().clone();
            if (logits) {
                toLogits(c.getConf(net.getnLayers() - 1).getLayer(), "layer " + (net.getnLayers() - 1));
            }
            mln = new MultiLayerNetwork(c);
            mln.init(params, false);
            graph = null;
        } else if (source instanceof ComputationGraph) {
            ComputationGraph g = (ComputationGraph) source;
            ComputationGraphConfiguration c = g.getConfiguration().clone();
            String out = c.getNetworkOutputs().get(0);
            GraphVertex v = c.getVertices().get(out);
            if (!(v instanceof LayerVertex) || c.getNetworkOutputs().size() != 1) {
                throw new IllegalArgumentException("Rehearsal needs a graph with one output layer (got outputs "
                        + c.getNetworkOutputs() + ")");
            }
            if (logits) {
                toLogits(((LayerVertex) v).getLayerConf().getLayer(), out);
            }
            graph = new ComputationGraph(c);
            graph.init(params, false);
            mln = null;
        } else {
            throw new IllegalArgumentException("Rehearsal needs a MultiLayerNetwork or ComputationGraph (got: "
                    + (source == null ? "null" : source.getClass().getName()) + ")");
        }
    }

    private static void toLogits(Layer out, String name) {
        if (!(out instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException("The output layer " + name + " is a " + out.getClass().getSimpleName()
                    + "; logit-based rehearsal (DER) needs an OutputLayer-like layer (BaseOutputLayer)");
        }
        ((BaseOutputLayer) out).setLossFn(new LossMSE());
        ((BaseOutputLayer) out).setActivationFn(new ActivationIdentity());
    }

    /**
     * @param model the model
     * @return a twin whose output is the model's logits and whose loss is MSE
     */
    static SharedParameterTwin logits(Model model) {
        return new SharedParameterTwin(model, true);
    }

    /**
     * @param model the model
     * @return a twin with the model's own loss
     */
    static SharedParameterTwin sameLoss(Model model) {
        return new SharedParameterTwin(model, false);
    }

    /** @return true if this twin still shares the parameters of {@code model} */
    boolean isFor(Model model) {
        return model == source && model.params() == params;
    }

    /**
     * @param x inputs
     * @return the twin's inference output, detached (the model's logits for a {@link #logits} twin)
     */
    INDArray output(INDArray x) {
        return (mln != null ? mln.output(x, false) : graph.outputSingle(false, x)).detach();
    }

    /**
     * The gradient of the twin's loss, summed (not averaged) over the rows, as DL4J's listeners see gradients
     * before the updater divides by the minibatch size.
     *
     * @param x inputs
     * @param y targets (labels, or logits for a logits twin)
     * @return the twin's flattened gradient array, valid until the next call
     */
    INDArray gradient(INDArray x, INDArray y) {
        if (mln != null) {
            mln.calculateGradients(x, y, null, null);
            return mln.getGradientsViewArray();
        }
        // ComputationGraph has no calculateGradients in M2.1: the same through its public training entry point
        graph.setInputs(x);
        graph.setLabels(y);
        graph.setLayerMaskArrays(null, null);
        graph.computeGradientAndScore();
        graph.clearLayersStates();
        return graph.getGradientsViewArray();
    }
}
