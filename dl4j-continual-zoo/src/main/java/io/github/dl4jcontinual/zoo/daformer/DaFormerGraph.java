package io.github.dl4jcontinual.zoo.daformer;

import io.github.dl4jcontinual.distillation.DistillationLoss;
import io.github.dl4jcontinual.distillation.DistillationMode;
import io.github.dl4jcontinual.zoo.transformer.DualAttentionBlock;
import io.github.dl4jcontinual.zoo.transformer.DualSelfAttention;
import io.github.dl4jcontinual.zoo.transformer.KnnInvariantLoss;
import io.github.dl4jcontinual.zoo.transformer.TaskHeads;
import io.github.dl4jcontinual.zoo.transformer.TransformerBlock;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.AttentionVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LearnedSelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.samediff.AbstractSameDiffLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInitXavier;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Builds DAFormer's stage graphs from a user's {@link ComputationGraph} with DL4J's
 * {@link TransferLearning.GraphBuilder}: the last attention block (found by type, or named) and everything after it
 * are replaced by the dual-attention block (its parameters copied from the attention block), the task heads and the
 * classification output (same name as the user's), plus the optional loss outputs of the recipe. Applied to a graph
 * it built before, it rebuilds those vertices for the next stage and copies their parameters by name.
 * Package-private: {@link DaFormerPlugin} is the entry point.
 */
final class DaFormerGraph {
    /** The dual-attention block; its activations are the concatenated task embeddings {@code [mb, K·D]}. */
    static final String DUAL = "daformer_dual";
    /** The task heads: logits over the scenario's classes. */
    static final String HEADS = "daformer_heads";
    /** Logit distillation output. */
    static final String KD = "daformer_kd";
    /** The current task's embedding (DAFormer-M). */
    static final String DIV_SLICE = "daformer_div_slice";
    /** The divergence head. */
    static final String DIV_HEAD = "daformer_div_head";
    /** Divergence output. */
    static final String DIV = "daformer_div";
    /** The old key sets' embeddings (DAFormer-M). */
    static final String KNN_SLICE = "daformer_knn_slice";
    /** KNN invariant distillation output. */
    static final String KNN = "daformer_knn";

    private DaFormerGraph() {
    }

    /** The attention block that becomes the dual block, as found in a graph. */
    static final class Site {
        final String attention;
        final String tokens;
        final Layer layer;
        final AttentionVertex vertex;
        final InputPreProcessor preProcessor;

        Site(String attention, String tokens, Layer layer, AttentionVertex vertex, InputPreProcessor preProcessor) {
            this.attention = attention;
            this.tokens = tokens;
            this.layer = layer;
            this.vertex = vertex;
            this.preProcessor = preProcessor;
        }

        /** @return whether it is the zoo's token-row format ({@code [mb, T·D]}) rather than DL4J's recurrent one */
        boolean flat() {
            return layer instanceof TransformerBlock || layer instanceof DualAttentionBlock;
        }
    }

    /** One stage: the tasks' classes, the edition and the recipe's loss outputs. */
    static final class Stage {
        final List<int[]> tasks;
        final int numClasses;
        final DaFormerConfiguration conf;
        final boolean training;

        /**
         * @param tasks      the classes of every task so far, the current one last
         * @param numClasses the scenario's classes (the classifier's width)
         * @param conf       the configuration
         * @param training   with the recipe's extra outputs (false: the classification-only graph)
         */
        Stage(List<int[]> tasks, int numClasses, DaFormerConfiguration conf, boolean training) {
            this.tasks = tasks;
            this.numClasses = numClasses;
            this.conf = conf;
            this.training = training;
        }

        int t() {
            return tasks.size() - 1;
        }

        int numOld() {
            return tasks.subList(0, tasks.size() - 1).stream().mapToInt(a -> a.length).sum();
        }

        int numAll() {
            return tasks.stream().mapToInt(a -> a.length).sum();
        }

        int keySets() {
            return conf.getEdition() == DaFormerConfiguration.Edition.M ? tasks.size() : 1;
        }

        boolean kd() {
            return training && t() > 0 && conf.isDistillation();
        }

        boolean div() {
            return training && t() > 0 && conf.getDivergenceWeight() > 0;
        }

        boolean knn() {
            return training && t() > 0 && conf.getKnnWeight() > 0;
        }

        /** @return λ = n_old / n_all (0 for the first task) */
        double lambda() {
            return (double) numOld() / numAll();
        }
    }

    /** The layer configuration inside a vertex, unwrapped from DL4J's frozen wrappers; null for other vertices. */
    static Layer layer(GraphVertex v) {
        if (!(v instanceof LayerVertex)) {
            return null;
        }
        Layer l = ((LayerVertex) v).getLayerConf().getLayer();
        while (true) {
            if (l instanceof FrozenLayer) {
                l = ((FrozenLayer) l).getLayer();
            } else if (l instanceof FrozenLayerWithBackprop) {
                l = ((FrozenLayerWithBackprop) l).getUnderlying();
            } else {
                return l;
            }
        }
    }

    static boolean isConverted(ComputationGraph g) {
        return g.getConfiguration().getVertices().containsKey(DUAL);
    }

    private static boolean isAttention(GraphVertex v) {
        Layer l = layer(v);
        return l instanceof SelfAttentionLayer || l instanceof LearnedSelfAttentionLayer
                || l instanceof TransformerBlock || v instanceof AttentionVertex;
    }

    private static List<String> order(ComputationGraph g) {
        List<String> order = new ArrayList<>();
        for (int i : g.topologicalSortOrder()) {
            order.add(g.getVertices()[i].getVertexName());
        }
        return order;
    }

    /** The vertices, one "name (Type)" each, for messages. */
    static String describe(ComputationGraph g) {
        Map<String, GraphVertex> vs = g.getConfiguration().getVertices();
        return order(g).stream().filter(vs::containsKey).map(n -> {
            GraphVertex v = vs.get(n);
            Layer l = layer(v);
            return n + " (" + (l != null ? l.getClass().getSimpleName() : v.getClass().getSimpleName()) + ")";
        }).collect(Collectors.joining(", "));
    }

    /**
     * Finds the attention block that becomes (or is) the dual block.
     *
     * @param g    the graph
     * @param conf the configuration (its optional attention layer name)
     * @return the site
     * @throws IllegalArgumentException naming what is needed and what the graph has
     */
    static Site site(ComputationGraph g, DaFormerConfiguration conf) {
        ComputationGraphConfiguration c = g.getConfiguration();
        Map<String, GraphVertex> vs = c.getVertices();
        String name;
        if (isConverted(g)) {
            name = DUAL;
        } else if (conf.getAttentionLayer() != null) {
            name = conf.getAttentionLayer();
            if (!vs.containsKey(name) || !isAttention(vs.get(name))) {
                throw new IllegalArgumentException("DaFormerConfiguration.attentionLayer names '" + name + "', which "
                        + (vs.containsKey(name) ? "is not" : "is not a vertex of the graph, nor") + " a DL4J "
                        + "SelfAttentionLayer, LearnedSelfAttentionLayer, AttentionVertex or zoo TransformerBlock; "
                        + "the graph has: " + describe(g));
            }
        } else {
            List<String> att = order(g).stream().filter(n -> vs.containsKey(n) && isAttention(vs.get(n)))
                    .collect(Collectors.toList());
            if (att.isEmpty()) {
                throw new IllegalArgumentException("DAFormer turns the network's last attention block into its "
                        + "dual-attention block (sample-dependent keys plus per-task keys over the same values), but "
                        + "this graph has no attention block: it needs a DL4J SelfAttentionLayer (projectInput=true), "
                        + "LearnedSelfAttentionLayer (projectInput=true), self-attention AttentionVertex "
                        + "(projectInput=true) or a zoo TransformerBlock reading a token sequence; the graph has: "
                        + describe(g));
            }
            name = att.get(att.size() - 1);
        }
        GraphVertex v = vs.get(name);
        List<String> ins = c.getVertexInputs().get(name);
        if (new HashSet<>(ins).size() != 1) {
            throw new IllegalArgumentException("DAFormer needs self-attention: '" + name + "' reads " + ins + " (its "
                    + "queries, keys and values should all be one token sequence)");
        }
        Layer l = layer(v);
        if (l instanceof SelfAttentionLayer && !((SelfAttentionLayer) l).isProjectInput()
                || l instanceof LearnedSelfAttentionLayer && !((LearnedSelfAttentionLayer) l).isProjectInput()
                || v instanceof AttentionVertex && !((AttentionVertex) v).isProjectInput()) {
            throw new IllegalArgumentException("DAFormer needs the attention block '" + name + "' to project its "
                    + "input (projectInput=true): the task keys live in the projected query space of each head");
        }
        InputPreProcessor pp = v instanceof LayerVertex ? ((LayerVertex) v).getPreProcessor() : null;
        return new Site(name, ins.get(0), l, v instanceof AttentionVertex ? (AttentionVertex) v : null,
                pp == null ? null : pp.clone());
    }

    /**
     * The stage graph built from {@code g} (the user's graph, or one built here before).
     *
     * @param g          the current graph (not modified)
     * @param classifier the classification output's name (kept)
     * @param stage      the stage
     * @param numTokens  the tokens of a DL4J attention layer's sequence (ignored for the zoo's blocks)
     * @param updater    the updater of the added layers
     * @return the new graph, initialised, with every parameter of {@code g} that still exists copied
     */
    static ComputationGraph build(ComputationGraph g, String classifier, Stage stage, int numTokens,
                                  IUpdater updater) {
        Site site = site(g, stage.conf);
        ComputationGraphConfiguration c = g.getConfiguration();
        // keep what the token sequence depends on; everything else is rebuilt
        Set<String> keep = ancestors(c, site.tokens);
        keep.addAll(c.getNetworkInputs());
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(g);
        for (String n : order(g)) {
            if (!keep.contains(n)) {
                b.removeVertexAndConnections(n);
            }
        }
        DataType type = g.params().dataType();
        int width;
        Layer dual;
        if (site.flat()) {
            int tokens;
            int d;
            int heads;
            int hidden;
            if (site.layer instanceof TransformerBlock) {
                TransformerBlock tb = (TransformerBlock) site.layer;
                tokens = tb.getNumTokens();
                d = tb.getEmbedDim();
                heads = tb.getNumHeads();
                hidden = tb.getMlpHidden();
            } else {
                DualAttentionBlock db = (DualAttentionBlock) site.layer;
                tokens = db.getNumTokens();
                d = db.getEmbedDim();
                heads = db.getNumHeads();
                hidden = db.getMlpHidden();
            }
            width = d;
            dual = new DualAttentionBlock.Builder().numTokens(tokens).embedDim(d).numHeads(heads).mlpHidden(hidden)
                    .numKeySets(stage.keySets()).updater(updater.clone()).biasUpdater(updater.clone()).build();
        } else {
            long[] wq = attentionParam(g, site, DualSelfAttention.WQ).shape();
            long[] wo = attentionParam(g, site, DualSelfAttention.WO).shape();
            int queries = 0;
            if (site.layer instanceof LearnedSelfAttentionLayer) {
                queries = ((LearnedSelfAttentionLayer) site.layer).getNQueries();
            } else if (site.layer instanceof DualSelfAttention) {
                queries = ((DualSelfAttention) site.layer).getNumQueries();
            }
            int keys = site.layer instanceof DualSelfAttention ? ((DualSelfAttention) site.layer).getNumKeys()
                    : numTokens;
            width = (int) wo[1];
            dual = new DualSelfAttention.Builder().nIn((int) wq[2]).nOut(width).numHeads((int) wq[0])
                    .headSize((int) wq[1]).numKeys(keys).numQueries(queries).numKeySets(stage.keySets())
                    .updater(updater.clone()).biasUpdater(updater.clone()).build();
        }
        b.addLayer(DUAL, dual, site.preProcessor, site.tokens);
        int[][] cls = stage.tasks.toArray(new int[0][]);
        int[] sizes = Arrays.stream(cls).mapToInt(a -> a.length).toArray();
        b.addLayer(HEADS, new TaskHeads.Builder().embedDim(width).classesPerHead(sizes)
                .sharedInput(stage.conf.getEdition() == DaFormerConfiguration.Edition.S)
                .placement(stage.numClasses, cls).updater(updater.clone()).biasUpdater(updater.clone()).build(), DUAL);
        List<String> outputs = new ArrayList<>();
        b.addLayer(classifier, loss(mcxent(stage.numClasses, stage.kd() ? 1 - stage.lambda() : 1.0, type),
                Activation.SOFTMAX, stage.numClasses), HEADS);
        outputs.add(classifier);
        if (stage.kd()) {
            b.addLayer(KD, loss(new DistillationLoss(oldGroups(stage), 1.0, DistillationMode.OLD_CLASSES_SOFTMAX,
                    stage.lambda()), Activation.IDENTITY, stage.numClasses), HEADS);
            outputs.add(KD);
        }
        boolean m = stage.conf.getEdition() == DaFormerConfiguration.Edition.M;
        if (stage.div()) {
            int t = stage.t();
            String emb = DUAL;
            if (m) {
                b.addVertex(DIV_SLICE, new SubsetVertex(t * width, (t + 1) * width - 1), DUAL);
                emb = DIV_SLICE;
            }
            int n = sizes[t] + 1;
            b.addLayer(DIV_HEAD, new TaskHeads.Builder().embedDim(width).classesPerHead(n).updater(updater.clone())
                    .biasUpdater(updater.clone()).build(), emb);
            b.addLayer(DIV, loss(mcxent(n, stage.conf.getDivergenceWeight(), type), Activation.SOFTMAX, n),
                    DIV_HEAD);
            outputs.add(DIV);
        }
        if (stage.knn()) {
            String emb = DUAL;
            int sets = m ? stage.t() : 1;
            if (m) {
                b.addVertex(KNN_SLICE, new SubsetVertex(0, sets * width - 1), DUAL);
                emb = KNN_SLICE;
            }
            b.addLayer(KNN, loss(new KnnInvariantLoss(stage.conf.getKnnK(), stage.conf.getKnnTemperature(),
                    stage.conf.getKnnWeight()), Activation.IDENTITY, sets * width), emb);
            outputs.add(KNN);
        }
        b.setOutputs(outputs.toArray(new String[0]));
        ComputationGraph out = ofType(b.build(), g);
        copyParameters(g, site.attention, out, DUAL);
        if (isConverted(g)) {
            // the heads of earlier tasks; a divergence head belongs to one task, so the next stage's starts afresh
            copyParameters(g, HEADS, out, HEADS);
        }
        // a fresh Adam-like state per stage, its bias correction from step 1 (as a new optimiser)
        out.getConfiguration().setIterationCount(0);
        out.getConfiguration().setEpochCount(g.getConfiguration().getEpochCount());
        return out;
    }

    /** The classification-only graph of {@code g} (a training stage graph): the recipe's extra outputs removed. */
    static ComputationGraph classificationOnly(ComputationGraph g, String classifier) {
        Map<String, GraphVertex> vs = g.getConfiguration().getVertices();
        if (g.getConfiguration().getNetworkOutputs().size() == 1) {
            return g;
        }
        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(g);
        for (String n : new String[]{KD, DIV, DIV_HEAD, DIV_SLICE, KNN, KNN_SLICE}) {
            if (vs.containsKey(n)) {
                b.removeVertexAndConnections(n);
            }
        }
        b.setOutputs(classifier);
        ComputationGraph out = ofType(b.build(), g);
        out.getConfiguration().setIterationCount(0);
        out.getConfiguration().setEpochCount(g.getConfiguration().getEpochCount());
        return out;
    }

    /**
     * {@code built} in the data type of {@code like}: M2.1's {@code TransferLearning.GraphBuilder} builds a FLOAT
     * graph from a DOUBLE one.
     */
    private static ComputationGraph ofType(ComputationGraph built, ComputationGraph like) {
        DataType type = like.getConfiguration().getDataType();
        if (built.getConfiguration().getDataType() == type) {
            return built;
        }
        ComputationGraphConfiguration c = built.getConfiguration().clone();
        c.setDataType(type);
        ComputationGraph out = new ComputationGraph(c);
        out.init(built.params().castTo(type), false);
        return out;
    }

    /**
     * The same graph, parameters and all, with {@code updater} on the dual block and the heads (a fresh updater
     * state, iteration count 0): the fine-tuning rate for that phase, the training rate back after it.
     */
    static ComputationGraph withUpdater(ComputationGraph g, IUpdater updater) {
        ComputationGraphConfiguration c = g.getConfiguration().clone();
        for (String n : new String[]{DUAL, HEADS}) {
            AbstractSameDiffLayer l = (AbstractSameDiffLayer) ((LayerVertex) c.getVertices().get(n)).getLayerConf()
                    .getLayer();
            l.setUpdater(updater.clone());
            l.setBiasUpdater(updater.clone());
        }
        c.setIterationCount(0);
        ComputationGraph out = new ComputationGraph(c);
        out.init(g.params().dup(), false);
        return out;
    }

    private static INDArray attentionParam(ComputationGraph g, Site site, String key) {
        Map<String, INDArray> p = g.getVertex(site.attention).paramTable(false);
        INDArray a = p == null ? null : p.get(key);
        if (a == null) {
            throw new IllegalArgumentException("The attention block '" + site.attention + "' has no parameter " + key
                    + " (it has " + (p == null ? "none" : p.keySet()) + "): DAFormer needs projected attention");
        }
        return a;
    }

    /** Copies the parameters of vertex {@code from} of {@code src} into vertex {@code to} of {@code dst} by name. */
    static List<String> copyParameters(ComputationGraph src, String from, ComputationGraph dst, String to) {
        Map<String, INDArray> s = src.getVertex(from).paramTable(false);
        Map<String, INDArray> d = dst.getVertex(to).paramTable(false);
        List<String> copied = new ArrayList<>();
        if (s == null || d == null) {
            return copied;
        }
        for (Map.Entry<String, INDArray> e : d.entrySet()) {
            INDArray a = s.get(e.getKey());
            if (a != null && Arrays.equals(a.shape(), e.getValue().shape())) {
                e.getValue().assign(a);
                copied.add(e.getKey());
            }
        }
        return copied;
    }

    /** Group 0 for the old classes, −1 for the rest. */
    private static int[] oldGroups(Stage stage) {
        int[] g = new int[stage.numClasses];
        Arrays.fill(g, -1);
        for (int t = 0; t < stage.t(); t++) {
            for (int c : stage.tasks.get(t)) {
                g[c] = 0;
            }
        }
        return g;
    }

    /** Softmax cross-entropy with every class weighted {@code w}. */
    private static LossMCXENT mcxent(int n, double w, DataType type) {
        return w == 1.0 ? new LossMCXENT() : new LossMCXENT(Nd4j.valueArrayOf(new long[]{1, n}, w).castTo(type));
    }

    private static LossLayer loss(ILossFunction fn, Activation act, int n) {
        LossLayer l = new LossLayer.Builder(fn).activation(act).build();
        l.setNIn(n);
        l.setNOut(n);
        // set explicitly: DL4J's JSON reader treats a layer without them as legacy JSON
        l.setIUpdater(new NoOp());
        l.setRegularization(new ArrayList<>());
        l.setRegularizationBias(new ArrayList<>());
        l.setWeightInitFn(new WeightInitXavier());
        return l;
    }

    /** The vertices {@code name} depends on, itself included. */
    static Set<String> ancestors(ComputationGraphConfiguration c, String name) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(name);
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (seen.add(n)) {
                List<String> in = c.getVertexInputs().get(n);
                if (in != null) {
                    todo.addAll(in);
                }
            }
        }
        return seen;
    }

    /**
     * The updater of the layers the plugin adds: the configuration's, else the attention block's, else the
     * classifier's.
     */
    static IUpdater updater(ComputationGraph g, Site site, String classifier, DaFormerConfiguration conf) {
        if (conf.getUpdater() != null) {
            return conf.getUpdater();
        }
        Layer l = site.layer;
        if (l instanceof AbstractSameDiffLayer && ((AbstractSameDiffLayer) l).getUpdater() != null) {
            return ((AbstractSameDiffLayer) l).getUpdater().clone();
        }
        Layer out = layer(g.getConfiguration().getVertices().get(classifier));
        if (out instanceof BaseLayer && ((BaseLayer) out).getIUpdater() != null
                && !(((BaseLayer) out).getIUpdater() instanceof NoOp)) {
            return ((BaseLayer) out).getIUpdater().clone();
        }
        throw new IllegalArgumentException("DAFormer found no updater to reuse for the layers it adds (the attention "
                + "block '" + site.attention + "' and the classifier '" + classifier + "' have none): set one with "
                + "DaFormerConfiguration.Builder.updater");
    }
}
