package io.github.dl4jcontinual.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.learning.config.IUpdater;
import org.deeplearning4j.datasets.iterator.MultiDataSetWrapperIterator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link ContinualModel} over a {@link MultiLayerNetwork}: one input, one output (the last layer, the classifier).
 * Created by {@link ContinualModel#of(MultiLayerNetwork)}.
 */
public final class MultiLayerNetworkModel extends NetworkModel<MultiLayerNetwork> {

    MultiLayerNetworkModel(MultiLayerNetwork net) {
        super(checked(net));
    }

    private static MultiLayerNetwork checked(Object net) {
        return checked(net, MultiLayerNetwork.class, "network", "net", n -> n.getLayers() != null);
    }

    @Override
    public String kind() {
        return "MultiLayerNetwork";
    }

    /** @return {@link io.github.dl4jcontinual.eval.ModelSummary#of(MultiLayerNetwork)} of the current network */
    @Override
    public io.github.dl4jcontinual.eval.ModelSummary summary() {
        return io.github.dl4jcontinual.eval.ModelSummary.of(net);
    }

    @Override
    Map<String, Layer> layersByName() {
        Map<String, Layer> m = new LinkedHashMap<>();
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            m.put("layer" + i, layers[i]);
        }
        return m;
    }

    @Override
    Layer headLayer() {
        return net.getLayer(net.getnLayers() - 1);
    }

    @Override
    public int numInputs() {
        return 1;
    }

    @Override
    public int numOutputs() {
        return 1;
    }

    @Override
    public List<String> outputNames() {
        return List.of("layer " + (net.getnLayers() - 1));
    }

    @Override
    public int classificationOutput() {
        return 0;
    }

    @Override
    public long inputSize(int input) {
        org.deeplearning4j.nn.conf.layers.Layer first = net.getLayerWiseConfigurations().getConf(0).getLayer();
        return first instanceof FeedForwardLayer && net.getLayerWiseConfigurations().getInputPreProcess(0) == null
                ? ((FeedForwardLayer) first).getNIn() : -1;
    }

    private static INDArray single(INDArray[] a, String what) {
        if (a == null) {
            return null;
        }
        if (a.length != 1) {
            throw new IllegalArgumentException("A MultiLayerNetwork takes one " + what + " array (got " + a.length
                    + "); use a ComputationGraph for several");
        }
        return a[0];
    }

    @Override
    public INDArray[] output(INDArray[] features, INDArray[] featureMasks) {
        return new INDArray[]{net.output(single(features, "input"), false, single(featureMasks, "mask"), null)
                .detach()};
    }

    @Override
    public INDArray activations(String layer, INDArray[] features, INDArray[] featureMasks) {
        int idx = layerIndex(layer);
        INDArray mask = single(featureMasks, "mask");
        if (mask != null) {
            net.setLayerMaskArrays(mask, null);
        }
        try {
            List<INDArray> acts = net.feedForwardToLayer(idx, single(features, "input"), false);
            return acts.get(idx + 1).detach();
        } finally {
            if (mask != null) {
                net.clearLayerMaskArrays();
            }
        }
    }

    private int layerIndex(String layer) {
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
            // not an index
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add(net.getLayer(i).conf().getLayer().getLayerName());
        }
        throw new IllegalArgumentException("The network has no layer named or numbered '" + layer
                + "' (expected a layer name " + names + " or an index in [0, " + n + "))");
    }

    static DataSet toDataSet(MultiDataSet batch) {
        return new DataSet(single(batch.getFeatures(), "input"), single(batch.getLabels(), "label"),
                single(batch.getFeaturesMaskArrays(), "mask"), single(batch.getLabelsMaskArrays(), "label mask"));
    }

    @Override
    public INDArray[] currentInputs() {
        return new INDArray[]{net.getInput()};
    }

    @Override
    public void fit(MultiDataSet batch) {
        net.fit(toDataSet(batch));
    }

    @Override
    public void fit(MultiDataSetIterator data, int epochs) {
        net.fit(new MultiDataSetWrapperIterator(data), epochs);
    }

    @Override
    public double score(MultiDataSet batch) {
        return net.score(toDataSet(batch), false);
    }

    @Override
    INDArray updaterStateView() {
        Updater u = net.getUpdater(false);
        return u == null ? null : u.getStateViewArray();
    }

    @Override
    void resetIterationCount() {
        net.setIterationCount(0);
    }

    @Override
    public void setLearningRate(double lr) {
        net.setLearningRate(lr);
    }

    @Override
    public int iterationCount() {
        return net.getIterationCount();
    }

    @Override
    public int epochCount() {
        return net.getEpochCount();
    }

    @Override
    void incrementEpochCount() {
        net.incrementEpochCount();
    }

    @Override
    MultiLayerNetwork checkReplacement(Object candidate) {
        return checked(candidate);
    }

    @Override
    MultiLayerNetwork withWiderHead(int newNOut) {
        return new TransferLearning.Builder(net).nOutReplace(net.getnLayers() - 1, newNOut, WeightInit.XAVIER).build();
    }

    @Override
    MultiLayerNetwork rebuiltWithHead(int newNOut) {
        int last = net.getnLayers() - 1;
        MultiLayerConfiguration c = net.getLayerWiseConfigurations().clone();
        ((ExpandableOutputLayer) c.getConf(last).getLayer()).setNOut(newNOut);
        MultiLayerNetwork n = new MultiLayerNetwork(c);
        n.init();
        for (int i = 0; i < last; i++) {
            if (net.getLayer(i).numParams() > 0) {
                n.getLayer(i).params().assign(net.getLayer(i).params());
            }
        }
        return n;
    }

    @Override
    MultiLayerNetwork sharedParameterNetwork(
            java.util.function.UnaryOperator<org.deeplearning4j.nn.conf.layers.Layer> head) {
        MultiLayerConfiguration c = net.getLayerWiseConfigurations().clone();
        org.deeplearning4j.nn.conf.NeuralNetConfiguration last = c.getConf(net.getnLayers() - 1);
        last.setLayer(head.apply(last.getLayer()));
        MultiLayerNetwork twin = new MultiLayerNetwork(c);
        twin.init(net.params(), false);
        return twin;
    }

    @Override
    INDArray twinOutput(MultiLayerNetwork twin, INDArray[] features, INDArray[] masks) {
        return twin.output(single(features, "input"), false, single(masks, "mask"), null).detach();
    }

    @Override
    INDArray twinGradient(MultiLayerNetwork twin, MultiDataSet batch) {
        // computeGradientAndScore, not calculateGradients: the latter leaves score() at its old value, and the
        // twin's lastScore() is the loss of this batch
        DataSet ds = toDataSet(batch);
        twin.setInput(ds.getFeatures());
        twin.setLabels(ds.getLabels());
        twin.setLayerMaskArrays(ds.getFeaturesMaskArray(), ds.getLabelsMaskArray());
        twin.computeGradientAndScore();
        twin.clearLayersStates();
        return twin.getGradientsViewArray();
    }

    @Override
    public MultiLayerNetworkModel copy() {
        MultiLayerNetwork c = net.clone();
        c.setListeners(new ArrayList<>());
        return new MultiLayerNetworkModel(c);
    }

    @Override
    public MultiLayerNetworkModel copy(IUpdater updater, long seed) {
        MultiLayerNetwork c = new TransferLearning.Builder(net.clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(updater).seed(seed).build())
                .build();
        c.setListeners(new ArrayList<>());
        return new MultiLayerNetworkModel(c);
    }

    @Override
    public List<TrainingListener> listeners() {
        return new ArrayList<>(net.getListeners());
    }
}
