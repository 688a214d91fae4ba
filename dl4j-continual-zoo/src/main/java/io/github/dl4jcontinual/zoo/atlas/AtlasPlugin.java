package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.multihead.MultiHeadSoftmaxCrossEntropy;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.ExperienceTraining;
import io.github.dl4jcontinual.plugin.PluginStates;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BaseRecurrentLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.regularization.Regularization;
import org.nd4j.linalg.learning.regularization.WeightDecay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runtime of ATLAS ({@link AtlasConfiguration#instantiate()}), one per run of the trainer; task-incremental
 * (experiences with disjoint classes; the task is known at test time through its classes).
 *
 * <p><b>Model.</b> Before every training stage it rebuilds the network from the current one
 * ({@code ctx.model().replace}): the user's layers are wrapped in DL4J's {@link FrozenLayerWithBackprop} (the towers
 * are frozen), an {@link AtlasAdapterLayer} follows every site layer, and the user's output layer becomes an
 * {@link AtlasHeadLayer} (per-task heads: the task's columns of the user's output weights for an image task, the
 * classes' fixed text embeddings for an image-text task) under a {@link LossLayer} with core's
 * {@link MultiHeadSoftmaxCrossEntropy} (softmax within the task's classes). Parameters are copied by name; new ones
 * are initialised from a generator seeded by the trainer's seed, the experience and the stage. The task branches of
 * the sites make one forward pass give every task's logits with its own adapters and queries, so the trainer's
 * task-IL matrix is ATLAS's inference with the task known; its class-IL matrix compares heads trained apart.</p>
 *
 * <p><b>Training</b> of experience t (the plugin's {@link #training} step: {@code ctx.model().fit(batch)}, the network's
 * own updater): for {@link AtlasConfiguration.Method#ATLAS} with earlier adapters, stage 1 (the new queries of
 * task t over the frozen adapters 0..t−1 at the query rate, and head t) for the stage-1 epochs, then stage 2 (a new
 * adapter, its query and key at every site, and head t) for the stage-2 epochs; the first experience runs stage 2
 * for both budgets. {@link AtlasConfiguration.Method#SEQUENTIAL}: one adapter set fine-tuned on every task, head t.
 * Each stage is a fresh network with a fresh DL4J {@code Adam} (β, ε of the configuration) whose learning rate
 * follows {@link AtlasSchedule} over the stage's updates, plus DL4J's {@link WeightDecay} (AdamW) on the trainable
 * weight matrices; the orthogonality term comes from {@link AtlasOrthogonality}. Experiences listed as untrained get
 * their full structure with no update.</p>
 *
 * <p>Per experience it reports {@code atlas.adapters}, {@code atlas.stage1_updates}, {@code atlas.stage2_updates}
 * and {@code atlas.matching} (1 for an image-text task). Checkpoints carry the tasks' classes and the user's output
 * weights as JDK arrays (the network itself is the trainer's), so a resumed run is bit-identical. Requirements: a
 * MultiLayerNetwork or a ComputationGraph whose classification output is an output layer (e.g. OutputLayer) of
 * width D = the text embeddings' width when there are image-text tasks; site layers are feed-forward layers
 * (DenseLayer...) on the single path to that output.</p>
 */
public final class AtlasPlugin implements ContinualPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(AtlasPlugin.class);
    /** Name of the head vertex in a ComputationGraph. */
    public static final String HEAD = "atlas_head";
    /** Prefix of the site layers' names. */
    public static final String SITE_PREFIX = "atlas_site_";

    private final AtlasConfiguration conf;
    private final List<int[]> tasks = new ArrayList<>();
    private INDArray userW;
    private INDArray userB;
    private int stage;
    private long stage1Updates;
    private long stage2Updates;

    AtlasPlugin(AtlasConfiguration conf) {
        this.conf = conf;
    }

    @Override
    public void onStreamStart(ContinualContext ctx) {
        tasks.clear();
        if (!converted(ctx.model().network())) {
            sites(ctx.model().network());
            userHead(ctx.model().network());
        }
    }

    @Override
    public void adaptModel(ContinualContext ctx, Experience experience) {
        int t = ctx.experienceIndex();
        if (tasks.size() != t) {
            throw new IllegalStateException("ATLAS has the classes of " + tasks.size() + " tasks but is asked to learn "
                    + "experience " + t + " (was it resumed from a checkpoint of another run?)");
        }
        int[] cls = experience.classArray();
        for (int j = 0; j < tasks.size(); j++) {
            for (int c : cls) {
                if (Arrays.stream(tasks.get(j)).anyMatch(x -> x == c)) {
                    throw new IllegalArgumentException("Class " + c + " of experience " + t + " is already a class of "
                            + "task " + j + " " + Arrays.toString(tasks.get(j)) + ": ATLAS needs experiences with "
                            + "disjoint classes (task-incremental)");
                }
            }
        }
        long withText = Arrays.stream(cls).filter(c -> conf.classText(c) != null).count();
        if (withText != 0 && withText != cls.length) {
            throw new IllegalArgumentException("Experience " + t + " mixes classes with and without a text embedding "
                    + Arrays.toString(cls) + " (text for " + conf.textClasses() + "): an ATLAS task is either image-"
                    + "text matching (every class has a text) or image-only (none has)");
        }
        if (!converted(ctx.model().network())) {
            userHead(ctx.model().network());
        }
        tasks.add(cls.clone());
        stage1Updates = 0;
        stage2Updates = 0;
        boolean untrained = conf.getUntrained().contains(t);
        int[] e = conf.stageEpochs(t);
        stage = !untrained && conf.getMethod() == AtlasConfiguration.Method.ATLAS && t > 0 && e[0] > 0 ? 1 : 2;
        long perEpoch = Math.max(1, (experience.numExamples() + ctx.configuration().getBatchSize() - 1)
                / ctx.configuration().getBatchSize());
        int epochs = stage == 1 ? e[0] : stage2Epochs(t, e);
        rebuild(ctx, t, stage, untrained, perEpoch * epochs);
    }

    private int stage2Epochs(int t, int[] e) {
        return conf.getMethod() == AtlasConfiguration.Method.ATLAS && t == 0 ? e[0] + e[1] : e[1];
    }

    @Override
    public boolean trainsOn(ContinualContext ctx, Experience experience) {
        return !conf.getUntrained().contains(ctx.experienceIndex());
    }

    @Override
    public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
        return conf.getOrthoWeight() > 0 ? List.of(new AtlasOrthogonality()) : List.of();
    }

    @Override
    public ExperienceTraining training(ContinualContext ctx, Experience experience) {
        int t = ctx.experienceIndex();
        int[] e = conf.stageEpochs(t);
        int first = stage == 1 ? e[0] : 0;
        int second = stage == 1 ? e[1] : stage2Epochs(t, e);
        long perEpoch = Math.max(1, (experience.numExamples() + ctx.configuration().getBatchSize() - 1)
                / ctx.configuration().getBatchSize());
        return new ExperienceTraining() {
            @Override
            public int epochs(int configured) {
                return first + second;
            }

            @Override
            public void onEpochStart(int epoch) {
                if (stage == 1 && epoch == first) {
                    stage = 2;
                    rebuild(ctx, t, 2, false, perEpoch * second);
                }
            }

            @Override
            public long step(MultiDataSet batch) {
                ctx.model().fit(batch);
                if (stage == 1) {
                    stage1Updates++;
                } else {
                    stage2Updates++;
                }
                return 1;
            }
        };
    }

    @Override
    public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
        Map<String, Double> m = new TreeMap<>();
        int t = ctx.experienceIndex();
        m.put("atlas.adapters", (double) (conf.getMethod() == AtlasConfiguration.Method.ATLAS ? t + 1 : 1));
        m.put("atlas.stage1_updates", (double) stage1Updates);
        m.put("atlas.stage2_updates", (double) stage2Updates);
        m.put("atlas.matching", conf.classText(experience.classArray()[0]) != null ? 1.0 : 0.0);
        return m;
    }

    /** The tasks' classes and the user's output weights, as detached copies. */
    @Override
    public Serializable saveState() {
        ArrayList<int[]> t = new ArrayList<>();
        tasks.forEach(x -> t.add(x.clone()));
        return new Serializable[]{t, userW == null ? null : userW.toDoubleMatrix(),
                userB == null ? null : userB.toDoubleMatrix(), userW == null ? null : userW.dataType().name()};
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restoreState(ContinualContext ctx, Serializable state) {
        Serializable[] s = PluginStates.parts(state, 4, "an ATLAS plugin");
        ArrayList<int[]> t = PluginStates.part(s, 0, ArrayList.class, false, "an ATLAS plugin");
        double[][] w = PluginStates.part(s, 1, double[][].class, true, "an ATLAS plugin");
        double[][] b = PluginStates.part(s, 2, double[][].class, true, "an ATLAS plugin");
        String type = PluginStates.part(s, 3, String.class, true, "an ATLAS plugin");
        tasks.clear();
        for (Object o : t) {
            tasks.add(((int[]) o).clone());
        }
        org.nd4j.linalg.api.buffer.DataType dt = type == null ? null
                : org.nd4j.linalg.api.buffer.DataType.valueOf(type);
        userW = w == null ? null : Nd4j.createFromArray(w).castTo(dt);
        userB = b == null ? null : Nd4j.createFromArray(b).castTo(dt);
    }

    // ---------------------------------------------------------------- network inspection

    private static boolean converted(Model net) {
        return layers(net).values().stream().anyMatch(l -> l instanceof AtlasHeadLayer);
    }

    /** Layer configurations by name (MultiLayerNetwork: by index as a string, or the layer's name), in order. */
    private static LinkedHashMap<String, Layer> layers(Model net) {
        LinkedHashMap<String, Layer> m = new LinkedHashMap<>();
        if (net instanceof MultiLayerNetwork) {
            MultiLayerConfiguration c = ((MultiLayerNetwork) net).getLayerWiseConfigurations();
            for (int i = 0; i < c.getConfs().size(); i++) {
                m.put(String.valueOf(i), c.getConf(i).getLayer());
            }
        } else {
            ComputationGraph g = (ComputationGraph) net;
            ComputationGraphConfiguration c = g.getConfiguration();
            for (String name : topological(g)) {
                GraphVertex v = c.getVertices().get(name);
                if (v instanceof LayerVertex) {
                    m.put(name, ((LayerVertex) v).getLayerConf().getLayer());
                }
            }
        }
        return m;
    }

    private static List<String> topological(ComputationGraph g) {
        List<String> order = new ArrayList<>();
        for (int i : g.topologicalSortOrder()) {
            order.add(g.getVertices()[i].getVertexName());
        }
        return order;
    }

    private static Layer inner(Layer l) {
        return l instanceof FrozenLayerWithBackprop ? ((FrozenLayerWithBackprop) l).getUnderlying() : l;
    }

    /** The name a user gives a MultiLayerNetwork layer, or its index. */
    private static String userName(Model net, String key, Layer l) {
        if (net instanceof MultiLayerNetwork && inner(l).getLayerName() != null) {
            return inner(l).getLayerName();
        }
        return key;
    }

    /** The site layers of a user's (unconverted) network, keys of {@link #layers}, in order. */
    List<String> sites(Model net) {
        LinkedHashMap<String, Layer> ls = layers(net);
        List<String> keys = new ArrayList<>(ls.keySet());
        String out = outputKey(net);
        List<String> found = new ArrayList<>();
        List<String> wanted = conf.getSiteLayers();
        if (!conf.isAdapters()) {
            return found;
        }
        if (wanted.isEmpty()) {
            for (int i = keys.indexOf(out) - 1; i >= 0 && found.size() < 2; i--) {
                if (inner(ls.get(keys.get(i))) instanceof DenseLayer) {
                    found.add(0, keys.get(i));
                }
            }
            if (found.isEmpty()) {
                throw new IllegalArgumentException("ATLAS puts its adapter sites after dense layers before the output "
                        + "layer, but the network has none: its layers are " + describe(net, ls) + "; name the site "
                        + "layers with AtlasConfiguration.Builder.siteLayers");
            }
            return found;
        }
        for (String w : wanted) {
            String hit = null;
            for (String k : keys) {
                if (k.equals(w) || w.equals(userName(net, k, ls.get(k)))) {
                    hit = k;
                }
            }
            if (hit == null) {
                throw new IllegalArgumentException("ATLAS site layer '" + w + "' is not in the network; its layers are "
                        + describe(net, ls));
            }
            Layer l = inner(ls.get(hit));
            if (!(l instanceof FeedForwardLayer) || l instanceof ConvolutionLayer || l instanceof BaseRecurrentLayer
                    || l instanceof BaseOutputLayer || ((FeedForwardLayer) l).getNOut() <= 0) {
                throw new IllegalArgumentException("ATLAS site layer '" + w + "' is a " + l.getClass().getSimpleName()
                        + ": an adapter site needs a feed-forward layer with 2-d output [n, width] (e.g. a "
                        + "DenseLayer) before the output layer");
            }
            if (keys.indexOf(hit) >= keys.indexOf(out)) {
                throw new IllegalArgumentException("ATLAS site layer '" + w + "' is not before the output layer "
                        + out);
            }
            found.add(hit);
        }
        found.sort((a, b) -> Integer.compare(keys.indexOf(a), keys.indexOf(b)));
        return found;
    }

    private static String describe(Model net, Map<String, Layer> ls) {
        StringBuilder sb = new StringBuilder("[");
        ls.forEach((k, l) -> sb.append(sb.length() > 1 ? ", " : "").append(userName(net, k, l)).append(" (")
                .append(inner(l).getClass().getSimpleName()).append(")"));
        return sb.append("]").toString();
    }

    private static String outputKey(Model net) {
        if (net instanceof MultiLayerNetwork) {
            return String.valueOf(((MultiLayerNetwork) net).getnLayers() - 1);
        }
        List<String> outs = ((ComputationGraph) net).getConfiguration().getNetworkOutputs();
        if (outs.size() != 1) {
            throw new IllegalArgumentException("ATLAS needs a ComputationGraph with one output (its classification "
                    + "output); this one has " + outs);
        }
        return outs.get(0);
    }

    /** Copies the user's output layer's W [D, C] and b once, checking it is an output layer. */
    private void userHead(Model net) {
        if (userW != null) {
            return;
        }
        String out = outputKey(net);
        Layer l = layers(net).get(out);
        if (!(l instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException("ATLAS replaces the classification output by per-task heads and needs "
                    + "an output layer with weights (e.g. OutputLayer) there; the network's output " + out + " is a "
                    + (l == null ? "vertex without a layer" : l.getClass().getSimpleName()));
        }
        org.deeplearning4j.nn.api.Layer impl = net instanceof MultiLayerNetwork
                ? ((MultiLayerNetwork) net).getLayer(Integer.parseInt(out)) : ((ComputationGraph) net).getLayer(out);
        INDArray w = impl.getParam("W");
        INDArray b = impl.getParam("b");
        if (w == null || b == null) {
            throw new IllegalArgumentException("ATLAS copies the output layer's W and b into its task heads; the "
                    + "output layer " + out + " has " + impl.paramTable().keySet());
        }
        int d = (int) w.size(0);
        List<Integer> text = conf.textClasses();
        if (!text.isEmpty() && conf.classText(text.get(0)).length != d) {
            throw new IllegalArgumentException("The class text embeddings have width " + conf.classText(text.get(0))
                    .length + " but the output layer's input has width " + d + ": image-text matching needs the "
                    + "image embedding in the text space (a projection of width " + conf.classText(text.get(0)).length
                    + " before the output layer)");
        }
        userW = w.dup().detach();
        userB = b.reshape(1, b.length()).dup().detach();
    }

    // ---------------------------------------------------------------- rebuilding

    private void rebuild(ContinualContext ctx, int t, int stage, boolean untrained, long updates) {
        Model old = ctx.model().network();
        boolean atlas = conf.getMethod() == AtlasConfiguration.Method.ATLAS;
        int branches = atlas && conf.isAdapters() ? t + 1 : 1;
        int adapters = atlas ? (stage == 1 ? t : t + 1) : 1;
        int[] last = new int[branches];
        for (int j = 0; j < branches; j++) {
            last[j] = atlas ? Math.min(j, adapters - 1) : 0;
        }
        int own = atlas ? t : 0;
        int newest = adapters - 1;
        List<String> siteTrainable = new ArrayList<>();
        List<String> reinit = new ArrayList<>();
        AtlasAdapterLayer probe = new AtlasAdapterLayer.Builder().width(conf.getQueryHeads())
                .bottleneck(1).heads(conf.getQueryHeads()).adapters(adapters).lastAdapter(last)
                .queryPerTask(conf.isQueryPerTask()).build();
        if (!untrained) {
            if (stage == 1) {
                for (int i = 0; i < adapters; i++) {
                    siteTrainable.add(probe.query(own, i));
                    if (!conf.isQueryPerTask()) {
                        reinit.add(probe.query(own, i));
                    }
                }
            } else {
                for (String s : new String[]{"w1a", "b1a", "w2a", "b2a", "ka"}) {
                    siteTrainable.add(s + newest);
                }
                siteTrainable.add(probe.query(own, newest));
            }
        } else if (stage == 2 && !conf.isQueryPerTask() && atlas) {
            for (int i = 0; i < newest; i++) {
                reinit.add(probe.query(own, i));
            }
        }
        long seed = ctx.configuration().getSeed() * 1_000_003L + 31L * t + stage;
        IUpdater base = adam(conf.getLearningRate(), updates);
        IUpdater query = stage == 1 ? adam(conf.getQueryLearningRate(), updates) : null;
        List<Regularization> decay = conf.getWeightDecay() > 0 ? List.of(new WeightDecay(conf.getWeightDecay(), true))
                : List.of();
        Plan p = new Plan(branches, adapters, last, siteTrainable, reinit, query, base, decay,
                untrained ? -1 : own, stage == 2, seed);
        p.headTrainable = new ArrayList<>();
        if (!untrained && conf.classText(tasks.get(t)[0]) == null) {
            p.headTrainable.add("W" + t);
            p.headTrainable.add("b" + t);
        }
        Model rebuilt = old instanceof MultiLayerNetwork ? rebuild((MultiLayerNetwork) old, p)
                : rebuild((ComputationGraph) old, p);
        ctx.model().replace(rebuilt);
        LOG.info("ATLAS experience {} stage {}: {} branches, {} adapters per site, {} updates", t, stage, branches,
                adapters, updates);
    }

    private IUpdater adam(double lr, long updates) {
        return Adam.builder().learningRateSchedule(new AtlasSchedule(lr, Math.max(1, updates),
                conf.getWarmupFraction())).beta1(conf.getBeta1()).beta2(conf.getBeta2()).epsilon(conf.getEpsilon())
                .build();
    }

    /** What one stage's network holds. */
    private static final class Plan {
        final int branches;
        final int adapters;
        final int[] last;
        final List<String> siteTrainable;
        final List<String> reinit;
        final IUpdater query;
        final IUpdater base;
        final List<Regularization> decay;
        final int orthoBranch;
        final boolean orthoKeys;
        final long seed;
        List<String> headTrainable;

        Plan(int branches, int adapters, int[] last, List<String> siteTrainable, List<String> reinit, IUpdater query,
             IUpdater base, List<Regularization> decay, int orthoBranch, boolean orthoKeys, long seed) {
            this.branches = branches;
            this.adapters = adapters;
            this.last = last;
            this.siteTrainable = siteTrainable;
            this.reinit = reinit;
            this.query = query;
            this.base = base;
            this.decay = decay;
            this.orthoBranch = orthoBranch;
            this.orthoKeys = orthoKeys;
            this.seed = seed;
        }
    }

    private AtlasAdapterLayer site(String name, int width, boolean expand, Plan p) {
        if (width % conf.getQueryHeads() != 0) {
            throw new IllegalArgumentException("ATLAS queryHeads " + conf.getQueryHeads() + " should divide the width "
                    + width + " of the site after " + name);
        }
        AtlasAdapterLayer.Builder b = new AtlasAdapterLayer.Builder().site(name).width(width)
                .bottleneck(conf.getBottleneck()).heads(conf.getQueryHeads())
                .weighting(conf.getWeighting(), conf.slotsPerQuery()).adapters(p.adapters).lastAdapter(p.last)
                .expand(expand).queryPerTask(conf.isQueryPerTask()).trainable(p.siteTrainable).queryUpdater(p.query)
                .ortho(p.orthoBranch, p.orthoKeys, conf.getOrthoWeight());
        b.updater(p.base);
        b.regularization(p.decay);
        AtlasAdapterLayer l = b.build();
        l.setLayerName(SITE_PREFIX + name);
        return l;
    }

    private Layer[] head(int width, int classes, Plan p) {
        AtlasHeadLayer.Builder b = new AtlasHeadLayer.Builder().width(width).numClasses(classes).branches(p.branches)
                .scale(conf.getScale()).trainable(p.headTrainable);
        int[] headOf = new int[classes];
        Arrays.fill(headOf, tasks.size());
        boolean atlas = conf.getMethod() == AtlasConfiguration.Method.ATLAS;
        for (int j = 0; j < tasks.size(); j++) {
            int[] cls = tasks.get(j);
            double[][] texts = null;
            if (conf.classText(cls[0]) != null) {
                texts = new double[cls.length][];
                for (int c = 0; c < cls.length; c++) {
                    texts[c] = conf.classText(cls[c]);
                }
            }
            for (int c : cls) {
                if (c >= classes) {
                    throw new IllegalArgumentException("Class " + c + " of task " + j + " has no output: the output "
                            + "layer has " + classes + " units");
                }
                headOf[c] = j;
            }
            b.task(cls, atlas && conf.isAdapters() ? j : 0, texts);
        }
        b.updater(p.base);
        b.regularization(p.decay);
        AtlasHeadLayer h = b.build();
        h.setLayerName(HEAD);
        LossLayer loss = new LossLayer.Builder(new MultiHeadSoftmaxCrossEntropy(headOf))
                .activation(Activation.IDENTITY).build();
        loss.setNIn(classes);
        loss.setNOut(classes);
        // set explicitly: DL4J's JSON reader treats a layer without them as legacy JSON
        loss.setIUpdater(new org.nd4j.linalg.learning.config.NoOp());
        loss.setRegularization(new ArrayList<>());
        loss.setRegularizationBias(new ArrayList<>());
        loss.setWeightInitFn(new org.deeplearning4j.nn.weights.WeightInitXavier());
        return new Layer[]{h, loss};
    }

    private static Layer frozen(Layer l) {
        if (l instanceof FrozenLayerWithBackprop) {
            return l.clone();
        }
        FrozenLayerWithBackprop f = new FrozenLayerWithBackprop(l.clone());
        f.setLayerName(l.getLayerName());
        return f;
    }

    private MultiLayerNetwork rebuild(MultiLayerNetwork old, Plan p) {
        MultiLayerConfiguration oc = old.getLayerWiseConfigurations();
        boolean done = converted(old);
        List<String> sites = done ? List.of() : sites(old);
        int n = oc.getConfs().size();
        List<NeuralNetConfiguration> confs = new ArrayList<>();
        Map<Integer, org.deeplearning4j.nn.conf.InputPreProcessor> pre = new HashMap<>();
        Map<Integer, Integer> from = new HashMap<>();
        boolean first = true;
        for (int i = 0; i < n; i++) {
            NeuralNetConfiguration nc = oc.getConf(i);
            Layer l = nc.getLayer();
            if (oc.getInputPreProcess(i) != null) {
                pre.put(confs.size(), oc.getInputPreProcess(i).clone());
            }
            if (l instanceof AtlasAdapterLayer) {
                AtlasAdapterLayer s = (AtlasAdapterLayer) l;
                confs.add(with(nc, site(s.getSite(), s.getWidth(), first, p), p.seed));
                first = false;
                from.put(confs.size() - 1, i);
            } else if (l instanceof AtlasHeadLayer) {
                Layer[] h = head(((AtlasHeadLayer) l).getWidth(), ((AtlasHeadLayer) l).getNumClasses(), p);
                confs.add(with(nc, h[0], p.seed));
                from.put(confs.size() - 1, i);
                confs.add(with(nc, h[1], p.seed));
                i++;
            } else if (!done && i == n - 1) {
                FeedForwardLayer o = (FeedForwardLayer) l;
                Layer[] h = head((int) o.getNIn(), (int) o.getNOut(), p);
                confs.add(with(nc, h[0], p.seed));
                confs.add(with(nc, h[1], p.seed));
            } else {
                confs.add(with(nc, frozen(l), p.seed));
                from.put(confs.size() - 1, i);
                if (sites.contains(String.valueOf(i))) {
                    String name = userName(old, String.valueOf(i), l);
                    confs.add(with(nc, site(name, (int) ((FeedForwardLayer) inner(l)).getNOut(), first, p), p.seed));
                    first = false;
                }
            }
        }
        MultiLayerConfiguration c = new MultiLayerConfiguration.Builder().confs(confs).inputPreProcessors(pre)
                .backpropType(oc.getBackpropType()).tBPTTForwardLength(oc.getTbpttFwdLength())
                .tBPTTBackwardLength(oc.getTbpttBackLength()).dataType(oc.getDataType()).build();
        c.setIterationCount(0);
        c.setEpochCount(oc.getEpochCount());
        Nd4j.getRandom().setSeed(p.seed);
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        for (Map.Entry<Integer, Integer> e : from.entrySet()) {
            copy(old.getLayer(e.getValue()), net.getLayer(e.getKey()), p.reinit);
        }
        initHeads(net.getLayer(head(net)), headParams(old));
        return net;
    }

    private static int head(MultiLayerNetwork net) {
        for (int i = 0; i < net.getnLayers(); i++) {
            if (net.getLayer(i).conf().getLayer() instanceof AtlasHeadLayer) {
                return i;
            }
        }
        throw new IllegalStateException("no ATLAS head");
    }

    private static NeuralNetConfiguration with(NeuralNetConfiguration nc, Layer l, long seed) {
        NeuralNetConfiguration c = nc.clone();
        c.setLayer(l);
        c.setSeed(seed);
        c.setIterationCount(0);
        return c;
    }

    /** Copies the parameters {@code from} has and {@code to} has too (except those to re-initialise). */
    private static void copy(org.deeplearning4j.nn.api.Layer from, org.deeplearning4j.nn.api.Layer to,
                             List<String> reinit) {
        Map<String, INDArray> have = from.paramTable();
        for (Map.Entry<String, INDArray> e : to.paramTable().entrySet()) {
            INDArray src = have.get(e.getKey());
            if (src == null || reinit.contains(e.getKey()) && to.conf().getLayer() instanceof AtlasAdapterLayer) {
                continue;
            }
            if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                throw new IllegalStateException("Parameter " + e.getKey() + " of layer " + to.conf().getLayer()
                        .getLayerName() + " changed shape: " + Arrays.toString(src.shape()) + " -> "
                        + Arrays.toString(e.getValue().shape()));
            }
            e.getValue().assign(src);
        }
    }

    /** A new image task's head (absent from the old network) starts from the user's output weights of its classes. */
    private void initHeads(org.deeplearning4j.nn.api.Layer head, Map<String, INDArray> before) {
        for (Map.Entry<String, INDArray> e : head.paramTable().entrySet()) {
            String name = e.getKey();
            if (before.containsKey(name)) {
                continue;
            }
            int[] cls = tasks.get(Integer.parseInt(name.substring(1)));
            e.getValue().assign(name.startsWith("W") ? userW.getColumns(cls) : userB.getColumns(cls));
        }
    }

    private static Map<String, INDArray> headParams(Model net) {
        if (net instanceof MultiLayerNetwork) {
            MultiLayerNetwork m = (MultiLayerNetwork) net;
            for (int i = 0; i < m.getnLayers(); i++) {
                if (m.getLayer(i).conf().getLayer() instanceof AtlasHeadLayer) {
                    return m.getLayer(i).paramTable();
                }
            }
            return Map.of();
        }
        ComputationGraph g = (ComputationGraph) net;
        return g.getVertex(HEAD) == null ? Map.of() : g.getLayer(HEAD).paramTable();
    }

    private ComputationGraph rebuild(ComputationGraph old, Plan p) {
        ComputationGraphConfiguration c = old.getConfiguration().clone();
        boolean done = converted(old);
        List<String> order = topological(old);
        String out = outputKey(old);
        Map<String, GraphVertex> vs = c.getVertices();
        Map<String, List<String>> ins = c.getVertexInputs();
        List<String> copyFrom = new ArrayList<>();
        LayerVertex outVertex = (LayerVertex) vs.get(out);
        NeuralNetConfiguration template = outVertex.getLayerConf();
        boolean first = true;
        List<String> sites = done ? List.of() : sites(old);
        for (String name : order) {
            GraphVertex v = vs.get(name);
            if (!(v instanceof LayerVertex)) {
                continue;
            }
            LayerVertex lv = (LayerVertex) v;
            Layer l = lv.getLayerConf().getLayer();
            if (l instanceof AtlasAdapterLayer) {
                AtlasAdapterLayer s = (AtlasAdapterLayer) l;
                vs.put(name, new LayerVertex(with(lv.getLayerConf(), site(s.getSite(), s.getWidth(), first, p),
                        p.seed), null));
                first = false;
                copyFrom.add(name);
            } else if (l instanceof AtlasHeadLayer) {
                Layer[] h = head(((AtlasHeadLayer) l).getWidth(), ((AtlasHeadLayer) l).getNumClasses(), p);
                vs.put(name, new LayerVertex(with(lv.getLayerConf(), h[0], p.seed), lv.getPreProcessor()));
                vs.put(out, new LayerVertex(with(template, h[1], p.seed), null));
                copyFrom.add(name);
            } else if (!done && name.equals(out)) {
                FeedForwardLayer o = (FeedForwardLayer) l;
                Layer[] h = head((int) o.getNIn(), (int) o.getNOut(), p);
                vs.put(HEAD, new LayerVertex(with(lv.getLayerConf(), h[0], p.seed), lv.getPreProcessor()));
                ins.put(HEAD, new ArrayList<>(ins.get(out)));
                vs.put(out, new LayerVertex(with(lv.getLayerConf(), h[1], p.seed), null));
                ins.put(out, new ArrayList<>(List.of(HEAD)));
            } else if (!name.equals(out) || !done) {
                vs.put(name, new LayerVertex(with(lv.getLayerConf(), frozen(l), p.seed), lv.getPreProcessor()));
                copyFrom.add(name);
                if (sites.contains(name)) {
                    String s = SITE_PREFIX + name;
                    for (List<String> in : ins.values()) {
                        in.replaceAll(x -> x.equals(name) ? s : x);
                    }
                    vs.put(s, new LayerVertex(with(lv.getLayerConf(), site(name,
                            (int) ((FeedForwardLayer) inner(l)).getNOut(), first, p), p.seed), null));
                    ins.put(s, new ArrayList<>(List.of(name)));
                    first = false;
                }
            }
        }
        for (Map.Entry<String, GraphVertex> e : vs.entrySet()) {
            if (e.getValue() instanceof LayerVertex) {
                Layer l = ((LayerVertex) e.getValue()).getLayerConf().getLayer();
                l.setLayerName(e.getKey());
                if (l instanceof FrozenLayerWithBackprop) {
                    ((FrozenLayerWithBackprop) l).getUnderlying().setLayerName(e.getKey());
                }
            }
        }
        c.setTopologicalOrder(null);
        c.setTopologicalOrderStr(null);
        c.setIterationCount(0);
        Nd4j.getRandom().setSeed(p.seed);
        ComputationGraph net = new ComputationGraph(c);
        net.init();
        for (String name : copyFrom) {
            copy(old.getLayer(name), net.getLayer(name), p.reinit);
        }
        initHeads(net.getLayer(HEAD), headParams(old));
        return net;
    }
}
