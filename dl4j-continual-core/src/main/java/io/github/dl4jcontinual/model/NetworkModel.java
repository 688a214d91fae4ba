package io.github.dl4jcontinual.model;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link MultiLayerNetworkModel} and {@link ComputationGraphModel} share: parameters, masks, the head's loss,
 * head growth, listeners and persistence, written once over the few operations in which the two network types
 * differ. Package-private.
 *
 * @param <N> the network type
 */
abstract class NetworkModel<N extends Model> implements ContinualModel {
    private static final Set<String> NO_GRADIENT = Set.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
            BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD);

    protected N net;
    private IdentityTwin logitsTwin;

    NetworkModel(N net) {
        this.net = net;
    }

    /**
     * @param candidate   the network given
     * @param type        the network class expected
     * @param noun        what it is called in the messages ("network", "graph")
     * @param variable    the variable of the fix, e.g. "net" for {@code net.init()}
     * @param initialised whether it is initialised
     * @param <T>         the network class
     * @return the network
     * @throws IllegalArgumentException if it is null, of another class or not initialised
     */
    static <T extends Model> T checked(Object candidate, Class<T> type, String noun, String variable,
                                       java.util.function.Predicate<T> initialised) {
        if (candidate == null) {
            throw new IllegalArgumentException("The " + noun + " is null");
        }
        if (!type.isInstance(candidate)) {
            throw new IllegalArgumentException("Expected a " + type.getSimpleName() + " (got: "
                    + candidate.getClass().getName() + ")");
        }
        T n = type.cast(candidate);
        if (!initialised.test(n)) {
            throw new IllegalArgumentException("The " + type.getSimpleName() + " is not initialised: call " + variable
                    + ".init() first");
        }
        return n;
    }

    /** @return the layers with parameters, by a stable name (MultiLayerNetwork: "layer i"; graph: vertex name) */
    abstract Map<String, Layer> layersByName();

    /** @return the classification output layer (runtime) */
    abstract Layer headLayer();

    /** Checks that {@code candidate} may replace the current network and returns it typed. */
    abstract N checkReplacement(Object candidate);

    /** The network rebuilt by TransferLearning with a wider classification output ({@code nOutReplace}). */
    abstract N withWiderHead(int newNOut);

    /** The network rebuilt from a clone of its configuration in which the (expandable) head has {@code nOut}. */
    abstract N rebuiltWithHead(int newNOut);

    /** A network built from a clone of the configuration, head replaced, initialised on {@code params} (shared). */
    abstract N sharedParameterNetwork(java.util.function.UnaryOperator<org.deeplearning4j.nn.conf.layers.Layer> head);

    abstract INDArray twinOutput(N twin, INDArray[] features, INDArray[] masks);

    abstract INDArray twinGradient(N twin, org.nd4j.linalg.dataset.api.MultiDataSet batch);

    @Override
    public Model network() {
        return net;
    }

    @Override
    public <T> T unwrap(Class<T> type) {
        if (!type.isInstance(net)) {
            throw new IllegalArgumentException("The model is a " + kind() + ", not a " + type.getSimpleName());
        }
        return type.cast(net);
    }

    @Override
    public String describe() {
        return kind() + " (" + layersByName().size() + " layers with parameters, " + numParams()
                + " parameters, inputs " + numInputs() + ", outputs " + outputNames() + ", classifier "
                + classificationOutputName() + " of " + headSize() + " classes)";
    }

    @Override
    public org.deeplearning4j.nn.conf.layers.Layer headConf() {
        return headLayer().conf().getLayer();
    }

    @Override
    public Map<String, INDArray> headParams() {
        return headLayer().paramTable();
    }

    @Override
    public int headSize() {
        org.deeplearning4j.nn.conf.layers.Layer l = headConf();
        if (l instanceof ExpandableOutputLayer) {
            return (int) ((ExpandableOutputLayer) l).getNOut();
        }
        if (!(l instanceof FeedForwardLayer)) {
            throw new IllegalArgumentException("The classification output " + classificationOutputName() + " is a "
                    + l.getClass().getSimpleName() + "; continual learning needs a feed-forward output layer (e.g. "
                    + "OutputLayer, RnnOutputLayer) whose nOut is the number of classes");
        }
        return (int) ((FeedForwardLayer) l).getNOut();
    }

    @Override
    public INDArray logits(INDArray[] features, INDArray[] featureMasks) {
        if (logitsTwin == null || !logitsTwin.isFor(this)) {
            logitsTwin = new IdentityTwin();
        }
        return logitsTwin.output(features, featureMasks);
    }

    @Override
    public double lastScore() {
        return net.score();
    }

    @Override
    public long numParams() {
        return net.numParams();
    }

    @Override
    public INDArray params() {
        return net.params();
    }

    @Override
    public void setParams(INDArray params) {
        if (params.length() != numParams()) {
            throw new IllegalArgumentException("Expected " + numParams() + " parameter values (got: "
                    + params.length() + ")");
        }
        net.params().assign(params.reshape(net.params().shape()));
    }

    @Override
    public INDArray trainableMask() {
        INDArray flat = net.params();
        INDArray mask = Nd4j.zeros(flat.dataType(), 1, flat.length());
        long base = flat.offset();
        for (Layer l : layersByName().values()) {
            if (l instanceof FrozenLayer || l instanceof FrozenLayerWithBackprop) {
                continue;
            }
            for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
                if (NO_GRADIENT.contains(p.getKey())) {
                    continue;
                }
                long from = p.getValue().offset() - base;
                mask.get(NDArrayIndex.point(0), NDArrayIndex.interval(from, from + p.getValue().length())).assign(1);
            }
        }
        return mask;
    }

    @Override
    public ParameterLayout parameterLayout() {
        Map<String, Map<String, INDArray>> tables = new LinkedHashMap<>();
        layersByName().forEach((name, l) -> tables.put(name, l.paramTable()));
        return ParameterLayout.of(net.params(), tables);
    }

    @Override
    public void fireEpochStart() {
        for (TrainingListener l : listeners()) {
            l.onEpochStart(net);
        }
    }

    @Override
    public void fireEpochEnd() {
        for (TrainingListener l : listeners()) {
            l.onEpochEnd(net);
        }
        incrementEpochCount();
    }

    abstract void incrementEpochCount();

    /** @return the updater's state view array, or null if the network has no updater state yet */
    abstract INDArray updaterStateView();

    /** Sets the network's iteration counter to 0. */
    abstract void resetIterationCount();

    @Override
    public void resetUpdater() {
        INDArray state = updaterStateView();
        if (state != null) {
            state.assign(0);
        }
        resetIterationCount();
    }

    @Override
    public INDArray updaterState() {
        INDArray state = updaterStateView();
        return state == null ? null : state.dup();
    }

    private BaseOutputLayer outputLayerConf(String what) {
        org.deeplearning4j.nn.conf.layers.Layer l = headConf();
        if (!(l instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException(what + " needs an output layer with a loss function (e.g. OutputLayer) "
                    + "as the classification output " + classificationOutputName() + "; it is a "
                    + l.getClass().getSimpleName());
        }
        return (BaseOutputLayer) l;
    }

    @Override
    public ILossFunction headLoss() {
        return outputLayerConf("Reading the head's loss").getLossFn();
    }

    @Override
    public void setHeadLoss(ILossFunction loss) {
        outputLayerConf("Replacing the head's loss").setLossFn(loss);
    }

    @Override
    public void growHead(int newNOut) {
        int old = headSize();
        if (newNOut < old) {
            throw new IllegalArgumentException("The classification output cannot shrink from " + old + " to "
                    + newNOut + " classes");
        }
        if (newNOut == old) {
            return;
        }
        List<TrainingListener> ls = listeners();
        Map<String, INDArray> oldParams = new HashMap<>();
        headParams().forEach((k, v) -> oldParams.put(k, v.dup()));
        if (headConf() instanceof ExpandableOutputLayer) {
            List<String> perClass = ((ExpandableOutputLayer) headConf()).perClassParams();
            N grown = rebuiltWithHead(newNOut);
            net = grown;
            for (Map.Entry<String, INDArray> e : headParams().entrySet()) {
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
        } else {
            if (!oldParams.containsKey(DefaultParamInitializer.WEIGHT_KEY)) {
                throw new IllegalArgumentException("Growing the head needs an output layer with a weight parameter W "
                        + "(and optionally b); " + classificationOutputName() + " has " + oldParams.keySet());
            }
            INDArray w = oldParams.get(DefaultParamInitializer.WEIGHT_KEY);
            INDArray b = oldParams.get(DefaultParamInitializer.BIAS_KEY);
            IWeightInit init = ((BaseLayer) headConf()).getWeightInitFn();
            net = withWiderHead(newNOut);
            Map<String, INDArray> after = headParams();
            INDArray nw = after.get(DefaultParamInitializer.WEIGHT_KEY);
            // the new units use the layer's own weight initialisation (TransferLearning only accepts the enum)
            init.init(nw.size(0), newNOut, nw.shape(), nw.ordering(), nw);
            nw.get(NDArrayIndex.all(), NDArrayIndex.interval(0, old)).assign(w);
            if (b != null) {
                INDArray nb = after.get(DefaultParamInitializer.BIAS_KEY);
                nb.get(NDArrayIndex.all(), NDArrayIndex.interval(0, old)).assign(b.reshape(1, old));
            }
        }
        setListeners(ls);
    }

    @Override
    public void replace(Object network) {
        List<TrainingListener> ls = listeners();
        // checked before it is swapped in: a refused replacement leaves this model as it was (a graph must keep
        // its classification output by name; a MultiLayerNetwork's is its last layer, whatever its depth)
        net = checkReplacement(network);
        setListeners(ls);
    }

    @Override
    public Twin twin(ILossFunction loss, IActivation activation) {
        String name = classificationOutputName();
        return new SharedTwin(l -> {
            changeHead(l, name, loss, activation);
            return l;
        });
    }

    @Override
    public Twin twin(java.util.function.UnaryOperator<org.deeplearning4j.nn.conf.layers.Layer> head) {
        return new SharedTwin(head);
    }

    @Override
    public void save(OutputStream out) {
        ModelFiles.write(this, out);
    }

    /**
     * @return the DL4J {@code ModelSerializer} zip of the network with its updater state
     */
    byte[] modelSerializerZip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(net, bytes, true);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot serialise the " + kind(), e);
        }
        return bytes.toByteArray();
    }

    @Override
    public void setListeners(Collection<? extends TrainingListener> listeners) {
        net.setListeners(new ArrayList<>(listeners));
    }

    /** A twin: a second network initialised on this network's parameter array. */
    private final class SharedTwin implements Twin {
        final N source;
        final INDArray params;
        final N twin;

        SharedTwin(java.util.function.UnaryOperator<org.deeplearning4j.nn.conf.layers.Layer> head) {
            this.source = net;
            this.params = net.params();
            this.twin = sharedParameterNetwork(head);
        }

        @Override
        public INDArray output(INDArray[] features, INDArray[] masks) {
            return twinOutput(twin, features, masks);
        }

        @Override
        public INDArray gradient(org.nd4j.linalg.dataset.api.MultiDataSet batch) {
            return twinGradient(twin, batch);
        }

        @Override
        public double lastScore() {
            return twin.score();
        }

        @Override
        public boolean isFor(ContinualModel model) {
            return model instanceof NetworkModel && ((NetworkModel<?>) model).net == source
                    && source.params() == params;
        }
    }

    /** The logits twin (identity activation, the network's own loss). */
    private final class IdentityTwin {
        private final Twin twin = twin(null, new ActivationIdentity());

        INDArray output(INDArray[] features, INDArray[] masks) {
            return twin.output(features, masks);
        }

        boolean isFor(ContinualModel model) {
            return twin.isFor(model);
        }
    }

    /**
     * Applies a twin's head changes to a cloned output-layer configuration.
     *
     * @param layer      the cloned configuration of the classification output
     * @param name       its name, for messages
     * @param loss       the new loss, or null
     * @param activation the new activation, or null
     */
    static void changeHead(org.deeplearning4j.nn.conf.layers.Layer layer, String name, ILossFunction loss,
                           IActivation activation) {
        if (loss == null && activation == null) {
            return;
        }
        if (layer instanceof org.deeplearning4j.nn.conf.layers.LossLayer) {
            // a parameterless LossLayer (e.g. a plugin's custom loss over the previous layer's output)
            org.deeplearning4j.nn.conf.layers.LossLayer l = (org.deeplearning4j.nn.conf.layers.LossLayer) layer;
            if (loss != null) {
                l.setLossFn(loss);
            }
            if (activation != null) {
                l.setActivationFn(activation);
            }
            return;
        }
        if (!(layer instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException("The classification output " + name + " is a "
                    + layer.getClass().getSimpleName() + "; an output layer or a LossLayer is needed "
                    + "to compute logits or another loss");
        }
        if (loss != null) {
            ((BaseOutputLayer) layer).setLossFn(loss);
        }
        if (activation != null) {
            ((BaseOutputLayer) layer).setActivationFn(activation);
        }
    }
}
