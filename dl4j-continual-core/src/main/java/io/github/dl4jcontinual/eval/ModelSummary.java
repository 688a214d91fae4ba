package io.github.dl4jcontinual.eval;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a run's network was when the run started: its kind, every layer (name, type, nIn/nOut or the shapes of its
 * parameters, parameter count) and the total parameter count, as DL4J reports them ({@code numParams()} of the
 * network and of each layer, the layer configurations), plus DL4J's own {@code summary()} table. Recorded by the
 * trainer in {@link ContinualResult#modelSummary()}. Immutable; round-trips through the result's JSON.
 */
public final class ModelSummary {
    private String kind;
    private long totalParams;
    private List<LayerSummary> layers = new ArrayList<>();
    private String text;

    private ModelSummary() {
        // for Jackson
    }

    /**
     * @param kind        "MultiLayerNetwork", "ComputationGraph" or "SameDiff"
     * @param totalParams the network's parameter count
     * @param layers      its layers (or trainable variables) in order; copied
     * @param text        DL4J's {@code summary()} table, or null
     */
    public ModelSummary(String kind, long totalParams, List<LayerSummary> layers, String text) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.totalParams = totalParams;
        this.layers = new ArrayList<>(layers);
        this.text = text;
    }

    /**
     * @param net an initialised network
     * @return its layers in order (named by the layer's name, or its index), {@code net.numParams()} and
     *         {@code net.summary()}
     */
    public static ModelSummary of(MultiLayerNetwork net) {
        List<LayerSummary> out = new ArrayList<>();
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            out.add(layer(layers[i], Integer.toString(i)));
        }
        return new ModelSummary("MultiLayerNetwork", net.numParams(), out, net.summary());
    }

    /**
     * @param graph an initialised graph
     * @return its vertices in topological order (inputs excluded; vertices without a layer have 0 parameters and
     *         their vertex class as type), {@code graph.numParams()} and {@code graph.summary()}
     */
    public static ModelSummary of(ComputationGraph graph) {
        List<LayerSummary> out = new ArrayList<>();
        GraphVertex[] vertices = graph.getVertices();
        for (int idx : graph.topologicalSortOrder()) {
            GraphVertex v = vertices[idx];
            if (v.isInputVertex()) {
                continue;
            }
            if (v.hasLayer()) {
                out.add(layer(v.getLayer(), v.getVertexName()));
            } else {
                out.add(new LayerSummary(v.getVertexName(), v.getClass().getSimpleName(), -1, -1, "", 0));
            }
        }
        return new ModelSummary("ComputationGraph", graph.numParams(), out, graph.summary());
    }

    private static LayerSummary layer(Layer l, String fallbackName) {
        org.deeplearning4j.nn.conf.layers.Layer conf = l.conf().getLayer();
        String name = conf.getLayerName() == null ? fallbackName : conf.getLayerName();
        org.deeplearning4j.nn.conf.layers.Layer inner = conf;
        String type = conf.getClass().getSimpleName();
        if (conf instanceof org.deeplearning4j.nn.conf.layers.misc.FrozenLayer) {
            inner = ((org.deeplearning4j.nn.conf.layers.misc.FrozenLayer) conf).getLayer();
            type += "(" + inner.getClass().getSimpleName() + ")";
        } else if (conf instanceof org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer) {
            inner = ((org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer) conf).getUnderlying();
            type += "(" + inner.getClass().getSimpleName() + ")";
        }
        long nIn = -1;
        long nOut = -1;
        if (inner instanceof FeedForwardLayer) {
            nIn = ((FeedForwardLayer) inner).getNIn();
            nOut = ((FeedForwardLayer) inner).getNOut();
        }
        StringBuilder shape = new StringBuilder();
        Map<String, INDArray> table = l.paramTable();
        if (table != null) {
            for (Map.Entry<String, INDArray> e : table.entrySet()) {
                shape.append(shape.length() == 0 ? "" : " ").append(e.getKey())
                        .append(Arrays.toString(e.getValue().shape()));
            }
        }
        return new LayerSummary(name, type, nIn, nOut, shape.toString(), l.numParams());
    }

    /** @return "MultiLayerNetwork", "ComputationGraph" or "SameDiff" */
    public String kind() {
        return kind;
    }

    /** @return the network's parameter count ({@code numParams()}) */
    public long totalParams() {
        return totalParams;
    }

    /** @return the layers (or trainable variables) in order, unmodifiable */
    public List<LayerSummary> layers() {
        return Collections.unmodifiableList(layers);
    }

    /** @return DL4J's {@code summary()} table, or null (SameDiff, or not recorded) */
    public String text() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ModelSummary)) {
            return false;
        }
        ModelSummary m = (ModelSummary) o;
        return kind.equals(m.kind) && totalParams == m.totalParams && layers.equals(m.layers)
                && Objects.equals(text, m.text);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, totalParams, layers, text);
    }

    @Override
    public String toString() {
        return kind + " (" + layers.size() + " layers, " + totalParams + " parameters)";
    }

    /** One layer of a {@link ModelSummary}: name, type, nIn/nOut (-1 when the layer has none), shapes, parameters. */
    public static final class LayerSummary {
        private String name;
        private String type;
        private long nIn;
        private long nOut;
        private String shape;
        private long params;

        private LayerSummary() {
            // for Jackson
        }

        /**
         * @param name   the layer's (vertex's, variable's) name
         * @param type   its configuration class, e.g. "DenseLayer"
         * @param nIn    its nIn, or -1 when it has none
         * @param nOut   its nOut, or -1 when it has none
         * @param shape  the shapes of its parameters ("W[784, 64] b[64]"), empty when it has none
         * @param params its parameter count
         */
        public LayerSummary(String name, String type, long nIn, long nOut, String shape, long params) {
            this.name = Objects.requireNonNull(name, "name");
            this.type = Objects.requireNonNull(type, "type");
            this.nIn = nIn;
            this.nOut = nOut;
            this.shape = Objects.requireNonNull(shape, "shape");
            this.params = params;
        }

        /** @return the layer's name */
        public String name() {
            return name;
        }

        /** @return its configuration class's simple name */
        public String type() {
            return type;
        }

        /** @return its nIn, or -1 */
        public long nIn() {
            return nIn;
        }

        /** @return its nOut, or -1 */
        public long nOut() {
            return nOut;
        }

        /** @return the shapes of its parameters, by parameter key; empty when it has none */
        public String shape() {
            return shape;
        }

        /** @return its parameter count */
        public long params() {
            return params;
        }

        @Override
        public boolean equals(Object o) {
            if (!(o instanceof LayerSummary)) {
                return false;
            }
            LayerSummary l = (LayerSummary) o;
            return name.equals(l.name) && type.equals(l.type) && nIn == l.nIn && nOut == l.nOut
                    && shape.equals(l.shape) && params == l.params;
        }

        @Override
        public int hashCode() {
            return Objects.hash(name, type, nIn, nOut, shape, params);
        }

        @Override
        public String toString() {
            return name + " " + type + " " + shape + " " + params;
        }
    }
}
