package io.github.dl4jcontinual.zoo.l2p;

import io.github.dl4jcontinual.multihead.MultiHeadSoftmaxCrossEntropy;
import io.github.dl4jcontinual.zoo.transformer.TokenPooling;
import io.github.dl4jcontinual.zoo.transformer.TransformerBlock;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.AttentionVertex;
import org.deeplearning4j.nn.conf.graph.FrozenVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.graph.rnn.LastTimeStepVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LearnedSelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RecurrentAttentionLayer;
import org.deeplearning4j.nn.conf.layers.SelfAttentionLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.conf.layers.wrapper.BaseWrapperLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Builds the L2P network from a user's {@link ComputationGraph} with DL4J's {@link TransferLearning.GraphBuilder}
 * (see {@link L2pPlugin} for the layout). Vertices are found by type; nothing is required by name.
 */
final class PromptPoolGraph {
    /** The key-selection layer. */
    static final String SELECT = "l2p_select";
    /** The selected prompts' tokens. */
    static final String PROMPT_TOKENS = "l2p_prompt_tokens";
    /** The prompted token sequence (a MergeVertex: prompts, then the tokens). */
    static final String PROMPT = "l2p_prompt";
    /** The mean of the prompt tokens' outputs. */
    static final String PROMPT_POOL = "l2p_prompt_pool";
    /** The column of the key-matching distance. */
    static final String PULL_VALUE = "l2p_pull_value";
    /** The surrogate's output (loss layer). */
    static final String PULL = "l2p_pull";
    /** Prefix of the frozen copies that compute the query. */
    static final String QUERY = "l2p_query_";

    private PromptPoolGraph() {
    }

    /** Whether {@code g} is already an L2P network (e.g. restored from a checkpoint). */
    static boolean isPrompted(ComputationGraph g) {
        return g.getConfiguration().getVertices().containsKey(PROMPT);
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
            } else if (l instanceof BaseWrapperLayer && l instanceof FrozenLayerWithBackprop) {
                l = ((BaseWrapperLayer) l).getUnderlying();
            } else {
                return l;
            }
        }
    }

    private static GraphVertex unwrapVertex(GraphVertex v) {
        while (v instanceof FrozenVertex) {
            v = ((FrozenVertex) v).getUnderlying();
        }
        return v;
    }

    private static boolean isAttention(GraphVertex v) {
        Layer l = layer(v);
        return l instanceof SelfAttentionLayer || l instanceof LearnedSelfAttentionLayer
                || l instanceof RecurrentAttentionLayer || l instanceof TransformerBlock
                || unwrapVertex(v) instanceof AttentionVertex;
    }

    private static boolean isPooling(GraphVertex v) {
        Layer l = layer(v);
        return l instanceof GlobalPoolingLayer || l instanceof LastTimeStep || l instanceof TokenPooling
                || unwrapVertex(v) instanceof LastTimeStepVertex;
    }

    private static String describe(ComputationGraphConfiguration c, List<String> order) {
        return order.stream().filter(n -> c.getVertices().containsKey(n)).map(n -> {
            GraphVertex v = c.getVertices().get(n);
            Layer l = layer(v);
            return n + " (" + (l != null ? l.getClass().getSimpleName() : unwrapVertex(v).getClass().getSimpleName())
                    + ")";
        }).collect(Collectors.joining(", "));
    }

    /**
     * @param net        the user's graph (not modified)
     * @param classifier the classification output layer's name
     * @param conf       the L2P configuration
     * @param rng        draws the initial prompts, keys and head
     * @return the new graph, initialised, with the user's parameters copied
     * @throws IllegalArgumentException if the graph lacks what L2P needs (named in the message)
     */
    static ComputationGraph build(ComputationGraph net, String classifier, L2pConfiguration conf, Random rng) {
        ComputationGraphConfiguration c = net.getConfiguration();
        Map<String, GraphVertex> vs = c.getVertices();
        Map<String, List<String>> ins = c.getVertexInputs();
        List<String> order = new ArrayList<>();
        for (int i : net.topologicalSortOrder()) {
            order.add(net.getVertices()[i].getVertexName());
        }
        if (c.getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("L2P replaces the classifier of a single-output graph; this graph has "
                    + "the outputs " + c.getNetworkOutputs());
        }
        // the attention block and the token sequence it reads
        String attention = conf.getAttentionLayer();
        if (attention != null) {
            if (!vs.containsKey(attention) || !isAttention(vs.get(attention))) {
                throw new IllegalArgumentException("L2pConfiguration.attentionLayer names '" + attention + "', which "
                        + (vs.containsKey(attention) ? "is not" : "is not a vertex of the graph, nor") + " a DL4J "
                        + "SelfAttentionLayer, LearnedSelfAttentionLayer, RecurrentAttentionLayer, AttentionVertex or "
                        + "zoo TransformerBlock; the graph has: " + describe(c, order));
            }
        } else {
            attention = order.stream().filter(n -> vs.containsKey(n) && isAttention(vs.get(n))).findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("L2P prepends prompts to the token sequence "
                            + "read by the network's first attention block, but this graph has none: it needs a DL4J "
                            + "SelfAttentionLayer, LearnedSelfAttentionLayer, RecurrentAttentionLayer or "
                            + "AttentionVertex, or a zoo TransformerBlock, reading a token sequence (name it with "
                            + "L2pConfiguration.Builder.attentionLayer if it is wrapped in another type); the graph "
                            + "has: " + describe(c, order)));
        }
        String tokens = ins.get(attention).get(0);
        Layer attLayer = layer(vs.get(attention));
        TokenFormat format;
        int width;
        int numTokens;
        if (attLayer instanceof TransformerBlock) {
            format = TokenFormat.FLAT;
            width = ((TransformerBlock) attLayer).getEmbedDim();
            numTokens = ((TransformerBlock) attLayer).getNumTokens();
        } else {
            format = TokenFormat.RNN;
            numTokens = -1;
            if (attLayer instanceof SelfAttentionLayer) {
                width = (int) ((SelfAttentionLayer) attLayer).getNIn();
            } else if (attLayer instanceof LearnedSelfAttentionLayer) {
                width = (int) ((LearnedSelfAttentionLayer) attLayer).getNIn();
            } else if (attLayer instanceof RecurrentAttentionLayer) {
                width = (int) ((RecurrentAttentionLayer) attLayer).getNIn();
            } else {
                width = (int) ((AttentionVertex) unwrapVertex(vs.get(attention))).getNInQueries();
            }
        }
        // the classifier and its feature (the query)
        GraphVertex outVertex = vs.get(classifier);
        Layer outLayer = layer(outVertex);
        if (!(outLayer instanceof FeedForwardLayer) || ins.get(classifier).size() != 1) {
            throw new IllegalArgumentException("L2P replaces the classification output '" + classifier + "' by a "
                    + "linear head and reads its input as the query: it must be an output layer with one input (got "
                    + (outLayer == null ? unwrapVertex(outVertex).getClass().getSimpleName()
                    : outLayer.getClass().getSimpleName()) + " with inputs " + ins.get(classifier) + ")");
        }
        String feature = ins.get(classifier).get(0);
        int queryWidth = (int) ((FeedForwardLayer) outLayer).getNIn();
        int headSize = (int) ((FeedForwardLayer) outLayer).getNOut();
        IUpdater updater = conf.getUpdater();
        if (updater == null) {
            if (!(outLayer instanceof BaseLayer) || ((BaseLayer) outLayer).getIUpdater() == null) {
                throw new IllegalArgumentException("The classification output '" + classifier + "' has no updater "
                        + "to reuse: set one with L2pConfiguration.Builder.updater");
            }
            updater = ((BaseLayer) outLayer).getIUpdater().clone();
        }
        Map<String, Set<String>> consumers = new java.util.HashMap<>();
        for (Map.Entry<String, List<String>> e : ins.entrySet()) {
            for (String in : e.getValue()) {
                consumers.computeIfAbsent(in, k -> new LinkedHashSet<>()).add(e.getKey());
            }
        }
        Set<String> afterAttention = reach(attention, consumers);
        Set<String> beforeFeature = reach(feature, toSets(ins));
        // the pooling of the token sequence
        String pool = conf.getPoolLayer();
        if (pool != null) {
            if (!vs.containsKey(pool) || !afterAttention.contains(pool) || !beforeFeature.contains(pool)) {
                throw new IllegalArgumentException("L2pConfiguration.poolLayer names '" + pool + "', which is not a "
                        + "vertex between the attention '" + attention + "' and the classifier's input '" + feature
                        + "'; the graph has: " + describe(c, order));
            }
        } else {
            pool = order.stream().filter(n -> afterAttention.contains(n) && beforeFeature.contains(n)
                    && vs.containsKey(n) && isPooling(vs.get(n))).findFirst().orElseThrow(() ->
                    new IllegalArgumentException("L2P reads the prompt tokens' outputs where the token sequence is "
                            + "pooled, but found no GlobalPoolingLayer, LastTimeStep(Vertex) or zoo TokenPooling "
                            + "between the attention '" + (conf.getAttentionLayer() == null ? "(first)" : "")
                            + "' and the classifier's input: name it with L2pConfiguration.Builder.poolLayer; the "
                            + "graph has: " + describe(c, order)));
        }
        String sequence = ins.get(pool).get(0);
        int prompts = conf.getTopK() * conf.getPromptLength();
        Set<String> prompted = new HashSet<>(afterAttention);
        prompted.retainAll(reach(sequence, toSets(ins)));
        Set<String> queried = new HashSet<>(afterAttention);
        queried.retainAll(beforeFeature);

        TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(net);
        // the query: frozen copies of the path from the attention to the classifier's input
        for (String n : order) {
            if (!queried.contains(n)) {
                continue;
            }
            String[] inputs = ins.get(n).stream().map(i -> queried.contains(i) ? QUERY + i : i)
                    .toArray(String[]::new);
            GraphVertex v = vs.get(n);
            if (v instanceof LayerVertex) {
                InputPreProcessor pp = ((LayerVertex) v).getPreProcessor();
                b.addLayer(QUERY + n, new FrozenLayer(layer(v).clone()), pp == null ? null : pp.clone(), inputs);
            } else {
                // frozen even without parameters: DL4J's backprop then skips the whole query branch
                b.addVertex(QUERY + n, new FrozenVertex(unwrapVertex(v).clone()), inputs);
            }
        }
        String query = queried.contains(feature) ? QUERY + feature : feature;
        b.addLayer(SELECT, new PromptKeySelection.Builder().poolSize(conf.getPoolSize()).topN(conf.getTopK())
                .queryWidth(queryWidth).updater(updater.clone()).build(), query);
        b.addLayer(PROMPT_TOKENS, new PromptTokens.Builder().format(format).poolSize(conf.getPoolSize())
                .topN(conf.getTopK()).promptLength(conf.getPromptLength()).width(width).updater(updater.clone())
                .build(), SELECT);
        org.deeplearning4j.nn.conf.graph.MergeVertex merge = new org.deeplearning4j.nn.conf.graph.MergeVertex();
        merge.setMergeAxis(format == TokenFormat.FLAT ? 1 : 2);
        b.addVertex(PROMPT, merge, PROMPT_TOKENS, tokens);
        // the prompted path: frozen with backprop, rewired to the prompted tokens, token counts grown
        for (String n : order) {
            if (!prompted.contains(n)) {
                continue;
            }
            String[] inputs = ins.get(n).stream().map(i -> i.equals(tokens) ? PROMPT : i).toArray(String[]::new);
            GraphVertex v = vs.get(n);
            b.removeVertexKeepConnections(n);
            if (v instanceof LayerVertex) {
                Layer l = layer(v).clone();
                if (l instanceof TransformerBlock) {
                    ((TransformerBlock) l).setNumTokens(((TransformerBlock) l).getNumTokens() + prompts);
                }
                InputPreProcessor pp = ((LayerVertex) v).getPreProcessor();
                b.addLayer(n, l.initializer().numParams(l) > 0 ? new FrozenLayerWithBackprop(l) : l,
                        pp == null ? null : pp.clone(), inputs);
            } else {
                GraphVertex u = unwrapVertex(v).clone();
                b.addVertex(n, u.numParams(true) > 0 ? new FrozenVertex(u) : u, inputs);
            }
        }
        // the head over the prompt tokens' outputs
        Layer poolLayer = layer(vs.get(pool));
        boolean layerNorm = poolLayer instanceof TokenPooling;
        int seqTokens = format == TokenFormat.FLAT ? numTokens + prompts : -1;
        int seqWidth = format == TokenFormat.FLAT ? width : sequenceWidth(net, sequence, queryWidth);
        PromptTokenPooling pooling = new PromptTokenPooling.Builder().format(format).promptTokens(prompts)
                .numTokens(seqTokens).width(seqWidth).layerNorm(layerNorm).build();
        b.addLayer(PROMPT_POOL, layerNorm ? new FrozenLayerWithBackprop(pooling) : pooling, sequence);
        b.removeVertexKeepConnections(classifier);
        b.addLayer(classifier, new OutputLayer.Builder().lossFunction(new MultiHeadSoftmaxCrossEntropy(
                        new int[headSize])).activation(Activation.IDENTITY).nIn(seqWidth).nOut(headSize)
                .weightInit(WeightInit.XAVIER_UNIFORM).updater(updater.clone()).build(), PROMPT_POOL);
        b.addVertex(PULL_VALUE, new SubsetVertex(conf.getTopK() * conf.getPoolSize(),
                conf.getTopK() * conf.getPoolSize()), SELECT);
        b.addLayer(PULL, new LossLayer.Builder().lossFunction(new KeyMatchingLoss(conf.getPullWeight()))
                .activation(Activation.IDENTITY).build(), PULL_VALUE);
        // what no longer leads to an output goes; the rest before the prompts is frozen
        Set<String> keep = new HashSet<>(reach(tokens, toSets(ins)));
        keep.addAll(prompted);
        keep.add(classifier);
        for (String n : order) {
            if (vs.containsKey(n) && !keep.contains(n)) {
                b.removeVertexAndConnections(n);
            }
        }
        if (vs.containsKey(tokens)) {
            b.setFeatureExtractor(tokens);
        }
        b.setOutputs(classifier, PULL);
        ComputationGraph g = b.build();
        if (g.params().dataType() != net.params().dataType()) {
            // TransferLearning builds the new layers with the default data type
            g = g.convertDataType(net.params().dataType());
        }
        copyParameters(net, g, queried);
        initialise(g, rng, classifier);
        return g;
    }

    private static int sequenceWidth(ComputationGraph net, String sequence, int fallback) {
        ComputationGraphConfiguration c = net.getConfiguration();
        Layer l = layer(c.getVertices().get(sequence));
        if (l instanceof FeedForwardLayer && ((FeedForwardLayer) l).getNOut() > 0) {
            return (int) ((FeedForwardLayer) l).getNOut();
        }
        if (l instanceof SelfAttentionLayer) {
            return (int) ((SelfAttentionLayer) l).getNOut();
        }
        if (l instanceof LearnedSelfAttentionLayer) {
            return (int) ((LearnedSelfAttentionLayer) l).getNOut();
        }
        return fallback;
    }

    private static Map<String, Set<String>> toSets(Map<String, List<String>> m) {
        Map<String, Set<String>> out = new java.util.HashMap<>();
        m.forEach((k, v) -> out.put(k, new LinkedHashSet<>(v)));
        return out;
    }

    /** {@code start} and everything reachable from it along {@code edges}. */
    private static Set<String> reach(String start, Map<String, Set<String>> edges) {
        Set<String> seen = new LinkedHashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(start);
        while (!todo.isEmpty()) {
            String n = todo.poll();
            if (seen.add(n)) {
                todo.addAll(edges.getOrDefault(n, Set.of()));
            }
        }
        return seen;
    }

    private static void copyParameters(ComputationGraph from, ComputationGraph to, Set<String> queried) {
        for (org.deeplearning4j.nn.graph.vertex.GraphVertex v : to.getVertices()) {
            String n = v.getVertexName();
            String src = n.startsWith(QUERY) && queried.contains(n.substring(QUERY.length()))
                    ? n.substring(QUERY.length()) : n;
            org.deeplearning4j.nn.graph.vertex.GraphVertex s = from.getVertex(src);
            if (s == null || v.numParams() == 0 || n.equals(PROMPT_POOL)) {
                continue;
            }
            if (s.numParams() != v.numParams()) {
                continue; // the replaced classifier
            }
            v.params().assign(s.params());
        }
        from.getConfiguration().getVertices().forEach((name, gv) -> {
            if (layer(gv) instanceof TokenPooling && to.getVertex(PROMPT_POOL) != null
                    && to.getVertex(PROMPT_POOL).numParams() > 0) {
                // the prompt pooling reuses the pool's LayerNorm
                INDArray p = from.getVertex(name).params();
                if (p.length() == to.getVertex(PROMPT_POOL).numParams()) {
                    to.getVertex(PROMPT_POOL).params().assign(p);
                }
            }
        });
    }

    private static void initialise(ComputationGraph g, Random rng, String classifier) {
        fill(g.getVertex(SELECT).paramTable(false).get(PromptKeySelection.KEYS), rng, 1.0);
        g.getVertex(SELECT).paramTable(false).get(PromptKeySelection.FREQUENCY).assign(0.0);
        fill(g.getVertex(PROMPT_TOKENS).paramTable(false).get(PromptTokens.PROMPTS), rng, 1.0);
        INDArray w = g.getLayer(classifier).getParam("W");
        fill(w, rng, Math.sqrt(6.0 / (w.size(0) + w.size(1))));
        g.getLayer(classifier).getParam("b").assign(0.0);
    }

    /** Uniform(−bound, bound) from {@code rng}, in C order. */
    private static void fill(INDArray a, Random rng, double bound) {
        double[] v = new double[(int) a.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (rng.nextDouble() * 2 - 1) * bound;
        }
        a.assign(org.nd4j.linalg.factory.Nd4j.create(v, a.shape(), 'c').castTo(a.dataType()));
    }
}
