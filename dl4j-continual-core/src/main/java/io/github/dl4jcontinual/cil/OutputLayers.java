package io.github.dl4jcontinual.cil;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The network operations the class-incremental plugins share, for a {@link MultiLayerNetwork} (the last layer is
 * the classifier) and a single-output {@link ComputationGraph} (the output vertex is the classifier). Stateless.
 */
public final class OutputLayers {
    private OutputLayers() {
    }

    /**
     * @param model a MultiLayerNetwork or ComputationGraph
     * @return the output layer's configuration (live: do not modify)
     * @throws IllegalArgumentException for other models or graphs with several outputs
     */
    public static Layer conf(Model model) {
        if (model instanceof MultiLayerNetwork) {
            MultiLayerNetwork n = (MultiLayerNetwork) model;
            return n.getLayer(n.getnLayers() - 1).conf().getLayer();
        }
        return graph(model).getLayer(name(model)).conf().getLayer();
    }

    /**
     * @param model a MultiLayerNetwork or ComputationGraph
     * @return "layer i" (MultiLayerNetwork) or the output vertex name (graph), for messages
     */
    public static String name(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return "layer " + (((MultiLayerNetwork) model).getnLayers() - 1);
        }
        ComputationGraph g = graph(model);
        if (g.getConfiguration().getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("Expected a graph with one output (got: "
                    + g.getConfiguration().getNetworkOutputs() + ")");
        }
        return g.getConfiguration().getNetworkOutputs().get(0);
    }

    /**
     * @param model a MultiLayerNetwork or ComputationGraph
     * @return the output layer's parameter table: live views into the network's parameters
     */
    public static Map<String, INDArray> params(Model model) {
        if (model instanceof MultiLayerNetwork) {
            MultiLayerNetwork n = (MultiLayerNetwork) model;
            return n.getLayer(n.getnLayers() - 1).paramTable();
        }
        return graph(model).getLayer(name(model)).paramTable();
    }

    /**
     * The output layer's parameter, checked.
     *
     * @param model  the network
     * @param key    parameter key, e.g. "W"
     * @param method the calling method's name, for the message
     * @return the live parameter array
     * @throws IllegalArgumentException naming the layer and its parameters if it has no {@code key}
     */
    public static INDArray param(Model model, String key, String method) {
        Map<String, INDArray> p = params(model);
        INDArray a = p.get(key);
        if (a == null) {
            throw new IllegalArgumentException(method + " needs an output layer with a parameter '" + key
                    + "' (one column per class); the output layer " + name(model) + " ("
                    + conf(model).getClass().getSimpleName() + ") has " + p.keySet());
        }
        return a;
    }

    /**
     * @param model    the network
     * @param features inputs [n, ...]
     * @return the inference-mode output (activations of the output layer), detached
     */
    public static INDArray output(Model model, INDArray features) {
        if (model instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) model).output(features, false).detach();
        }
        return graph(model).outputSingle(false, features).detach();
    }

    /**
     * @param model the network
     * @return an independent copy (configuration and parameters)
     */
    public static Model copy(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) model).clone();
        }
        return graph(model).clone();
    }

    private static ComputationGraph graph(Model model) {
        if (!(model instanceof ComputationGraph)) {
            throw new IllegalArgumentException("Expected a MultiLayerNetwork or ComputationGraph (got: "
                    + (model == null ? "null" : model.getClass().getName()) + ")");
        }
        return (ComputationGraph) model;
    }
}
