package io.github.dl4jcontinual.zoo.daformer;

import io.github.dl4jcontinual.data.MappedMultiDataSetIterator;
import io.github.dl4jcontinual.distillation.DistillationLoss;
import io.github.dl4jcontinual.distillation.DistillationMode;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginStates;
import io.github.dl4jcontinual.replay.ClassBalancedReplayBuffer;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.replay.ReplayBuffer;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.transformer.DualSelfAttention;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The runtime of DAFormer ({@link DaFormerConfiguration#instantiate()}), one per run of the trainer; class-incremental
 * (experiences with disjoint classes).
 *
 * <p><b>Model.</b> Before every experience t ({@link #adaptModel}) it rebuilds the network with DL4J's
 * {@code TransferLearning} and {@code ctx.model().replace}: the user's last attention block (a DL4J
 * {@code SelfAttentionLayer}/{@code LearnedSelfAttentionLayer}/self-attention {@code AttentionVertex} with
 * {@code projectInput}, or the zoo's {@code TransformerBlock}) becomes the dual-attention block
 * ({@link DualSelfAttention} or {@link io.github.dl4jcontinual.zoo.transformer.DualAttentionBlock}) with the
 * block's parameters copied and K task-key sets (M: one per task so far, the new one zero; S: one shared); the layers
 * after it up to the classifier give way to per-task heads ({@link io.github.dl4jcontinual.zoo.transformer.TaskHeads},
 * LayerNorm + linear per task, logits placed in the scenario's class columns) under a softmax cross-entropy
 * {@code LossLayer} of the classifier's name. For t ≥ 1 the graph gets the recipe's outputs: logit distillation of
 * the old classes (core's {@link DistillationLoss}, weight λ = n_old/n_all, classification weight 1 − λ), the
 * divergence head (the new task's embedding → its classes + "old", weight {@code divergenceWeight}) and the KNN
 * invariant distillation of the old key sets' embeddings
 * ({@link io.github.dl4jcontinual.zoo.transformer.KnnInvariantLoss}); their labels come from the frozen previous
 * model (the teacher) in {@link #adaptTrainingData}.</p>
 *
 * <p><b>Training</b> is the network's own {@code fit} with its own updater (a fresh state per stage, as a new
 * optimiser) on the experience's examples and the exemplar memory as one shuffled pool
 * ({@code ctx.trainingIterator} over their union, in place of the iterator it is handed once there is a memory), for
 * the trainer's epochs;
 * {@link FrozenParameters} keeps the old key sets (M) and the old heads bit-identical. <b>After</b> it
 * ({@link #afterExperience}): herding into core's {@link ClassBalancedReplayBuffer} with {@link HerdingSelection} on
 * the dual block's output ({@code memorySize} in all, an equal share per seen class); the classification-only graph;
 * then (t ≥ 1) balanced fine-tuning: {@code fineTuneEpochs} passes of {@code ctx.model().fit} over the memory at
 * {@code fineTuneLearningRate}, everything before the dual block and the old key sets frozen, all heads trained.</p>
 *
 * <p>Requirements: a {@code ComputationGraph} with one output (the classifier, nOut = the scenario's classes) and a
 * FIXED head; classes of later experiences new. Checkpoints carry the tasks' classes and the memory; the network
 * (converted after the first experience) is the trainer's, so a resumed run is bit-identical.</p>
 */
public final class DaFormerPlugin implements ContinualPlugin {
    private static final String NAME = "a DAFormer plugin";
    private final DaFormerConfiguration conf;
    private final List<int[]> tasks = new ArrayList<>();
    private ReplayBuffer memory;
    private ComputationGraph teacher;
    private long fineTuneUpdates;

    DaFormerPlugin(DaFormerConfiguration conf) {
        this.conf = conf;
    }

    private ReplayBuffer newMemory() {
        return new ClassBalancedReplayBuffer(conf.getMemorySize(), 0, new HerdingSelection(DaFormerGraph.DUAL), false);
    }

    @Override
    public void onStreamStart(ContinualContext ctx) {
        tasks.clear();
        memory = conf.getMemorySize() > 0 ? newMemory() : null;
        if (!"ComputationGraph".equals(ctx.model().kind())) {
            throw new IllegalArgumentException("DAFormer rebuilds the attention blocks of a ComputationGraph; the "
                    + "model is a " + ctx.model().kind() + " (a MultiLayerNetwork converts with "
                    + "toComputationGraph())");
        }
        if (ctx.configuration().getHeadPolicy() != HeadPolicy.FIXED) {
            throw new IllegalArgumentException("DAFormer places its per-task heads in a fixed-width output over the "
                    + "scenario's classes: use HeadPolicy.FIXED (got " + ctx.configuration().getHeadPolicy() + ") with "
                    + "a classifier of one output per class");
        }
        ComputationGraph g = ctx.model().unwrap(ComputationGraph.class);
        if (!DaFormerGraph.isConverted(g)) {
            if (g.getConfiguration().getNetworkOutputs().size() != 1) {
                throw new IllegalArgumentException("DAFormer replaces the classifier of a single-output graph and adds "
                        + "its own outputs; this graph has the outputs " + g.getConfiguration().getNetworkOutputs());
            }
            DaFormerGraph.Site site = DaFormerGraph.site(g, conf);
            DaFormerGraph.updater(g, site, ctx.model().classificationOutputName(), conf);
        }
    }

    @Override
    public void adaptModel(ContinualContext ctx, Experience experience) {
        int t = ctx.experienceIndex();
        if (tasks.size() != t) {
            throw new IllegalStateException("DAFormer has the classes of " + tasks.size() + " tasks but is asked to "
                    + "learn experience " + t + " (was it resumed from a checkpoint of another run?)");
        }
        int[] cls = experience.classArray();
        for (int j = 0; j < tasks.size(); j++) {
            for (int c : cls) {
                if (Arrays.stream(tasks.get(j)).anyMatch(x -> x == c)) {
                    throw new IllegalArgumentException("Class " + c + " of experience " + t + " is already a class of "
                            + "task " + j + " " + Arrays.toString(tasks.get(j)) + ": DAFormer needs experiences with "
                            + "new classes (class-incremental)");
                }
            }
        }
        ComputationGraph g = ctx.model().unwrap(ComputationGraph.class);
        String classifier = ctx.model().classificationOutputName();
        teacher = t > 0 ? ctx.model().copy().unwrap(ComputationGraph.class) : null;
        DaFormerGraph.Site site = DaFormerGraph.site(g, conf);
        IUpdater updater = DaFormerGraph.updater(g, site, classifier, conf);
        int tokens = site.flat() || DaFormerGraph.isConverted(g) ? 0 : tokens(ctx, experience, site);
        tasks.add(cls.clone());
        ComputationGraph next = DaFormerGraph.build(g, classifier, stage(ctx, true), tokens, updater);
        initialiseNew(next, g, ctx);
        ctx.model().replace(next);
    }

    private DaFormerGraph.Stage stage(ContinualContext ctx, boolean training) {
        return new DaFormerGraph.Stage(new ArrayList<>(tasks), ctx.numClasses(), conf, training);
    }

    /** The tokens T of the sequence a DL4J attention layer reads: configured, or measured on one example. */
    private int tokens(ContinualContext ctx, Experience experience, DaFormerGraph.Site site) {
        if (conf.getNumTokens() > 0) {
            return conf.getNumTokens();
        }
        MultiDataSet one = experience.rows(new int[]{0});
        INDArray seq = ctx.model().activations(site.tokens, one.getFeatures(), one.getFeaturesMaskArrays());
        if (site.preProcessor != null) {
            seq = site.preProcessor.preProcess(seq, 1, org.deeplearning4j.nn.workspace.LayerWorkspaceMgr.noWorkspaces());
        }
        if (seq.rank() != 3) {
            throw new IllegalArgumentException("DAFormer expects the attention block '" + site.attention + "' to read a "
                    + "token sequence [mb, features, T]; '" + site.tokens + "' gives " + Arrays.toString(seq.shape()));
        }
        return (int) seq.size(2);
    }

    /**
     * New task heads (and a new divergence head) get weights drawn from a generator derived from the trainer's seed
     * and the experience, so that heads of different tasks do not start alike.
     */
    private void initialiseNew(ComputationGraph next, ComputationGraph previous, ContinualContext ctx) {
        long seed = ctx.rng("daformer.heads").nextLong();
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> before = DaFormerGraph.isConverted(previous)
                ? previous.getVertex(DaFormerGraph.HEADS).paramTable(false) : Map.of();
        for (String layer : new String[]{DaFormerGraph.HEADS, DaFormerGraph.DIV_HEAD}) {
            if (!next.getConfiguration().getVertices().containsKey(layer)) {
                continue;
            }
            for (Map.Entry<String, INDArray> e : next.getVertex(layer).paramTable(false).entrySet()) {
                if (layer.equals(DaFormerGraph.HEADS) && before.containsKey(e.getKey())) {
                    continue;
                }
                INDArray p = e.getValue();
                switch (e.getKey().charAt(0)) {
                    case 'W':
                        p.assign(Nd4j.randn(p.dataType(), p.shape()).muli(0.02));
                        break;
                    case 'g':
                        p.assign(1.0);
                        break;
                    default:
                        p.assign(0.0);
                }
            }
        }
    }

    @Override
    public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                  MultiDataSetIterator data) {
        MultiDataSetIterator pool = data;
        if (memory != null && !memory.isEmpty()) {
            ReplayBatch m = memory.contents(ctx.numClasses());
            pool = ctx.trainingIterator(Experience.union(List.of(experience,
                    Experience.inMemory(m.toMultiDataSet(), experience.classificationOutput(), experience.index()))));
        }
        List<String> outs = ctx.model().outputNames();
        if (outs.size() == 1) {
            return pool;
        }
        int nOld = tasks.subList(0, tasks.size() - 1).stream().mapToInt(a -> a.length).sum();
        int[] groups = new int[ctx.numClasses()];
        Arrays.fill(groups, -1);
        for (int j = 0; j < tasks.size() - 1; j++) {
            for (int c : tasks.get(j)) {
                groups[c] = 0;
            }
        }
        DistillationLoss kd = new DistillationLoss(groups, 1.0, DistillationMode.OLD_CLASSES_SOFTMAX, 1.0);
        int[] current = tasks.get(tasks.size() - 1);
        int classifier = ctx.model().classificationOutput();
        ComputationGraph teach = teacher;
        return new MappedMultiDataSetIterator(pool, batch -> {
            INDArray[] x = batch.getFeatures();
            INDArray y = batch.getLabels(classifier);
            Map<String, INDArray> act = teach.feedForward(x, false);
            INDArray[] labels = new INDArray[outs.size()];
            for (int i = 0; i < labels.length; i++) {
                String o = outs.get(i);
                if (i == classifier) {
                    labels[i] = y;
                } else if (o.equals(DaFormerGraph.KD)) {
                    labels[i] = kd.softTargets(act.get(DaFormerGraph.HEADS));
                } else if (o.equals(DaFormerGraph.DIV)) {
                    labels[i] = divergenceTargets(y, current);
                } else if (o.equals(DaFormerGraph.KNN)) {
                    labels[i] = act.get(DaFormerGraph.DUAL).dup();
                } else {
                    throw new IllegalStateException("DAFormer has no labels for the output " + o);
                }
            }
            return new org.nd4j.linalg.dataset.MultiDataSet(x, labels, batch.getFeaturesMaskArrays(), null);
        });
    }

    /**
     * Divergence-head targets: an old class → 0, the current task's j-th class → j + 1.
     *
     * @param y       one-hot labels over the scenario's classes [n, C]
     * @param current the current task's classes
     * @return one-hot targets [n, current.length + 1]
     */
    static INDArray divergenceTargets(INDArray y, int[] current) {
        Map<Integer, Integer> pos = new HashMap<>();
        for (int j = 0; j < current.length; j++) {
            pos.put(current[j], j + 1);
        }
        INDArray d = Nd4j.zeros(y.dataType(), y.size(0), current.length + 1);
        INDArray cls = y.argMax(1);
        for (int i = 0; i < y.size(0); i++) {
            d.putScalar(i, pos.getOrDefault(cls.getInt(i), 0), 1.0);
        }
        return d;
    }

    @Override
    public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
        Set<String> frozen = frozenWhileTraining(tasks.size() - 1);
        return frozen.isEmpty() ? List.of() : List.of(new FrozenParameters(frozen));
    }

    /**
     * Parameter keys frozen while training task {@code t}: the old key sets (M) and the old heads.
     *
     * @param t the task index
     * @return keys ({@code layer_param})
     */
    Set<String> frozenWhileTraining(int t) {
        Set<String> s = new LinkedHashSet<>();
        for (int tau = 0; tau < t; tau++) {
            if (conf.getEdition() == DaFormerConfiguration.Edition.M) {
                s.add(DaFormerGraph.DUAL + "_" + DualSelfAttention.keyParam(tau));
                s.add(DaFormerGraph.DUAL + "_" + DualSelfAttention.keyBiasParam(tau));
            }
            for (String p : new String[]{"g", "b", "W", "c"}) {
                s.add(DaFormerGraph.HEADS + "_" + p + tau);
            }
        }
        return s;
    }

    @Override
    public void afterExperience(ContinualContext ctx, Experience experience) {
        int t = tasks.size() - 1;
        teacher = null;
        if (memory != null) {
            memory.consolidate(experience, ctx.model(), ctx.rng("daformer.herding"));
        }
        String classifier = ctx.model().classificationOutputName();
        ComputationGraph g = ctx.model().unwrap(ComputationGraph.class);
        ctx.model().replace(DaFormerGraph.classificationOnly(g, classifier));
        fineTuneUpdates = 0;
        if (t > 0 && conf.getFineTuneEpochs() > 0 && memory != null && !memory.isEmpty()) {
            fineTune(ctx, t);
        }
    }

    /**
     * Balanced fine-tuning on the memory: the network's own fit and updater (a fresh state, as a new optimiser) at
     * the fine-tuning rate, set on the dual block and the heads for the phase and put back after it.
     */
    private void fineTune(ContinualContext ctx, int t) {
        ComputationGraph g = ctx.model().unwrap(ComputationGraph.class);
        String classifier = ctx.model().classificationOutputName();
        IUpdater train = DaFormerGraph.updater(g, DaFormerGraph.site(g, conf), classifier, conf);
        IUpdater ft = train.clone();
        ft.setLrAndSchedule(conf.getFineTuneLearningRate(), null);
        ctx.model().replace(DaFormerGraph.withUpdater(g, ft));
        Set<String> frozen = new LinkedHashSet<>();
        for (String k : ctx.model().unwrap(ComputationGraph.class).paramTable().keySet()) {
            if (!k.startsWith(DaFormerGraph.DUAL + "_") && !k.startsWith(DaFormerGraph.HEADS + "_")) {
                frozen.add(k);
            }
        }
        if (conf.getEdition() == DaFormerConfiguration.Edition.M) {
            for (int tau = 0; tau < t; tau++) {
                frozen.add(DaFormerGraph.DUAL + "_" + DualSelfAttention.keyParam(tau));
                frozen.add(DaFormerGraph.DUAL + "_" + DualSelfAttention.keyBiasParam(tau));
            }
        }
        List<TrainingListener> user = ctx.model().listeners();
        List<TrainingListener> active = new ArrayList<>(user);
        active.add(new FrozenParameters(frozen, false));
        ctx.model().setListeners(active);
        try {
            MultiDataSetIterator it = ctx.trainingIterator(memory.contents(ctx.numClasses()).toMultiDataSet());
            for (int e = 0; e < conf.getFineTuneEpochs(); e++) {
                if (e > 0 || !it.hasNext()) {
                    it.reset();
                }
                while (it.hasNext()) {
                    ctx.model().fit(it.next());
                    fineTuneUpdates++;
                }
            }
        } finally {
            ctx.model().setListeners(user);
        }
        ctx.model().replace(DaFormerGraph.withUpdater(ctx.model().unwrap(ComputationGraph.class), train));
    }

    @Override
    public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
        Map<String, Double> m = new TreeMap<>();
        m.put("daformer.key_sets", (double) (conf.getEdition() == DaFormerConfiguration.Edition.M ? tasks.size() : 1));
        m.put("daformer.finetune_updates", (double) fineTuneUpdates);
        m.put("daformer.memory", (double) (memory == null ? 0 : memory.size()));
        return m;
    }

    /** The tasks' classes and the memory, as detached copies. */
    @Override
    public Serializable saveState() {
        ArrayList<int[]> t = new ArrayList<>();
        tasks.forEach(x -> t.add(x.clone()));
        return new Serializable[]{t, memory == null ? null : memory.saveState()};
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restoreState(ContinualContext ctx, Serializable state) {
        Serializable[] s = PluginStates.parts(state, 2, NAME);
        ArrayList<int[]> t = PluginStates.part(s, 0, ArrayList.class, false, NAME);
        if ((s[1] == null) != (memory == null)) {
            throw new IllegalArgumentException("The checkpoint's DAFormer state " + (s[1] == null ? "has no" : "has an")
                    + " exemplar memory but the configuration has memorySize " + conf.getMemorySize());
        }
        tasks.clear();
        for (Object o : t) {
            if (!(o instanceof int[])) {
                throw new IllegalArgumentException("Expected the classes of every task (int[]) in the state of " + NAME
                        + ", got: " + o);
            }
            tasks.add(((int[]) o).clone());
        }
        if (memory != null) {
            memory.restoreState(s[1]);
        }
    }

    /** @return the classes of every task so far (tests) */
    List<int[]> tasks() {
        return tasks;
    }

    /** @return the exemplar memory, null without one (tests; read it, do not modify it) */
    ReplayBuffer memory() {
        return memory;
    }
}
