package io.github.dl4jcontinual.replay.selection;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * Inference-mode activations of one layer of a user's network, through DL4J's own feed-forward
 * ({@code feedForwardToLayer} / {@code feedForward}), flattened to [n, d] and detached.
 */
public final class FeatureExtractor {
    private FeatureExtractor() {
    }

    /**
     * @param model  a MultiLayerNetwork or a single-input ComputationGraph
     * @param layer  MultiLayerNetwork: layer name or index; graph: vertex name; null: the layer feeding the output
     *               layer
     * @param inputs examples [n, ...]
     * @return features [n, d], detached
     * @throws IllegalArgumentException naming the layer if it does not exist
     */
    public static INDArray features(Model model, String layer, INDArray inputs) {
        INDArray a;
        if (model instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = (MultiLayerNetwork) model;
            int idx = layerIndex(net, layer);
            List<INDArray> acts = net.feedForwardToLayer(idx, inputs, false);
            a = acts.get(idx + 1);
        } else if (model instanceof ComputationGraph) {
            ComputationGraph g = (ComputationGraph) model;
            String name = layer;
            if (name == null) {
                String out = g.getConfiguration().getNetworkOutputs().get(0);
                name = g.getConfiguration().getVertexInputs().get(out).get(0);
            }
            if (!g.getConfiguration().getVertices().containsKey(name)
                    && !g.getConfiguration().getNetworkInputs().contains(name)) {
                throw new IllegalArgumentException("The graph has no vertex '" + name + "' (vertices: "
                        + g.getConfiguration().getVertices().keySet() + ")");
            }
            a = g.feedForward(inputs, false).get(name);
        } else {
            throw new IllegalArgumentException("Feature extraction needs a MultiLayerNetwork or ComputationGraph (got: "
                    + (model == null ? "null" : model.getClass().getName()) + ")");
        }
        return a.reshape(a.size(0), -1).detach();
    }

    static int layerIndex(MultiLayerNetwork net, String layer) {
        int n = net.getnLayers();
        if (layer == null) {
            if (n < 2) {
                throw new IllegalArgumentException("The network has a single layer: name a feature layer");
            }
            return n - 2;
        }
        for (int i = 0; i < n; i++) {
            if (layer.equals(net.getLayer(i).conf().getLayer().getLayerName())) {
                return i;
            }
        }
        try {
            int i = Integer.parseInt(layer);
            if (i >= 0 && i < n) {
                return i;
            }
        } catch (NumberFormatException ignored) {
            // fall through
        }
        throw new IllegalArgumentException("The network has no layer named or numbered '" + layer
                + "' (expected a layer name or an index in [0, " + n + "))");
    }
}
