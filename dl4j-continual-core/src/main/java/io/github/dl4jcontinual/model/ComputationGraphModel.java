package io.github.dl4jcontinual.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ContinualModel} over a {@link ComputationGraph} with any number of inputs and outputs; one output layer,
 * named by the user (or the only one), is the classifier whose labels are the continual classes. The other outputs
 * are trained on their own labels as the graph defines. Created by {@link ContinualModel#of(ComputationGraph)} and
 * {@link ContinualModel#of(ComputationGraph, String)}.
 */
public final class ComputationGraphModel extends NetworkModel<ComputationGraph> {
    private final String classifier;

    ComputationGraphModel(ComputationGraph graph, String classifier) {
        super(checked(graph));
        List<String> outs = graph.getConfiguration().getNetworkOutputs();
        if (classifier == null) {
            if (outs.size() != 1) {
                throw new IllegalArgumentException("The graph has " + outs.size() + " outputs " + outs + ": name the "
                        + "classification output, e.g. ContinualModel.of(graph, \"" + outs.get(0) + "\")");
            }
            classifier = outs.get(0);
        }
        if (!outs.contains(classifier)) {
            throw new IllegalArgumentException("The graph has no output named '" + classifier + "' (outputs: " + outs
                    + ")");
        }
        if (!(graph.getConfiguration().getVertices().get(classifier) instanceof LayerVertex)) {
            throw new IllegalArgumentException("The classification output '" + classifier + "' is a "
                    + graph.getConfiguration().getVertices().get(classifier).getClass().getSimpleName()
                    + ", not a layer: the classifier must be an output layer");
        }
        this.classifier = classifier;
    }

    private static ComputationGraph checked(Object graph) {
        return checked(graph, ComputationGraph.class, "graph", "graph", g -> g.getVertices() != null);
    }

    @Override
    public String kind() {
        return "ComputationGraph";
    }

    /** @return {@link io.github.dl4jcontinual.eval.ModelSummary#of(ComputationGraph)} of the current graph */
    @Override
    public io.github.dl4jcontinual.eval.ModelSummary summary() {
        return io.github.dl4jcontinual.eval.ModelSummary.of(net);
    }

    @Override
    Map<String, Layer> layersByName() {
        Map<String, Layer> m = new LinkedHashMap<>();
        for (Layer l : net.getLayers()) {
            m.put(l.conf().getLayer().getLayerName(), l);
        }
        return m;
    }

    @Override
    Layer headLayer() {
        return net.getLayer(classifier);
    }

    @Override
    public int numInputs() {
        return net.getConfiguration().getNetworkInputs().size();
    }

    @Override
    public int numOutputs() {
        return net.getConfiguration().getNetworkOutputs().size();
    }

    @Override
    public List<String> outputNames() {
        return List.copyOf(net.getConfiguration().getNetworkOutputs());
    }

    @Override
    public int classificationOutput() {
        return net.getConfiguration().getNetworkOutputs().indexOf(classifier);
    }

    @Override
    public long inputSize(int input) {
        return -1;
    }

    private void checkInputs(INDArray[] features) {
        if (features.length != numInputs()) {
            throw new IllegalArgumentException("The graph has " + numInputs() + " inputs "
                    + net.getConfiguration().getNetworkInputs() + " but the minibatch has " + features.length
                    + " feature arrays");
        }
    }

    @Override
    public INDArray[] output(INDArray[] features, INDArray[] featureMasks) {
        checkInputs(features);
        INDArray[] out = net.output(false, features, featureMasks, null);
        for (int i = 0; i < out.length; i++) {
            out[i] = out[i].detach();
        }
        return out;
    }

    @Override
    public INDArray activations(String layer, INDArray[] features, INDArray[] featureMasks) {
        checkInputs(features);
        String name = layer;
        if (name == null) {
            List<String> in = net.getConfiguration().getVertexInputs().get(classifier);
            name = in.get(0);
        }
        if (net.getConfiguration().getNetworkInputs().contains(name)) {
            return features[net.getConfiguration().getNetworkInputs().indexOf(name)].dup();
        }
        if (!net.getConfiguration().getVertices().containsKey(name)) {
            throw new IllegalArgumentException("The graph has no vertex '" + name + "' (vertices: "
                    + net.getConfiguration().getVertices().keySet() + ")");
        }
        // DL4J's output(List<String>, ...) leaves an activations workspace open when the vertex asked for feeds
        // another one (M2.1); the detached feed-forward up to the vertex's position in the topological order does not
        int vertex = net.getVertex(name).getVertexIndex();
        int[] order = net.topologicalSortOrder();
        int pos = 0;
        while (order[pos] != vertex) {
            pos++;
        }
        net.setLayerMaskArrays(featureMasks, null);
        try {
            return net.feedForward(features, pos, false, true).get(name).detach();
        } finally {
            net.clearLayerMaskArrays();
        }
    }

    @Override
    public INDArray[] currentInputs() {
        return net.getInputs();
    }

    @Override
    public void fit(MultiDataSet batch) {
        net.fit(batch);
    }

    @Override
    public void fit(MultiDataSetIterator data, int epochs) {
        net.fit(data, epochs);
    }

    @Override
    public double score(MultiDataSet batch) {
        return net.score(batch, false);
    }

    @Override
    INDArray updaterStateView() {
        ComputationGraphUpdater u = net.getUpdater(false);
        return u == null ? null : u.getStateViewArray();
    }

    @Override
    void resetIterationCount() {
        net.getConfiguration().setIterationCount(0);
    }

    @Override
    public void setLearningRate(double lr) {
        net.setLearningRate(lr);
    }

    @Override
    public int iterationCount() {
        return net.getConfiguration().getIterationCount();
    }

    @Override
    public int epochCount() {
        return net.getConfiguration().getEpochCount();
    }

    @Override
    void incrementEpochCount() {
        net.incrementEpochCount();
    }

    @Override
    ComputationGraph checkReplacement(Object candidate) {
        ComputationGraph g = checked(candidate);
        if (!g.getConfiguration().getNetworkOutputs().contains(classifier)) {
            throw new IllegalArgumentException("The replacement graph has no output '" + classifier + "' (outputs "
                    + g.getConfiguration().getNetworkOutputs() + ")");
        }
        return g;
    }

    @Override
    ComputationGraph withWiderHead(int newNOut) {
        return new TransferLearning.GraphBuilder(net).nOutReplace(classifier, newNOut, WeightInit.XAVIER).build();
    }

    @Override
    ComputationGraph rebuiltWithHead(int newNOut) {
        ComputationGraphConfiguration c = net.getConfiguration().clone();
        LayerVertex v = (LayerVertex) c.getVertices().get(classifier);
        ((ExpandableOutputLayer) v.getLayerConf().getLayer()).setNOut(newNOut);
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        for (Layer l : net.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (!name.equals(classifier) && l.numParams() > 0) {
                g.getLayer(name).params().assign(l.params());
            }
        }
        return g;
    }

    @Override
    ComputationGraph sharedParameterNetwork(
            java.util.function.UnaryOperator<org.deeplearning4j.nn.conf.layers.Layer> head) {
        ComputationGraphConfiguration c = net.getConfiguration().clone();
        GraphVertex v = c.getVertices().get(classifier);
        org.deeplearning4j.nn.conf.NeuralNetConfiguration lc = ((LayerVertex) v).getLayerConf();
        lc.setLayer(head.apply(lc.getLayer()));
        ComputationGraph twin = new ComputationGraph(c);
        twin.init(net.params(), false);
        return twin;
    }

    @Override
    INDArray twinOutput(ComputationGraph twin, INDArray[] features, INDArray[] masks) {
        checkInputs(features);
        return twin.output(false, features, masks, null)[classificationOutput()].detach();
    }

    @Override
    INDArray twinGradient(ComputationGraph twin, MultiDataSet batch) {
        // ComputationGraph has no calculateGradients in M2.1: the same through its public training entry point
        twin.setInputs(batch.getFeatures());
        twin.setLabels(batch.getLabels());
        twin.setLayerMaskArrays(batch.getFeaturesMaskArrays(), batch.getLabelsMaskArrays());
        twin.computeGradientAndScore();
        twin.clearLayersStates();
        return twin.getGradientsViewArray();
    }

    @Override
    public ComputationGraphModel copy() {
        ComputationGraph c = net.clone();
        // ComputationGraph.clone() starts the copy's counts at 0 (M2.1); Adam's bias correction and schedules read them
        c.getConfiguration().setIterationCount(net.getConfiguration().getIterationCount());
        c.getConfiguration().setEpochCount(net.getConfiguration().getEpochCount());
        c.setListeners(new ArrayList<>());
        return new ComputationGraphModel(c, classifier);
    }

    @Override
    public ComputationGraphModel copy(IUpdater updater, long seed) {
        ComputationGraph c = new TransferLearning.GraphBuilder(net.clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(updater).seed(seed).build())
                .build();
        c.setListeners(new ArrayList<>());
        return new ComputationGraphModel(c, classifier);
    }

    @Override
    public List<TrainingListener> listeners() {
        return new ArrayList<>(net.getListeners());
    }
}
