package io.github.dl4jcontinual.trainer;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The few operations the trainer needs from a DL4J network, for {@link MultiLayerNetwork} and single-input,
 * single-output {@link ComputationGraph}. Holds the current network, which {@link #expandOutput(int)} replaces.
 *
 * @param <T> the network type
 */
abstract class NetworkAdapter<T extends Model> {
    protected T net;

    NetworkAdapter(T net) {
        this.net = net;
    }

    static NetworkAdapter<MultiLayerNetwork> of(MultiLayerNetwork net) {
        return new Mln(net);
    }

    static NetworkAdapter<ComputationGraph> of(ComputationGraph graph) {
        return new Graph(graph);
    }

    T model() {
        return net;
    }

    abstract void fit(DataSetIterator data, int epochs);

    /** Inference-mode output of the single output layer, detached. */
    abstract INDArray output(INDArray features);

    /** A copy of the network's current listeners (not on DL4J's {@code Model} interface). */
    abstract Collection<TrainingListener> listeners();

    void setListeners(Collection<TrainingListener> listeners) {
        net.setListeners(listeners);
    }

    /** The configuration of the output layer. */
    abstract Layer outputLayerConf();

    /** Number of inputs of the first layer, or -1 if not known from the configuration. */
    abstract long inputSize();

    abstract String outputLayerName();

    int outputSize() {
        Layer l = outputLayerConf();
        if (l instanceof ExpandableOutputLayer) {
            return (int) ((ExpandableOutputLayer) l).getNOut();
        }
        if (!(l instanceof FeedForwardLayer)) {
            throw new IllegalArgumentException("The output layer " + outputLayerName() + " is a "
                    + l.getClass().getSimpleName() + "; the continual trainer needs a feed-forward output layer "
                    + "(e.g. OutputLayer) whose nOut is the number of classes");
        }
        return (int) ((FeedForwardLayer) l).getNOut();
    }

    /** The output layer's parameter table (W, b) of the current network. */
    abstract Map<String, INDArray> outputParams();

    /**
     * Replaces the output layer by one with {@code newNOut} units (TransferLearning, the layer's own weight
     * init), copies the old W columns and b entries, keeps the user's listeners.
     */
    void expandOutput(int newNOut) {
        int old = outputSize();
        if (newNOut < old) {
            throw new IllegalArgumentException("The expanding head cannot shrink from " + old + " to " + newNOut
                    + " outputs");
        }
        if (newNOut == old) {
            return;
        }
        if (outputLayerConf() instanceof ExpandableOutputLayer) {
            Collection<TrainingListener> ls = new ArrayList<>(listeners());
            Map<String, INDArray> oldParams = new java.util.HashMap<>();
            outputParams().forEach((k, v) -> oldParams.put(k, v.dup()));
            java.util.List<String> perClass = ((ExpandableOutputLayer) outputLayerConf()).perClassParams();
            rebuildWithOutput(newNOut);
            for (Map.Entry<String, INDArray> e : outputParams().entrySet()) {
                INDArray prev = oldParams.get(e.getKey());
                INDArray now = e.getValue();
                if (perClass.contains(e.getKey())) {
                    INDArrayIndex[] idx = new INDArrayIndex[now.rank()];
                    for (int d = 0; d < idx.length - 1; d++) {
                        idx[d] = NDArrayIndex.all();
                    }
                    idx[idx.length - 1] = NDArrayIndex.interval(0, old);
                    now.get(idx).assign(prev);
                } else {
                    now.assign(prev);
                }
            }
            setListeners(ls);
            return;
        }
        Map<String, INDArray> before = outputParams();
        if (!before.containsKey(DefaultParamInitializer.WEIGHT_KEY)) {
            throw new IllegalArgumentException("The expanding head needs an output layer with a weight parameter W "
                    + "(and optionally b); " + outputLayerName() + " has " + before.keySet());
        }
        INDArray w = before.get(DefaultParamInitializer.WEIGHT_KEY).dup();
        INDArray b = before.containsKey(DefaultParamInitializer.BIAS_KEY)
                ? before.get(DefaultParamInitializer.BIAS_KEY).dup() : null;
        Collection<TrainingListener> ls = new ArrayList<>(listeners());
        IWeightInit init = ((BaseLayer) outputLayerConf()).getWeightInitFn();
        replaceOutput(newNOut);
        Map<String, INDArray> after = outputParams();
        INDArray nw = after.get(DefaultParamInitializer.WEIGHT_KEY);
        // the new units use the layer's own weight initialisation (TransferLearning only accepts the enum)
        init.init(nw.size(0), newNOut, nw.shape(), nw.ordering(), nw);
        nw.get(NDArrayIndex.all(), NDArrayIndex.interval(0, old)).assign(w);
        if (b != null) {
            INDArray nb = after.get(DefaultParamInitializer.BIAS_KEY);
            nb.get(NDArrayIndex.all(), NDArrayIndex.interval(0, old)).assign(b.reshape(1, old));
        }
        setListeners(ls);
    }

    protected abstract void replaceOutput(int newNOut);

    /**
     * Replaces the network by one built from a clone of its configuration whose {@link ExpandableOutputLayer} has
     * {@code newNOut} outputs; every layer but the output layer gets the old parameters.
     */
    protected abstract void rebuildWithOutput(int newNOut);

    /** MultiLayerNetwork adapter. */
    static final class Mln extends NetworkAdapter<MultiLayerNetwork> {
        Mln(MultiLayerNetwork net) {
            super(net);
            if (net.getLayers() == null) {
                throw new IllegalArgumentException("The MultiLayerNetwork is not initialised: call net.init() first");
            }
        }

        @Override
        void fit(DataSetIterator data, int epochs) {
            net.fit(data, epochs);
        }

        @Override
        INDArray output(INDArray features) {
            return net.output(features, false);
        }

        @Override
        Collection<TrainingListener> listeners() {
            return new ArrayList<>(net.getListeners());
        }

        @Override
        Layer outputLayerConf() {
            return net.getLayerWiseConfigurations().getConf(net.getnLayers() - 1).getLayer();
        }

        @Override
        String outputLayerName() {
            return "layer " + (net.getnLayers() - 1);
        }

        @Override
        long inputSize() {
            Layer first = net.getLayerWiseConfigurations().getConf(0).getLayer();
            return first instanceof FeedForwardLayer && net.getLayerWiseConfigurations().getInputPreProcess(0) == null
                    ? ((FeedForwardLayer) first).getNIn() : -1;
        }

        @Override
        Map<String, INDArray> outputParams() {
            return net.getLayer(net.getnLayers() - 1).paramTable();
        }

        @Override
        protected void replaceOutput(int newNOut) {
            net = new TransferLearning.Builder(net).nOutReplace(net.getnLayers() - 1, newNOut, WeightInit.XAVIER).build();
        }

        @Override
        protected void rebuildWithOutput(int newNOut) {
            int last = net.getnLayers() - 1;
            org.deeplearning4j.nn.conf.MultiLayerConfiguration c = net.getLayerWiseConfigurations().clone();
            ((ExpandableOutputLayer) c.getConf(last).getLayer()).setNOut(newNOut);
            MultiLayerNetwork n = new MultiLayerNetwork(c);
            n.init();
            for (int i = 0; i < last; i++) {
                if (net.getLayer(i).numParams() > 0) {
                    n.getLayer(i).params().assign(net.getLayer(i).params());
                }
            }
            net = n;
        }
    }

    /** ComputationGraph adapter (one input, one output layer). */
    static final class Graph extends NetworkAdapter<ComputationGraph> {
        Graph(ComputationGraph graph) {
            super(graph);
            if (graph.getVertices() == null) {
                throw new IllegalArgumentException("The ComputationGraph is not initialised: call graph.init() first");
            }
            List<String> outs = graph.getConfiguration().getNetworkOutputs();
            if (outs.size() != 1 || graph.getConfiguration().getNetworkInputs().size() != 1) {
                throw new IllegalArgumentException("The continual trainer supports graphs with one input and one "
                        + "output (got inputs " + graph.getConfiguration().getNetworkInputs() + ", outputs " + outs
                        + ")");
            }
        }

        @Override
        void fit(DataSetIterator data, int epochs) {
            net.fit(data, epochs);
        }

        @Override
        INDArray output(INDArray features) {
            return net.outputSingle(false, features);
        }

        @Override
        Collection<TrainingListener> listeners() {
            return new ArrayList<>(net.getListeners());
        }

        @Override
        String outputLayerName() {
            return net.getConfiguration().getNetworkOutputs().get(0);
        }

        @Override
        Layer outputLayerConf() {
            return net.getLayer(outputLayerName()).conf().getLayer();
        }

        @Override
        long inputSize() {
            return -1;
        }

        @Override
        Map<String, INDArray> outputParams() {
            return net.getLayer(outputLayerName()).paramTable();
        }

        @Override
        protected void replaceOutput(int newNOut) {
            net = new TransferLearning.GraphBuilder(net).nOutReplace(outputLayerName(), newNOut, WeightInit.XAVIER).build();
        }

        @Override
        protected void rebuildWithOutput(int newNOut) {
            String out = outputLayerName();
            org.deeplearning4j.nn.conf.ComputationGraphConfiguration c = net.getConfiguration().clone();
            org.deeplearning4j.nn.conf.graph.LayerVertex v =
                    (org.deeplearning4j.nn.conf.graph.LayerVertex) c.getVertices().get(out);
            ((ExpandableOutputLayer) v.getLayerConf().getLayer()).setNOut(newNOut);
            ComputationGraph g = new ComputationGraph(c);
            g.init();
            for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
                String name = l.conf().getLayer().getLayerName();
                if (!name.equals(out) && l.numParams() > 0) {
                    g.getLayer(name).params().assign(l.params());
                }
            }
            net = g;
        }
    }
}
