package io.github.dl4jcontinual.metalearning;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The operations iTAML needs from a {@link MultiLayerNetwork} or a single-input, single-output
 * {@link ComputationGraph} (package-private).
 */
abstract class ItamlNet {

    static ItamlNet of(Model model) {
        if (model instanceof MultiLayerNetwork) {
            return new Mln((MultiLayerNetwork) model);
        }
        if (model instanceof ComputationGraph) {
            return new Graph((ComputationGraph) model);
        }
        throw new IllegalArgumentException("Expected a MultiLayerNetwork or ComputationGraph (got: "
                + (model == null ? null : model.getClass().getName()) + ")");
    }

    abstract Model model();

    /** One parameter update with the network's own updater (fires its listeners' iterationDone). */
    abstract void fit(DataSet batch);

    /** Inference-mode output, detached. */
    abstract INDArray output(INDArray features);

    abstract Layer outputConf();

    abstract String outputName();

    abstract void setLearningRate(double lr);

    abstract void incrementEpochCount();

    abstract int iterationCount();

    abstract Collection<TrainingListener> listeners();

    /** A deep copy whose updater is replaced (fresh state), same parameters. */
    abstract ItamlNet copyWithUpdater(IUpdater updater, long seed);

    INDArray params() {
        return model().params();
    }

    void setParams(INDArray p) {
        model().setParams(p.reshape(model().params().shape()));
    }

    /** Checks the output layer: a BaseOutputLayer with IDENTITY or SIGMOID activation and nOut = numClasses. */
    BaseOutputLayer checkedOutput(int numClasses) {
        Layer l = outputConf();
        if (!(l instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException("iTAML needs an output layer (e.g. OutputLayer) as " + outputName()
                    + "; got " + l.getClass().getSimpleName());
        }
        BaseOutputLayer o = (BaseOutputLayer) l;
        if (!(o.getActivationFn() instanceof ActivationIdentity) && !(o.getActivationFn() instanceof ActivationSigmoid)) {
            throw new IllegalArgumentException("iTAML trains a binary cross-entropy on logits: the output layer "
                    + outputName() + " should have IDENTITY (or SIGMOID) activation (got: " + o.getActivationFn()
                    + ")");
        }
        if (o.getNOut() != numClasses) {
            throw new IllegalArgumentException("The output layer " + outputName() + " has nOut = " + o.getNOut()
                    + " but the scenario has " + numClasses + " classes: iTAML needs one output per class");
        }
        return o;
    }

    void fireEpochStart() {
        for (TrainingListener l : listeners()) {
            l.onEpochStart(model());
        }
    }

    void fireEpochEnd() {
        for (TrainingListener l : listeners()) {
            l.onEpochEnd(model());
        }
        incrementEpochCount();
    }

    /** MultiLayerNetwork. */
    static final class Mln extends ItamlNet {
        private final MultiLayerNetwork net;

        Mln(MultiLayerNetwork net) {
            if (net.getLayers() == null) {
                throw new IllegalArgumentException("The MultiLayerNetwork is not initialised: call net.init() first");
            }
            this.net = net;
        }

        @Override
        Model model() {
            return net;
        }

        @Override
        void fit(DataSet batch) {
            net.fit(batch);
        }

        @Override
        INDArray output(INDArray features) {
            return net.output(features, false);
        }

        @Override
        Layer outputConf() {
            return net.getLayer(net.getnLayers() - 1).conf().getLayer();
        }

        @Override
        String outputName() {
            return "layer " + (net.getnLayers() - 1);
        }

        @Override
        void setLearningRate(double lr) {
            net.setLearningRate(lr);
        }

        @Override
        void incrementEpochCount() {
            net.incrementEpochCount();
        }

        @Override
        int iterationCount() {
            return net.getIterationCount();
        }

        @Override
        Collection<TrainingListener> listeners() {
            return new ArrayList<>(net.getListeners());
        }

        @Override
        ItamlNet copyWithUpdater(IUpdater updater, long seed) {
            MultiLayerNetwork c = new TransferLearning.Builder(net.clone())
                    .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(updater).seed(seed).build())
                    .build();
            c.setListeners(List.of());
            return new Mln(c);
        }
    }

    /** ComputationGraph with one input and one output. */
    static final class Graph extends ItamlNet {
        private final ComputationGraph net;

        Graph(ComputationGraph net) {
            if (net.getVertices() == null) {
                throw new IllegalArgumentException("The ComputationGraph is not initialised: call graph.init() first");
            }
            if (net.getConfiguration().getNetworkInputs().size() != 1
                    || net.getConfiguration().getNetworkOutputs().size() != 1) {
                throw new IllegalArgumentException("iTAML supports graphs with one input and one output (got inputs "
                        + net.getConfiguration().getNetworkInputs() + ", outputs "
                        + net.getConfiguration().getNetworkOutputs() + ")");
            }
            this.net = net;
        }

        @Override
        Model model() {
            return net;
        }

        @Override
        void fit(DataSet batch) {
            net.fit(batch);
        }

        @Override
        INDArray output(INDArray features) {
            return net.outputSingle(false, features);
        }

        @Override
        Layer outputConf() {
            return net.getLayer(outputName()).conf().getLayer();
        }

        @Override
        String outputName() {
            return net.getConfiguration().getNetworkOutputs().get(0);
        }

        @Override
        void setLearningRate(double lr) {
            net.setLearningRate(lr);
        }

        @Override
        void incrementEpochCount() {
            net.incrementEpochCount();
        }

        @Override
        int iterationCount() {
            return net.getConfiguration().getIterationCount();
        }

        @Override
        Collection<TrainingListener> listeners() {
            return new ArrayList<>(net.getListeners());
        }

        @Override
        ItamlNet copyWithUpdater(IUpdater updater, long seed) {
            ComputationGraph c = new TransferLearning.GraphBuilder(net.clone())
                    .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(updater).seed(seed).build())
                    .build();
            c.setListeners(List.of());
            return new Graph(c);
        }
    }
}
