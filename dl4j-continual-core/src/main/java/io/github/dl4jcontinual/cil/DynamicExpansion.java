package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.data.MappedMultiDataSetIterator;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.serde.JsonConfiguration;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Dynamic expansion, DER (Yan et al., "DER: Dynamically Expandable Representation for Class Incremental Learning",
 * CVPR 2021; as PyCIL's {@code models/der.py}, which has no channel masking or pruning either): at every
 * experience after the first the user's {@link ComputationGraph} gets one more feature extractor, a copy of its
 * backbone (every vertex the classifier's input depends on), initialised from the newest one; the older extractors
 * are frozen ({@link FrozenLayer}: no updates, batch normalisation in inference mode). The classifier reads the
 * concatenation of all extractors' features ({@code der_features}, a {@link MergeVertex}); its weights for the
 * old extractors are kept, those for the new one freshly initialised. An auxiliary output {@code der_aux} on the
 * new extractor classifies the experience's classes plus one "old" class, with the classifier's loss, and is
 * added to the total loss (weight 1, as the paper and PyCIL): its labels are made from the classification
 * labels, every class of an earlier experience becoming class 0.
 *
 * <p>MEMO ({@link #withSharedUpTo(String, boolean)}) shares the shallow blocks up to a named vertex between all
 * extractors and copies only the deeper ones; everything else is as DER.</p>
 *
 * <p>Combine it with an exemplar memory trained together with the experience (PyCIL: {@code replay}'s union of
 * the experience and the exemplars, e.g. {@link IcarlConfiguration} without distillation and nearest-mean, listed
 * <em>before</em> this plugin) and {@link WeightAligning}, as PyCIL does. A {@code MultiLayerNetwork} is refused
 * (the trainer keeps the network's kind): wrap {@code net.toComputationGraph()}. The classifier must read a flat
 * feature vector (no input pre-processor). Evaluation uses the classifier only. Metrics per experience:
 * {@code der.extractors} and {@code der.parameters}. Immutable; JSON round-trips.</p>
 */
public final class DynamicExpansion extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;
    /** The merge vertex of the extractors' features. */
    public static final String FEATURES = "der_features";
    /** The auxiliary output. */
    public static final String AUX = "der_aux";
    private boolean copyPrevious = true;
    private String sharedUpTo;
    private boolean trainShared = true;

    /** Defaults: DER (every vertex of the backbone copied), new extractors copy the newest one's parameters. */
    public DynamicExpansion() {
    }

    private DynamicExpansion(boolean copyPrevious, String sharedUpTo, boolean trainShared) {
        this.copyPrevious = copyPrevious;
        this.sharedUpTo = sharedUpTo;
        this.trainShared = trainShared;
    }

    /**
     * @param copy true (default, PyCIL): a new extractor starts from the newest one's parameters; false: from the
     *             backbone's own weight initialisation
     * @return a configuration with that setting
     */
    public DynamicExpansion withCopyPrevious(boolean copy) {
        return new DynamicExpansion(copy, sharedUpTo, trainShared);
    }

    /**
     * MEMO (Zhou et al., "A Model or 603 Exemplars: Towards Memory-Efficient Class-Incremental Learning", ICLR 2023;
     * PyCIL's {@code models/memo.py}): the backbone's shallow, generalised blocks up to and including {@code vertex}
     * are shared by every extractor; only the deeper, specialised blocks after it are copied per experience.
     *
     * @param vertex a vertex the classifier's input depends on (the last shared one)
     * @param train  whether the shared blocks keep training after the first experience (PyCIL's {@code train_base};
     *               false freezes them, batch normalisation included)
     * @return a configuration with that setting
     */
    public DynamicExpansion withSharedUpTo(String vertex, boolean train) {
        if (vertex == null || vertex.isBlank()) {
            throw new IllegalArgumentException("The last shared vertex needs a name (got: '" + vertex + "')");
        }
        return new DynamicExpansion(copyPrevious, vertex, train);
    }

    /** @return the last shared vertex (MEMO), or null for DER */
    public String getSharedUpTo() {
        return sharedUpTo;
    }

    /** @return whether the shared blocks (MEMO) keep training after the first experience */
    public boolean isTrainShared() {
        return trainShared;
    }

    /** @return whether a new extractor starts from the newest one's parameters */
    public boolean isCopyPrevious() {
        return copyPrevious;
    }

    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    @Override
    public String name() {
        return sharedUpTo == null ? "dynamic-expansion" : "memo";
    }

    @Override
    public String toString() {
        return "DynamicExpansion(copyPrevious=" + copyPrevious + (sharedUpTo == null ? ""
                : ", sharedUpTo=" + sharedUpTo + ", trainShared=" + trainShared) + ")";
    }

    /**
     * @param g          a graph
     * @param classifier its classification output
     * @return the number of feature extractors of a graph grown by this plugin (1 for the user's graph)
     */
    public static int extractors(ComputationGraph g, String classifier) {
        List<String> in = g.getConfiguration().getVertexInputs().get(FEATURES);
        return in == null ? 1 : in.size();
    }

    /**
     * The graph with one more feature extractor (see the class documentation), parameters copied from {@code g}.
     *
     * @param g            the current graph (not modified)
     * @param classifier   the classification output's name
     * @param auxClasses   the auxiliary output's classes (the new experience's classes plus one)
     * @param copyPrevious whether the new extractor copies the newest one's parameters
     * @return a new, initialised graph
     * @throws IllegalArgumentException if the classifier reads its input through a pre-processor
     */
    public static ComputationGraph expand(ComputationGraph g, String classifier, int auxClasses,
                                          boolean copyPrevious) {
        return expand(g, classifier, auxClasses, copyPrevious, null, true);
    }

    /**
     * The graph with one more feature extractor whose vertices after {@code sharedUpTo} are copied (MEMO).
     *
     * @param g            the current graph (not modified)
     * @param classifier   the classification output's name
     * @param auxClasses   the auxiliary output's classes (the new experience's classes plus one)
     * @param copyPrevious whether the new extractor copies the newest one's parameters
     * @param sharedUpTo   the last vertex shared by every extractor, or null to copy the whole backbone (DER)
     * @param trainShared  whether the shared vertices keep training (false: frozen at the first expansion)
     * @return a new, initialised graph
     * @throws IllegalArgumentException if the classifier reads its input through a pre-processor, or
     *                                  {@code sharedUpTo} is not a vertex the classifier's input depends on
     */
    public static ComputationGraph expand(ComputationGraph g, String classifier, int auxClasses,
                                          boolean copyPrevious, String sharedUpTo, boolean trainShared) {
        ComputationGraphConfiguration c = g.getConfiguration().clone();
        Map<String, GraphVertex> vertices = c.getVertices();
        Map<String, List<String>> inputs = c.getVertexInputs();
        LayerVertex head = (LayerVertex) vertices.get(classifier);
        if (head.getPreProcessor() != null) {
            throw new IllegalArgumentException("DER needs the classifier '" + classifier + "' to read a flat feature "
                    + "vector (e.g. after a DenseLayer or GlobalPoolingLayer); it reads through the pre-processor "
                    + head.getPreProcessor());
        }
        List<String> features = new ArrayList<>(inputs.containsKey(FEATURES) ? inputs.get(FEATURES)
                : inputs.get(classifier));
        if (features.size() != 1 && !inputs.containsKey(FEATURES)) {
            throw new IllegalArgumentException("DER needs a classifier with one input (got: " + features + ")");
        }
        int k = features.size();
        long width = ((FeedForwardLayer) unfrozen(head.getLayerConf().getLayer())).getNIn() / k;
        String base = features.get(0);
        Set<String> backbone = ancestors(base, inputs, new LinkedHashSet<>(c.getNetworkInputs()));
        Set<String> shared = new LinkedHashSet<>();
        if (sharedUpTo != null) {
            if (!backbone.contains(sharedUpTo) || sharedUpTo.equals(base)) {
                throw new IllegalArgumentException("The last shared vertex '" + sharedUpTo + "' should be one the "
                        + "classifier's input '" + base + "' depends on, before it (expected one of " + backbone
                        + " other than '" + base + "')");
            }
            shared = ancestors(sharedUpTo, inputs, new LinkedHashSet<>(c.getNetworkInputs()));
            backbone.removeAll(shared);
        }
        String newest = prefix(k - 1);
        Set<String> freeze = new LinkedHashSet<>();
        for (String v : backbone) {
            freeze.add(newest + v);
        }
        if (!trainShared) {
            freeze.addAll(shared);
        }
        // freeze the newest extractor (and the shared blocks if they stop training), then add a copy of the
        // backbone's structure as extractor k
        for (String name : freeze) {
            GraphVertex gv = vertices.get(name);
            if (gv instanceof LayerVertex) {
                LayerVertex lv = (LayerVertex) gv;
                org.deeplearning4j.nn.conf.layers.Layer l = lv.getLayerConf().getLayer();
                if (!(l instanceof FrozenLayer) && l.initializer().numParams(l) > 0) {
                    NeuralNetConfiguration nc = lv.getLayerConf().clone();
                    FrozenLayer frozen = new FrozenLayer(l.clone());
                    frozen.setLayerName(l.getLayerName());
                    nc.setLayer(frozen);
                    vertices.put(name, new LayerVertex(nc, lv.getPreProcessor()));
                }
            }
        }
        String mine = prefix(k);
        for (String v : backbone) {
            GraphVertex gv = vertices.get(v).clone();
            if (gv instanceof LayerVertex) {
                LayerVertex lv = (LayerVertex) gv;
                NeuralNetConfiguration nc = lv.getLayerConf().clone();
                org.deeplearning4j.nn.conf.layers.Layer l = unfrozen(nc.getLayer()).clone();
                l.setLayerName(mine + v);
                nc.setLayer(l);
                gv = new LayerVertex(nc, lv.getPreProcessor());
            }
            vertices.put(mine + v, gv);
            List<String> from = new ArrayList<>();
            for (String i : inputs.get(v)) {
                from.add(backbone.contains(i) ? mine + i : i);
            }
            inputs.put(mine + v, from);
        }
        features.add(mine + base);
        vertices.put(FEATURES, new MergeVertex());
        inputs.put(FEATURES, features);
        inputs.put(classifier, new ArrayList<>(List.of(FEATURES)));
        NeuralNetConfiguration hc = head.getLayerConf().clone();
        ((FeedForwardLayer) hc.getLayer()).setNIn(width * (k + 1));
        vertices.put(classifier, new LayerVertex(hc, null));
        // a fresh auxiliary head on the new extractor: the classifier's layer with new sizes
        NeuralNetConfiguration ac = head.getLayerConf().clone();
        org.deeplearning4j.nn.conf.layers.Layer aux = unfrozen(ac.getLayer()).clone();
        aux.setLayerName(AUX);
        ((FeedForwardLayer) aux).setNIn(width);
        ((FeedForwardLayer) aux).setNOut(auxClasses);
        ac.setLayer(aux);
        LayerVertex auxVertex = new LayerVertex(ac, null);
        auxVertex.setOutputVertex(true);
        vertices.put(AUX, auxVertex);
        inputs.put(AUX, new ArrayList<>(List.of(mine + base)));
        List<String> outputs = new ArrayList<>(c.getNetworkOutputs());
        if (!outputs.contains(AUX)) {
            outputs.add(AUX);
        }
        c.setNetworkOutputs(outputs);
        c.setTopologicalOrder(null);
        c.setTopologicalOrderStr(null);
        ComputationGraph out = new ComputationGraph(c);
        out.init();
        for (Layer l : g.getLayers()) {
            String name = l.conf().getLayer().getLayerName();
            if (name.equals(classifier) || name.equals(AUX) || l.numParams() == 0) {
                continue;
            }
            out.getLayer(name).params().assign(l.params());
        }
        for (String v : backbone) {
            Layer src = layerOrNull(g, newest + v);
            if (copyPrevious && src != null && src.numParams() > 0) {
                out.getLayer(mine + v).params().assign(src.params());
            }
        }
        Map<String, INDArray> oldHead = g.getLayer(classifier).paramTable();
        Map<String, INDArray> newHead = out.getLayer(classifier).paramTable();
        INDArray w = oldHead.get(DefaultParamInitializer.WEIGHT_KEY);
        newHead.get(DefaultParamInitializer.WEIGHT_KEY).get(NDArrayIndex.interval(0, w.rows()), NDArrayIndex.all())
                .assign(w);
        for (Map.Entry<String, INDArray> e : oldHead.entrySet()) {
            if (!e.getKey().equals(DefaultParamInitializer.WEIGHT_KEY)) {
                newHead.get(e.getKey()).assign(e.getValue());
            }
        }
        return out;
    }

    private static Layer layerOrNull(ComputationGraph g, String name) {
        return g.getConfiguration().getVertices().get(name) instanceof LayerVertex ? g.getLayer(name) : null;
    }

    private static org.deeplearning4j.nn.conf.layers.Layer unfrozen(org.deeplearning4j.nn.conf.layers.Layer l) {
        return l instanceof FrozenLayer ? ((FrozenLayer) l).getLayer() : l;
    }

    private static String prefix(int extractor) {
        return extractor == 0 ? "" : "der" + extractor + "_";
    }

    /** {@code v} and every vertex it depends on, network inputs excluded, in the configuration's order. */
    private static Set<String> ancestors(String v, Map<String, List<String>> inputs, Set<String> networkInputs) {
        Set<String> found = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(v));
        while (!todo.isEmpty()) {
            String x = todo.pop();
            if (networkInputs.contains(x) || !found.add(x)) {
                continue;
            }
            todo.addAll(inputs.getOrDefault(x, List.of()));
        }
        Set<String> ordered = new LinkedHashSet<>();
        for (String name : inputs.keySet()) {
            if (found.contains(name)) {
                ordered.add(name);
            }
        }
        return ordered;
    }

    static final class Runtime implements ContinualPlugin {
        private final DynamicExpansion conf;
        /** The classes of the current experience (relabelled), for the auxiliary labels. */
        private int[] current = new int[0];

        Runtime(DynamicExpansion conf) {
            this.conf = conf;
        }

        @Override
        public void onStreamStart(ContinualContext ctx) {
            if (!"ComputationGraph".equals(ctx.model().kind())) {
                throw new IllegalArgumentException("DER grows the network into a graph of several feature "
                        + "extractors, but the model is a " + ctx.model().kind() + ": wrap a ComputationGraph "
                        + "(MultiLayerNetwork.toComputationGraph() converts a MultiLayerNetwork)");
            }
            org.deeplearning4j.nn.conf.layers.Layer head = ctx.model().headConf();
            if (!(unfrozen(head) instanceof BaseOutputLayer)) {
                throw new IllegalArgumentException("DER needs an output layer as the classifier (got: "
                        + head.getClass().getSimpleName() + ")");
            }
        }

        @Override
        public void adaptModel(ContinualContext ctx, Experience experience) {
            current = experience.classArray();
            ComputationGraph g = ctx.model().unwrap(ComputationGraph.class);
            String classifier = ctx.model().classificationOutputName();
            if (experience.index() > 0 && extractors(g, classifier) < experience.index() + 1) {
                ctx.model().replace(expand(g, classifier, current.length + 1, conf.copyPrevious, conf.sharedUpTo,
                        conf.trainShared));
            }
        }

        @Override
        public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                      MultiDataSetIterator data) {
            ComputationGraph g = ctx.model().unwrap(ComputationGraph.class);
            if (!g.getConfiguration().getNetworkOutputs().contains(AUX)) {
                return data;
            }
            int out = ctx.model().classificationOutput();
            int aux = g.getConfiguration().getNetworkOutputs().indexOf(AUX);
            int[] auxOf = new int[Math.max(ctx.model().headSize(), Arrays.stream(current).max().orElse(0) + 1)];
            for (int i = 0; i < current.length; i++) {
                auxOf[current[i]] = i + 1;
            }
            int auxClasses = current.length + 1;
            return new MappedMultiDataSetIterator(data, b -> withAuxLabels(b, out, aux, auxOf, auxClasses));
        }

        private static MultiDataSet withAuxLabels(MultiDataSet b, int out, int aux, int[] auxOf, int auxClasses) {
            INDArray labels = b.getLabels(out);
            int n = (int) labels.size(0);
            INDArray auxLabels = Nd4j.zeros(labels.dataType(), n, auxClasses);
            INDArray ids = labels.argMax(1);
            for (int i = 0; i < n; i++) {
                int c = ids.getInt(i);
                auxLabels.putScalar(i, c < auxOf.length ? auxOf[c] : 0, 1);
            }
            int nl = Math.max(b.numLabelsArrays(), Math.max(out, aux) + 1);
            INDArray[] l = new INDArray[nl];
            INDArray[] lm = b.getLabelsMaskArrays() == null ? null : new INDArray[nl];
            for (int i = 0; i < b.numLabelsArrays(); i++) {
                l[i] = b.getLabels(i);
                if (lm != null) {
                    lm[i] = b.getLabelsMaskArray(i);
                }
            }
            l[aux] = auxLabels;
            if (lm != null) {
                lm[aux] = lm[out] != null && lm[out].size(1) == 1 ? lm[out] : null;
            }
            return new org.nd4j.linalg.dataset.MultiDataSet(b.getFeatures(), l, b.getFeaturesMaskArrays(), lm);
        }

        @Override
        public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
            ComputationGraph g = ctx.model().unwrap(ComputationGraph.class);
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("der.extractors", (double) extractors(g, ctx.model().classificationOutputName()));
            m.put("der.parameters", (double) g.numParams());
            return m;
        }

        @Override
        public Serializable saveState() {
            return current.clone();
        }

        @Override
        public void restoreState(ContinualContext ctx, Serializable state) {
            if (!(state instanceof int[])) {
                throw new IllegalArgumentException("Expected the state of a DER plugin (int[]), got: "
                        + (state == null ? null : state.getClass().getName()));
            }
            current = ((int[]) state).clone();
        }
    }
}
