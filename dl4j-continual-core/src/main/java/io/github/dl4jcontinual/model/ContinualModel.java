package io.github.dl4jcontinual.model;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The one view of a user's network that the continual trainer and every plugin work through: a
 * {@link MultiLayerNetwork}, a {@link ComputationGraph} (any number of inputs and outputs, one of them the
 * classification output) or a SameDiff graph ({@link SameDiffModel}). Plugins never test the network's type; they
 * ask this interface, and an operation a kind of network cannot do fails with an
 * {@link UnsupportedOperationException} that names the operation and the kind.
 *
 * <p>The handle is stable while the network behind it may change: {@link #growHead} and {@link #replace} swap in
 * a new network object (e.g. a wider output layer built through DL4J's {@code TransferLearning}); the user's
 * listeners move to it. Data are {@link MultiDataSet}s whose feature and label arrays follow the network's inputs
 * and outputs; labels of the classification output are one-hot over classes ({@code [n, classes]}, or
 * {@code [n, classes, T]} with a label mask for sequence models).</p>
 *
 * <p>Arrays returned by the inference methods are detached copies the caller owns. {@link #params()} is the
 * network's live flattened parameter view. Not thread-safe: one thread (the trainer's) at a time.</p>
 */
public interface ContinualModel {

    /**
     * @param net an initialised network whose last layer is the classifier
     * @return its model view
     * @throws IllegalArgumentException if it is not initialised
     */
    static ContinualModel of(MultiLayerNetwork net) {
        return new MultiLayerNetworkModel(net);
    }

    /**
     * @param graph an initialised graph with a single output, the classifier
     * @return its model view
     * @throws IllegalArgumentException if it is not initialised or has several outputs (name the classifier then)
     */
    static ContinualModel of(ComputationGraph graph) {
        return new ComputationGraphModel(graph, null);
    }

    /**
     * @param graph                an initialised graph with any number of inputs and outputs
     * @param classificationOutput the name of the output layer whose labels are the continual classes
     * @return its model view
     * @throws IllegalArgumentException if the graph has no such output
     */
    static ContinualModel of(ComputationGraph graph, String classificationOutput) {
        return new ComputationGraphModel(graph, classificationOutput);
    }

    /**
     * The view of a DL4J network known only as a {@link Model} (e.g. the model a {@code TrainingListener} receives,
     * which on a Spark worker is the worker's copy).
     *
     * @param network an initialised MultiLayerNetwork, or a ComputationGraph with a single output
     * @return its model view
     * @throws IllegalArgumentException if it is neither (naming its class) or a graph with several outputs
     */
    static ContinualModel of(Model network) {
        if (network instanceof MultiLayerNetwork) {
            return of((MultiLayerNetwork) network);
        }
        if (network instanceof ComputationGraph) {
            return of((ComputationGraph) network);
        }
        throw new IllegalArgumentException("A model view needs a MultiLayerNetwork or a ComputationGraph (got: "
                + (network == null ? "null" : network.getClass().getName()) + ")");
    }

    /**
     * Reads a model written by {@link #save(OutputStream)}.
     *
     * @param in the stream (read to its end, not closed)
     * @return the model with its updater state
     * @throws java.io.UncheckedIOException if it cannot be read
     * @throws IllegalArgumentException     if it is not a model this library wrote
     */
    static ContinualModel load(InputStream in) {
        return ModelFiles.load(in);
    }

    /** @return "MultiLayerNetwork", "ComputationGraph" or "SameDiff" */
    String kind();

    /**
     * @return the network as DL4J's {@link Model} (the object DL4J listeners receive)
     * @throws UnsupportedOperationException for a SameDiff graph, which is not a DL4J {@code Model}
     */
    Model network();

    /**
     * @param type the expected class of the network, e.g. {@code MultiLayerNetwork.class}
     * @param <T>  that class
     * @return the current network
     * @throws IllegalArgumentException naming both kinds if the network is not a {@code type}
     */
    <T> T unwrap(Class<T> type);

    /** @return a one-line description: kind, layers or vertices, parameter count, inputs and outputs */
    String describe();

    /**
     * @return the network's layers (name, type, nIn/nOut or parameter shapes, parameter count) and total parameter
     *         count as DL4J reports them; by default only the kind and {@link #numParams()}, no layers
     */
    default io.github.dl4jcontinual.eval.ModelSummary summary() {
        return new io.github.dl4jcontinual.eval.ModelSummary(kind(), numParams(), List.of(), null);
    }

    /** @return the number of input arrays a minibatch carries */
    int numInputs();

    /** @return the number of output (label) arrays a minibatch carries */
    int numOutputs();

    /** @return the names of the outputs, in the order of a minibatch's label arrays */
    List<String> outputNames();

    /** @return the index of the classification output among {@link #outputNames()} */
    int classificationOutput();

    /** @return the name of the classification output */
    default String classificationOutputName() {
        return outputNames().get(classificationOutput());
    }

    /**
     * @param input an input index
     * @return the {@code nIn} the first layer reading a 2-d input expects, or -1 if the configuration does not say
     */
    long inputSize(int input);

    /** @return the number of classes the classification output scores (its {@code nOut}) */
    int headSize();

    /**
     * @return the DL4J configuration of the classification output layer (live: changes take effect at once)
     * @throws UnsupportedOperationException for a SameDiff graph
     */
    Layer headConf();

    /**
     * @return the classification output layer's parameters by key (live views)
     * @throws UnsupportedOperationException for a SameDiff graph
     */
    Map<String, INDArray> headParams();

    /**
     * The classification output layer's parameter, checked.
     *
     * @param key parameter key, e.g. "W"
     * @param who the caller (a method's name), for the message
     * @return the live parameter array
     * @throws IllegalArgumentException naming the layer and its parameters if it has no {@code key}
     */
    default INDArray headParam(String key, String who) {
        Map<String, INDArray> p = headParams();
        INDArray a = p.get(key);
        if (a == null) {
            throw new IllegalArgumentException(who + " needs an output layer with a parameter '" + key
                    + "' (one column per class); the output layer " + classificationOutputName() + " ("
                    + headConf().getClass().getSimpleName() + ") has " + p.keySet());
        }
        return a;
    }

    /**
     * Inference-mode outputs of every output.
     *
     * @param features     one array per input
     * @param featureMasks one mask per input, or null
     * @return one detached array per output
     */
    INDArray[] output(INDArray[] features, INDArray[] featureMasks);

    /**
     * @param batch a minibatch (labels are not used)
     * @return the inference-mode scores of the classification output, detached
     */
    default INDArray classScores(MultiDataSet batch) {
        return output(batch.getFeatures(), batch.getFeaturesMaskArrays())[classificationOutput()];
    }

    /**
     * The classification output's pre-activations (the output layer with an identity activation).
     *
     * @param features     one array per input
     * @param featureMasks masks, or null
     * @return logits, detached
     */
    INDArray logits(INDArray[] features, INDArray[] featureMasks);

    /**
     * Inference-mode activations of one layer.
     *
     * @param layer        a layer (vertex) name, a layer index of a MultiLayerNetwork, a SameDiff variable, or null
     *                     for the layer that feeds the classification output
     * @param features     one array per input
     * @param featureMasks masks, or null
     * @return the activations as the layer emits them, detached
     * @throws IllegalArgumentException naming the layers there are if there is no such layer
     */
    INDArray activations(String layer, INDArray[] features, INDArray[] featureMasks);

    /**
     * {@link #activations} flattened to {@code [n, d]} (e.g. for herding, k-means or a nearest-mean classifier).
     *
     * @param layer        as for {@link #activations}
     * @param features     one array per input
     * @param featureMasks masks, or null
     * @return {@code [n, d]}, detached
     */
    default INDArray features(String layer, INDArray[] features, INDArray[] featureMasks) {
        INDArray a = activations(layer, features, featureMasks);
        return a.rank() == 2 ? a : a.reshape(a.size(0), -1);
    }

    /**
     * @return the input arrays of the minibatch the network is training on now (inside a DL4J listener's
     *         {@code onGradientCalculation}; live arrays, read only)
     * @throws UnsupportedOperationException for a SameDiff graph
     */
    INDArray[] currentInputs();

    /**
     * One parameter update on a minibatch with the network's own updater; the network's listeners fire.
     *
     * @param batch features and labels for every input and output
     */
    void fit(MultiDataSet batch);

    /**
     * The network's own training loop: {@code epochs} passes over the data, listeners and workspaces as DL4J does.
     *
     * @param data   minibatches (resettable if {@code epochs > 1})
     * @param epochs passes, at least 1
     */
    void fit(MultiDataSetIterator data, int epochs);

    /**
     * @param batch a minibatch
     * @return the loss of the network on it (inference mode, regularisation included)
     */
    double score(MultiDataSet batch);

    /** @return the loss of the last minibatch trained on (DL4J's {@code score()}), NaN if none yet */
    double lastScore();

    /** @return the number of parameters */
    long numParams();

    /**
     * @return the flattened parameters: a live view for DL4J networks; a fresh copy for SameDiff
     */
    INDArray params();

    /**
     * @param params new parameter values, {@link #numParams()} of them (any shape)
     */
    void setParams(INDArray params);

    /**
     * @return a row vector [1, numParams] of 0/1 in the parameters' data type: 1 for the parameters an optimiser
     *         updates, 0 for frozen layers and for statistics stored among the parameters (BatchNorm's running
     *         mean and variance)
     */
    INDArray trainableMask();

    /** @return where each parameter array lies in {@link #params()} */
    ParameterLayout parameterLayout();

    /** Resets the updater's state (momentum, Adam moments) to zero and the iteration count to 0. */
    void resetUpdater();

    /**
     * @return a copy of the updater's state, or null if the network has none yet
     */
    INDArray updaterState();

    /** @param lr the learning rate of every layer (DL4J's {@code setLearningRate}) */
    void setLearningRate(double lr);

    /** @return the number of parameter updates so far (DL4J's iteration count) */
    int iterationCount();

    /** @return the number of epochs counted so far */
    int epochCount();

    /** Fires {@code onEpochStart} of the network's listeners (for training loops other than {@link #fit(MultiDataSetIterator, int)}). */
    void fireEpochStart();

    /** Fires {@code onEpochEnd} of the network's listeners and increments the epoch count. */
    void fireEpochEnd();

    /**
     * @return the loss function of the classification output
     * @throws IllegalArgumentException if the classification output has none (not an output layer)
     */
    ILossFunction headLoss();

    /**
     * Replaces the loss function of the classification output (DL4J reads it on every call, so it takes effect at
     * once). Callers put the original back when they are done.
     *
     * @param loss the loss
     * @throws IllegalArgumentException if the classification output is not an output layer with a loss
     */
    void setHeadLoss(ILossFunction loss);

    /**
     * Widens the classification output to {@code newNOut} classes: the old classes keep their weights, the new ones
     * get the layer's own initialisation; the network object is replaced (updater state of the head is reset).
     *
     * @param newNOut the new width, at least {@link #headSize()}
     * @throws IllegalArgumentException if it would shrink or the head cannot grow
     */
    void growHead(int newNOut);

    /**
     * Replaces the network behind this handle (e.g. one a plugin built with DL4J's {@code TransferLearning}); the
     * user's listeners move to it.
     *
     * @param network a network of the same kind, initialised, with the same inputs and outputs (a
     *                MultiLayerNetwork may have other layers: its last layer is the classifier)
     * @throws IllegalArgumentException if it is of another kind or does not keep the classification output (a
     *                                  graph's, by name); the model is then unchanged
     */
    void replace(Object network);

    /** @return an independent deep copy (configuration, parameters, updater state), without listeners */
    ContinualModel copy();

    /**
     * @param updater the updater of the copy (fresh state)
     * @param seed    the copy's seed
     * @return a deep copy with the same parameters and another updater, without listeners
     */
    ContinualModel copy(IUpdater updater, long seed);

    /**
     * A second network that shares this one's parameters (it always sees the current values) but has its own
     * gradient buffer, optionally with another loss and activation on the classification output, for gradients
     * or outputs of other losses on other data without touching this network's state.
     *
     * @param loss       the twin's classification loss, or null for the network's own
     * @param activation the twin's classification activation, or null for the network's own
     * @return the twin
     */
    Twin twin(ILossFunction loss, IActivation activation);

    /**
     * A twin whose classification output layer is another layer configuration with the same parameters (e.g. a loss
     * layer computing an extra term from the same weights, as LUCIR's).
     *
     * @param head given a copy of the classification output's configuration, returns the configuration to use
     * @return the twin
     */
    Twin twin(java.util.function.UnaryOperator<Layer> head);

    /** @return a copy of the network's listeners */
    List<TrainingListener> listeners();

    /** @param listeners the network's listeners from now on */
    void setListeners(Collection<? extends TrainingListener> listeners);

    /**
     * Writes the network with its updater state: DL4J's {@code ModelSerializer} zip for MultiLayerNetwork and
     * ComputationGraph (readable by {@code ModelSerializer} too), SameDiff's FlatBuffers file for SameDiff, plus an
     * entry naming the classification output. {@link #load(InputStream)} reads it back.
     *
     * @param out the stream (not closed)
     */
    void save(OutputStream out);

    /** A network sharing a model's parameters; see {@link ContinualModel#twin}. */
    interface Twin {
        /**
         * @param features one array per input
         * @param masks    masks, or null
         * @return the twin's inference-mode classification output, detached
         */
        INDArray output(INDArray[] features, INDArray[] masks);

        /**
         * The gradient of the twin's loss, summed over the minibatch's rows (as DL4J's listeners see gradients
         * before the updater divides by the minibatch size).
         *
         * @param batch features and labels for every input and output
         * @return the twin's flattened gradient view, valid until the next call
         */
        INDArray gradient(MultiDataSet batch);

        /**
         * @return the twin's loss on the batch of the last {@link #gradient} call (DL4J's {@code score()}, the
         *         network's regularisation terms included)
         */
        double lastScore();

        /**
         * @param model a model
         * @return true while this twin still shares the parameters of {@code model}'s current network
         */
        boolean isFor(ContinualModel model);
    }
}
