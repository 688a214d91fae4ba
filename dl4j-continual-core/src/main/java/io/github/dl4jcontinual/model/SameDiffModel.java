package io.github.dl4jcontinual.model;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * {@link ContinualModel} over a SameDiff graph trained through its {@link TrainingConfig}: the configuration's
 * feature and label mappings name the placeholders a minibatch fills (in the order of the minibatch's arrays), and
 * this model names, per label, the variable holding that output's scores; one of them is the classification
 * output. Training is SameDiff's own {@code fit} (its updater, regularisation and listeners).
 *
 * <pre>{@code
 * ContinualModel m = SameDiffModel.builder(sd)        // sd.getTrainingConfig() set, placeholders "in" / "label"
 *         .outputs("probabilities")                    // one scores variable per label placeholder
 *         .logits("logits")                            // optional: the classifier's pre-activation
 *         .build();
 * }</pre>
 *
 * <p>What a SameDiff graph cannot do through this view fails with an {@link UnsupportedOperationException} naming
 * the operation: DL4J {@link TrainingListener}s (plugins built on them — EWC, SI, A-GEM, LwF — need a
 * MultiLayerNetwork or ComputationGraph), growing the head, swapping the head's loss, twins.</p>
 */
public final class SameDiffModel implements ContinualModel {
    private SameDiff sd;
    private final List<String> outputs;
    private final int classifier;
    private final String logits;
    private double lastLoss = Double.NaN;

    private SameDiffModel(SameDiff sd, List<String> outputs, int classifier, String logits) {
        this.sd = sd;
        this.outputs = List.copyOf(outputs);
        this.classifier = classifier;
        this.logits = logits;
    }

    /**
     * @param sd a SameDiff graph with a {@link TrainingConfig}
     * @return a builder
     */
    public static Builder builder(SameDiff sd) {
        return new Builder(sd);
    }

    private TrainingConfig config() {
        return sd.getTrainingConfig();
    }

    private List<String> inputs() {
        return config().getDataSetFeatureMapping();
    }

    private List<String> labels() {
        return config().getDataSetLabelMapping();
    }

    /** @return the SameDiff graph (live) */
    public SameDiff sameDiff() {
        return sd;
    }

    @Override
    public String kind() {
        return "SameDiff";
    }

    @Override
    public Model network() {
        throw unsupported("network() (a SameDiff graph is not a DL4J Model); use unwrap(SameDiff.class)");
    }

    private UnsupportedOperationException unsupported(String op) {
        return new UnsupportedOperationException(op + " is not supported for a SameDiff graph: it needs a "
                + "MultiLayerNetwork or ComputationGraph");
    }

    @Override
    public <T> T unwrap(Class<T> type) {
        if (!type.isInstance(sd)) {
            throw new IllegalArgumentException("The model is a SameDiff graph, not a " + type.getSimpleName());
        }
        return type.cast(sd);
    }

    @Override
    public String describe() {
        return "SameDiff (" + trainable().size() + " trainable variables, " + numParams() + " parameters, inputs "
                + inputs() + ", outputs " + outputs + ", classifier " + classificationOutputName() + " of "
                + headSize() + " classes)";
    }

    @Override
    public int numInputs() {
        return inputs().size();
    }

    @Override
    public int numOutputs() {
        return outputs.size();
    }

    @Override
    public List<String> outputNames() {
        return outputs;
    }

    @Override
    public int classificationOutput() {
        return classifier;
    }

    @Override
    public long inputSize(int input) {
        long[] shape = sd.getVariable(inputs().get(input)).getShape();
        return shape != null && shape.length == 2 ? shape[1] : -1;
    }

    @Override
    public int headSize() {
        long[] shape = sd.getVariable(labels().get(classifier)).getShape();
        if (shape == null || shape.length < 2 || shape[1] <= 0) {
            throw new IllegalStateException("The label placeholder " + labels().get(classifier) + " has no fixed "
                    + "class dimension (shape " + java.util.Arrays.toString(shape) + "): declare it as [-1, classes]");
        }
        return (int) shape[1];
    }

    @Override
    public Layer headConf() {
        throw unsupported("headConf()");
    }

    @Override
    public Map<String, INDArray> headParams() {
        throw unsupported("headParams()");
    }

    private Map<String, INDArray> placeholders(INDArray[] features, INDArray[] masks) {
        List<String> in = inputs();
        if (features.length != in.size()) {
            throw new IllegalArgumentException("The SameDiff graph has " + in.size() + " inputs " + in
                    + " but the minibatch has " + features.length + " feature arrays");
        }
        Map<String, INDArray> ph = new HashMap<>();
        for (int i = 0; i < in.size(); i++) {
            ph.put(in.get(i), features[i]);
        }
        List<String> maskNames = config().getDataSetFeatureMaskMapping();
        if (masks != null && maskNames != null) {
            for (int i = 0; i < Math.min(masks.length, maskNames.size()); i++) {
                if (masks[i] != null) {
                    ph.put(maskNames.get(i), masks[i]);
                }
            }
        }
        return ph;
    }

    @Override
    public INDArray[] output(INDArray[] features, INDArray[] featureMasks) {
        Map<String, INDArray> out = sd.output(placeholders(features, featureMasks), outputs);
        INDArray[] r = new INDArray[outputs.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = out.get(outputs.get(i)).dup().detach();
        }
        return r;
    }

    @Override
    public INDArray logits(INDArray[] features, INDArray[] featureMasks) {
        if (logits == null) {
            throw new UnsupportedOperationException("This SameDiff model names no logits variable: set "
                    + "SameDiffModel.builder(sd).logits(\"...\")");
        }
        return activations(logits, features, featureMasks);
    }

    @Override
    public INDArray activations(String layer, INDArray[] features, INDArray[] featureMasks) {
        String name = layer == null ? logits : layer;
        if (name == null || !sd.hasVariable(name)) {
            throw new IllegalArgumentException("The SameDiff graph has no variable '" + name + "' (name the feature "
                    + "variable explicitly)");
        }
        return sd.output(placeholders(features, featureMasks), name).get(name).dup().detach();
    }

    @Override
    public INDArray[] currentInputs() {
        throw unsupported("currentInputs()");
    }

    @Override
    public void fit(MultiDataSet batch) {
        sd.fit(batch, new LossRecorder());
    }

    @Override
    public void fit(MultiDataSetIterator data, int epochs) {
        sd.fit(data, epochs, new LossRecorder());
    }

    @Override
    public double score(MultiDataSet batch) {
        Map<String, INDArray> ph = placeholders(batch.getFeatures(), batch.getFeaturesMaskArrays());
        List<String> l = labels();
        for (int i = 0; i < l.size(); i++) {
            ph.put(l.get(i), batch.getLabels(i));
        }
        double total = 0;
        for (INDArray v : sd.output(ph, config().getLossVariables() == null ? sd.getLossVariables()
                : config().getLossVariables()).values()) {
            total += v.sumNumber().doubleValue();
        }
        return total;
    }

    @Override
    public double lastScore() {
        return lastLoss;
    }

    private List<SDVariable> trainable() {
        List<SDVariable> v = new ArrayList<>();
        for (SDVariable s : sd.variables()) {
            if (s.getVariableType() == VariableType.VARIABLE) {
                v.add(s);
            }
        }
        return v;
    }

    /**
     * @return one entry per trainable variable (type "variable", its shape, its length as parameter count) and
     *         their total; no DL4J table
     */
    @Override
    public io.github.dl4jcontinual.eval.ModelSummary summary() {
        List<io.github.dl4jcontinual.eval.ModelSummary.LayerSummary> layers = new ArrayList<>();
        for (SDVariable v : trainable()) {
            INDArray a = v.getArr();
            layers.add(new io.github.dl4jcontinual.eval.ModelSummary.LayerSummary(v.name(), "variable", -1, -1,
                    java.util.Arrays.toString(a.shape()), a.length()));
        }
        return new io.github.dl4jcontinual.eval.ModelSummary(kind(), numParams(), layers, null);
    }

    @Override
    public long numParams() {
        long n = 0;
        for (SDVariable v : trainable()) {
            n += v.getArr().length();
        }
        return n;
    }

    @Override
    public INDArray params() {
        List<INDArray> parts = new ArrayList<>();
        for (SDVariable v : trainable()) {
            INDArray a = v.getArr();
            parts.add(a.reshape('c', 1, a.length()));
        }
        return parts.isEmpty() ? Nd4j.create(1, 0) : Nd4j.hstack(parts.toArray(new INDArray[0]));
    }

    @Override
    public void setParams(INDArray params) {
        if (params.length() != numParams()) {
            throw new IllegalArgumentException("Expected " + numParams() + " parameter values (got: "
                    + params.length() + ")");
        }
        INDArray flat = params.reshape('c', 1, params.length());
        long at = 0;
        for (SDVariable v : trainable()) {
            INDArray a = v.getArr();
            a.assign(flat.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(at, at + a.length())).reshape('c', a.shape()));
            at += a.length();
        }
    }

    @Override
    public INDArray trainableMask() {
        INDArray p = params();
        return Nd4j.ones(p.dataType(), 1, p.length());
    }

    @Override
    public ParameterLayout parameterLayout() {
        INDArray flat = params();
        Map<String, Map<String, INDArray>> tables = new LinkedHashMap<>();
        long at = 0;
        for (SDVariable v : trainable()) {
            long n = v.getArr().length();
            tables.put(v.name(), Map.of("value", flat.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(at, at + n))));
            at += n;
        }
        return ParameterLayout.of(flat, tables);
    }

    @Override
    public void resetUpdater() {
        TrainingConfig tc = config();
        tc.setIterationCount(0);
        sd = reload(sd, false);
    }

    private static SameDiff reload(SameDiff sd, boolean updater) {
        try {
            ByteBuffer bb = sd.asFlatBuffers(updater);
            SameDiff r = SameDiff.fromFlatBuffers(bb, updater);
            // a configuration of its own (sharing it would share the iteration count Adam's bias correction reads)
            r.setTrainingConfig(TrainingConfig.fromJson(sd.getTrainingConfig().toJson()));
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot copy the SameDiff graph", e);
        }
    }

    /**
     * {@inheritDoc}
     *
     * <p>For SameDiff: the state arrays of every trainable variable's updater (variables in graph order, each
     * updater's state by key), flattened into one row; null before the graph has trained (or for a stateless
     * updater).</p>
     */
    @Override
    public INDArray updaterState() {
        Map<String, org.nd4j.linalg.learning.GradientUpdater> updaters = sd.getUpdaterMap();
        if (!sd.isInitializedTraining() || updaters == null) {
            return null;
        }
        List<INDArray> parts = new ArrayList<>();
        for (SDVariable v : trainable()) {
            org.nd4j.linalg.learning.GradientUpdater u = updaters.get(v.name());
            if (u == null || u.getState() == null) {
                continue;
            }
            for (INDArray a : new java.util.TreeMap<String, INDArray>(u.getState()).values()) {
                parts.add(a.reshape('c', 1, a.length()));
            }
        }
        return parts.isEmpty() ? null : Nd4j.hstack(parts.toArray(new INDArray[0])).detach();
    }

    @Override
    public void setLearningRate(double lr) {
        throw unsupported("setLearningRate (change the TrainingConfig's updater)");
    }

    @Override
    public int iterationCount() {
        return config().getIterationCount();
    }

    @Override
    public int epochCount() {
        return config().getEpochCount();
    }

    @Override
    public void fireEpochStart() {
        // SameDiff's own listeners are attached to the graph; there are no DL4J listeners to fire
    }

    @Override
    public void fireEpochEnd() {
        config().setEpochCount(config().getEpochCount() + 1);
    }

    @Override
    public ILossFunction headLoss() {
        throw unsupported("headLoss()");
    }

    @Override
    public void setHeadLoss(ILossFunction loss) {
        throw unsupported("setHeadLoss() (a SameDiff graph's loss is part of the graph)");
    }

    @Override
    public void growHead(int newNOut) {
        if (newNOut != headSize()) {
            throw unsupported("growHead (HeadPolicy.EXPANDING)");
        }
    }

    @Override
    public void replace(Object network) {
        if (!(network instanceof SameDiff)) {
            throw new IllegalArgumentException("Expected a SameDiff graph (got: "
                    + (network == null ? null : network.getClass().getName()) + ")");
        }
        SameDiff n = (SameDiff) network;
        if (n.getTrainingConfig() == null) {
            throw new IllegalArgumentException("The replacement SameDiff graph has no TrainingConfig");
        }
        for (String o : outputs) {
            if (!n.hasVariable(o)) {
                throw new IllegalArgumentException("The replacement SameDiff graph has no output variable '" + o + "'");
            }
        }
        sd = n;
    }

    @Override
    public SameDiffModel copy() {
        SameDiff c = reload(sd, true);
        return new SameDiffModel(c, outputs, classifier, logits);
    }

    @Override
    public SameDiffModel copy(IUpdater updater, long seed) {
        SameDiff c = reload(sd, false);
        TrainingConfig tc = c.getTrainingConfig();
        TrainingConfig copy = new TrainingConfig.Builder().updater(updater)
                .dataSetFeatureMapping(tc.getDataSetFeatureMapping())
                .dataSetLabelMapping(tc.getDataSetLabelMapping())
                .regularization(tc.getRegularization().toArray(new org.nd4j.linalg.learning.regularization.Regularization[0]))
                .build();
        if (tc.getDataSetFeatureMaskMapping() != null) {
            copy.setDataSetFeatureMaskMapping(tc.getDataSetFeatureMaskMapping());
        }
        if (tc.getDataSetLabelMaskMapping() != null) {
            copy.setDataSetLabelMaskMapping(tc.getDataSetLabelMaskMapping());
        }
        c.setTrainingConfig(copy);
        return new SameDiffModel(c, outputs, classifier, logits);
    }

    @Override
    public Twin twin(ILossFunction loss, IActivation activation) {
        throw unsupported("twin()");
    }

    @Override
    public Twin twin(java.util.function.UnaryOperator<Layer> head) {
        throw unsupported("twin()");
    }

    @Override
    public List<TrainingListener> listeners() {
        return new ArrayList<>();
    }

    @Override
    public void setListeners(Collection<? extends TrainingListener> listeners) {
        if (!listeners.isEmpty()) {
            List<String> names = new ArrayList<>();
            listeners.forEach(l -> names.add(l.getClass().getName()));
            throw new UnsupportedOperationException("DL4J TrainingListeners " + names + " cannot be attached to a "
                    + "SameDiff graph (use SameDiff listeners on the graph itself); plugins that work through them "
                    + "need a MultiLayerNetwork or ComputationGraph");
        }
    }

    @Override
    public void save(OutputStream out) {
        ModelFiles.write(this, out);
    }

    /** @return the FlatBuffers form with updater state */
    byte[] flatBuffers() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        sd.save(bytes, true);
        return bytes.toByteArray();
    }

    /** @return what {@link ModelFiles} stores beside the graph */
    Map<String, Object> descriptor() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("outputs", outputs);
        m.put("classifier", classifier);
        m.put("logits", logits);
        return m;
    }

    static SameDiffModel restore(byte[] flat, List<String> outputs, int classifier, String logits) {
        SameDiff sd = SameDiff.load(new java.io.ByteArrayInputStream(flat), true);
        if (sd.getTrainingConfig() == null) {
            throw new IllegalArgumentException("The stored SameDiff graph has no TrainingConfig");
        }
        return new SameDiffModel(sd, outputs, classifier, logits);
    }

    /**
     * Records the loss of every minibatch at the parameters it is trained from (what DL4J's {@code score()} reports).
     * SameDiff (M2.1) does not compute a loss op's value in training — its backward pass does not need it, and a
     * listener's required training variables are not passed to the training session — so the loss reported to
     * {@code iterationDone} is 0; the recorder computes it with one forward pass of the loss variables before
     * each update.
     */
    private final class LossRecorder extends BaseListener {
        @Override
        public boolean isActive(Operation operation) {
            return operation == Operation.TRAINING;
        }

        @Override
        public void iterationStart(SameDiff sd, At at, MultiDataSet data, long etlTimeMs) {
            lastLoss = score(data);
        }
    }

    /** Builder of {@link SameDiffModel}. */
    public static final class Builder {
        private final SameDiff sd;
        private List<String> outputs;
        private String classifier;
        private String logits;

        private Builder(SameDiff sd) {
            this.sd = Objects.requireNonNull(sd, "sd");
        }

        /**
         * @param outputs the scores variable of every label placeholder, in the TrainingConfig's label order
         * @return this builder
         */
        public Builder outputs(String... outputs) {
            this.outputs = List.of(outputs);
            return this;
        }

        /**
         * @param name the scores variable of the classification output (default: the first of {@link #outputs})
         * @return this builder
         */
        public Builder classifier(String name) {
            this.classifier = name;
            return this;
        }

        /**
         * @param name the classifier's pre-activation variable (needed by logit-based plugins), or null
         * @return this builder
         */
        public Builder logits(String name) {
            this.logits = name;
            return this;
        }

        /**
         * @return the model
         * @throws IllegalArgumentException if the graph has no TrainingConfig, the outputs do not match its label
         *                                  mapping or a variable does not exist
         */
        public SameDiffModel build() {
            TrainingConfig tc = sd.getTrainingConfig();
            if (tc == null || tc.getDataSetFeatureMapping() == null || tc.getDataSetLabelMapping() == null) {
                throw new IllegalArgumentException("The SameDiff graph needs a TrainingConfig with feature and label "
                        + "mappings (sd.setTrainingConfig(...)) before it can be trained continually");
            }
            if (outputs == null || outputs.size() != tc.getDataSetLabelMapping().size()) {
                throw new IllegalArgumentException("Name one scores variable per label placeholder "
                        + tc.getDataSetLabelMapping() + " (got: " + outputs + ")");
            }
            for (String o : outputs) {
                if (!sd.hasVariable(o)) {
                    throw new IllegalArgumentException("The SameDiff graph has no variable '" + o + "'");
                }
            }
            if (logits != null && !sd.hasVariable(logits)) {
                throw new IllegalArgumentException("The SameDiff graph has no variable '" + logits + "'");
            }
            int c = classifier == null ? 0 : outputs.indexOf(classifier);
            if (c < 0) {
                throw new IllegalArgumentException("The classifier '" + classifier + "' is not one of the outputs "
                        + outputs);
            }
            return new SameDiffModel(sd, outputs, c, logits);
        }
    }
}
