package io.github.dl4jcontinual.metalearning;

import io.github.dl4jcontinual.plugin.PluginStates;
import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.eval.AccuracyMetric;
import io.github.dl4jcontinual.eval.MetricRow;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.ExperienceTraining;
import io.github.dl4jcontinual.plugin.StreamMetric;
import io.github.dl4jcontinual.replay.ClassBalancedReplayBuffer;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.replay.ReplayBuffer;
import io.github.dl4jcontinual.replay.strategy.OutputLossSwap;
import io.github.dl4jcontinual.scenario.Experience;
import org.apache.commons.lang3.SerializationUtils;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * The runtime of iTAML ({@link ItamlConfiguration#instantiate()}), one per run of the trainer. Not used directly:
 * put an {@link ItamlConfiguration} among the trainer's plugins.
 *
 * <p><b>Training</b> (session t of T, one per training experience): the data are the experience ∪ every exemplar
 * in memory ({@link Experience#union}, read through {@link ContinualContext#trainingIterator(Experience)}: the
 * trainer's minibatch size, shuffling and seed), and the plugin replaces the training step
 * ({@link ContinualPlugin#training}). For each minibatch, with φ₀ the parameters before it and the tasks present in
 * ascending order, the network's own updater takes r steps ({@link ContinualModel#fit(MultiDataSet)}, so the
 * network's listeners see every inner step) on that task's rows only, with the classification output's loss
 * replaced by {@link BlockBinaryCrossEntropy} on that task's class block ({@link OutputLossSwap}, the user's loss
 * is back after every minibatch); then φ ← η·target + (1−η)·φ₀ with η = exp(−β·t/T) ({@link MetaUpdate}) on the
 * entries of {@link ContinualModel#trainableMask()} (BatchNorm running statistics and frozen layers keep what the
 * inner steps left). {@link MetaUpdateRule#PAPER}: every task restarts from φ₀ and target is the mean of the
 * task-adapted parameters; {@link MetaUpdateRule#RELEASED}: no restart, target is the last parameters. The
 * updater's state persists across inner loops, minibatches and sessions. Session t trains for
 * {@link ItamlConfiguration#epochs(int, int)} epochs; at the start of each the network's learning rate is set to
 * {@link ItamlConfiguration#learningRate(int, int)}. After the session a {@link ClassBalancedReplayBuffer} keeps
 * {@code memorySize / #seen classes} exemplars per class, chosen by the configured selection policy.</p>
 *
 * <p><b>Evaluation</b> (the stream metric {@code "itaml"}, after every experience): on every test experience j
 * whose classes lie in the block of a task i learned so far, j's test samples are shuffled (seeded by the trainer's
 * seed, the session and j) and cut into consecutive continua of {@link ItamlConfiguration#getContinuum()}; each
 * continuum's task is predicted from the model's logits ({@link ContinualModel#logits}, so a softmax head works
 * too) with {@link TaskPrediction}; if it is i, its samples are classified inside i's block by a copy of the model
 * ({@link ContinualModel#copy(org.nd4j.linalg.learning.config.IUpdater, long)} with Adam) adapted for
 * {@code adaptEpochs} on task i's exemplars with i's block loss (no adaptation in the first session, as released),
 * otherwise all of them count as wrong. Rows: {@code itaml.with_task_prediction} (iTAML's reported accuracy),
 * {@code itaml.task_prediction} (the share of samples whose continuum got the right task) and
 * {@code itaml.adapted_task_aware} (the adapted copy given the true task); test experiences of unseen tasks are
 * undefined. The trainer's own rows {@code class_il} and {@code task_il} are the generic model's.</p>
 *
 * <p>Per experience it reports {@code itaml.eta}, {@code itaml.memory_size} and {@code itaml.inner_updates}.
 * Checkpoints carry the memory, its generator and the task blocks, so that a resumed run is bit-identical.
 * Requirements: the classification output is an output layer with a loss (any activation: the block loss reads the
 * pre-activation) and 2-d one-hot labels; experiences have disjoint classes. The plugin trains on the experience
 * itself, not on what earlier plugins' {@code adaptTrainingData} made of it: register it first.</p>
 */
public final class ItamlPlugin implements ContinualPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(ItamlPlugin.class);
    /** The stream metric's name. */
    public static final String METRIC = "itaml";
    /** Row: accuracy with task prediction (iTAML's reported metric). */
    public static final String WITH_TASK_PREDICTION = "with_task_prediction";
    /** Row: share of test samples whose continuum's task was predicted right. */
    public static final String TASK_PREDICTION = "task_prediction";
    /** Row: accuracy of the adapted model given the true task. */
    public static final String ADAPTED_TASK_AWARE = "adapted_task_aware";

    private final ItamlConfiguration conf;
    private final OutputLossSwap loss = new OutputLossSwap("iTAML");
    private final List<int[]> blocks = new ArrayList<>();
    private final List<BlockBinaryCrossEntropy> blockLosses = new ArrayList<>();
    private ReplayBuffer memory;
    private Random memoryRng;
    private int session = -1;
    private double eta = Double.NaN;
    private long updates;
    private INDArray mask;
    private INDArray start;
    private INDArray sum;
    private INDArray tmp;

    ItamlPlugin(ItamlConfiguration conf) {
        this.conf = conf;
    }

    @Override
    public void onStreamStart(ContinualContext ctx) {
        try {
            ctx.model().headLoss();
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new IllegalArgumentException("iTAML trains with a block loss in place of the classification "
                    + "output's: " + e.getMessage(), e);
        }
        memory = conf.getMemorySize() > 0
                ? new ClassBalancedReplayBuffer(conf.getMemorySize(), 0, conf.getSelection(), false)
                .classificationOutput(ctx.model().classificationOutput()) : null;
        memoryRng = ctx.rng("itaml.memory");
        blocks.clear();
        blockLosses.clear();
    }

    @Override
    public void beforeExperience(ContinualContext ctx, Experience experience) {
        int t = ctx.experienceIndex();
        if (blocks.size() != t) {
            throw new IllegalStateException("iTAML has the class blocks of " + blocks.size() + " tasks but is asked "
                    + "to learn experience " + t + " (was it resumed from a checkpoint of another run?)");
        }
        int[] block = experience.classArray();
        int head = ctx.headSize();
        for (int c : block) {
            if (c >= head) {
                throw new IllegalArgumentException("Class " + c + " of experience " + t + " has no output: the "
                        + "classification output has " + head + " units; iTAML needs one per class");
            }
            for (int i = 0; i < blocks.size(); i++) {
                if (Arrays.stream(blocks.get(i)).anyMatch(x -> x == c)) {
                    throw new IllegalArgumentException("Class " + c + " of experience " + t + " is already in the "
                            + "block of task " + i + " " + Arrays.toString(blocks.get(i)) + ": iTAML needs "
                            + "experiences with disjoint classes (class-incremental)");
                }
            }
        }
        session = t;
        eta = MetaUpdate.eta(conf.getBeta(), t, sessions(ctx, t));
        blocks.add(block);
        blockLosses.add(new BlockBinaryCrossEntropy(block));
        mask = null;
        updates = 0;
    }

    private int sessions(ContinualContext ctx, int t) {
        int stream = ctx.numExperiences();
        int configured = conf.getSessions();
        if (configured > 0 && stream > 0 && configured != stream) {
            throw new IllegalArgumentException("iTAML is configured for T = " + configured + " sessions but the "
                    + "training stream has " + stream + " experiences");
        }
        int n = configured > 0 ? configured : stream;
        if (n <= 0) {
            throw new IllegalStateException("iTAML's outer step η_t = exp(-β·t/T) needs the number of sessions T, "
                    + "which a trainer learning one experience at a time does not know: set "
                    + "ItamlConfiguration.Builder.sessions(T)");
        }
        if (t >= n) {
            throw new IllegalArgumentException("Experience " + t + " is beyond the T = " + n + " sessions of iTAML's "
                    + "outer step (configured with sessions(" + n + "))");
        }
        return n;
    }

    @Override
    public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                  MultiDataSetIterator data) {
        if (memory == null || memory.isEmpty()) {
            return data;
        }
        Experience stored = Experience.inMemory(memory.contents(ctx.numClasses()).toMultiDataSet(),
                ctx.model().classificationOutput(), experience.index());
        return ctx.trainingIterator(Experience.union(List.of(experience, stored)));
    }

    @Override
    public ExperienceTraining training(ContinualContext ctx, Experience experience) {
        int t = session;
        return new ExperienceTraining() {
            @Override
            public int epochs(int configured) {
                return conf.epochs(configured, t);
            }

            @Override
            public void onEpochStart(int epoch) {
                double lr = conf.learningRate(t, epoch);
                ctx.model().setLearningRate(lr);
                LOG.debug("iTAML session {} epoch {}: learning rate {}, eta {}", t, epoch, lr, eta);
            }

            @Override
            public long step(MultiDataSet batch) {
                long n = metaStep(ctx.model(), batch, blocks, eta);
                updates += n;
                return n;
            }
        };
    }

    /**
     * One meta-update on a minibatch: the inner steps per task with the block losses, then the outer
     * interpolation on the trainable entries. The classification output's loss is swapped for the block losses and
     * put back before returning, also on failure.
     *
     * @param model  the model
     * @param batch  examples with one-hot labels over the head's outputs; read only
     * @param blocks the class columns of every task so far, index = task id; each label must be in one block
     * @param eta    η in [0, 1]
     * @return the number of inner parameter updates made
     * @throws IllegalArgumentException if a label belongs to no block or the labels are not 2-d
     */
    long metaStep(ContinualModel model, MultiDataSet batch, List<int[]> blocks, double eta) {
        INDArray labels = batch.getLabels(model.classificationOutput());
        if (labels.rank() != 2) {
            throw new IllegalArgumentException("iTAML splits a minibatch by task: it needs 2-d one-hot class labels "
                    + "[n, classes] (got shape " + Arrays.toString(labels.shape()) + ")");
        }
        int[] taskOf = taskOfClass(blocks, (int) labels.size(1));
        int[] ids = DataSets.classIds(labels);
        TreeMap<Integer, List<Integer>> rowsByTask = new TreeMap<>();
        for (int i = 0; i < ids.length; i++) {
            int task = ids[i] < taskOf.length ? taskOf[ids[i]] : -1;
            if (task < 0) {
                throw new IllegalArgumentException("class " + ids[i] + " of example " + i + " is in no task block "
                        + blocksToString(blocks));
            }
            rowsByTask.computeIfAbsent(task, k -> new ArrayList<>()).add(i);
        }
        if (rowsByTask.isEmpty()) {
            return 0;
        }
        INDArray p = flat(model.params());
        long n = p.length();
        if (mask == null || mask.length() != n || mask.dataType() != p.dataType()) {
            mask = model.trainableMask().reshape(1, n).castTo(p.dataType());
        }
        if (start == null || start.length() != n || start.dataType() != p.dataType()) {
            // reused across minibatches: a meta step allocates no parameter-sized arrays but the outer target
            start = Nd4j.create(p.dataType(), 1, n);
            sum = Nd4j.create(p.dataType(), 1, n);
            tmp = Nd4j.create(p.dataType(), 1, n);
        }
        start.assign(p);
        sum.assign(0);
        long made = 0;
        boolean first = true;
        loss.install(model, user -> blockLoss(blocks, rowsByTask.firstKey()));
        try {
            for (Map.Entry<Integer, List<Integer>> e : rowsByTask.entrySet()) {
                if (conf.getRule() == MetaUpdateRule.PAPER && !first) {
                    // restart the trainable entries from phi0: p += mask * (start - p)
                    p = flat(model.params());
                    tmp.assign(start).subi(p).muli(mask);
                    p.addi(tmp);
                    writeBack(model, p);
                }
                first = false;
                model.setHeadLoss(blockLoss(blocks, e.getKey()));
                MultiDataSet sub = e.getValue().size() == ids.length ? batch
                        : Batches.rows(batch, e.getValue().stream().mapToInt(Integer::intValue).toArray());
                for (int s = 0; s < conf.getInnerSteps(); s++) {
                    model.fit(sub);
                    made++;
                }
                if (conf.getRule() == MetaUpdateRule.PAPER) {
                    sum.addi(flat(model.params()));
                }
            }
        } finally {
            loss.restore();
        }
        p = flat(model.params());
        // target: the mean of the task-adapted parameters (paper) or the last ones (as released)
        INDArray target = conf.getRule() == MetaUpdateRule.PAPER ? sum.divi(rowsByTask.size()) : p;
        // tmp = eta * target + (1 - eta) * start; then p += mask * (tmp - p)
        tmp.assign(start).muli(1 - eta);
        tmp.addi(target.mul(eta));
        tmp.subi(p).muli(mask);
        p.addi(tmp);
        writeBack(model, p);
        return made;
    }

    private BlockBinaryCrossEntropy blockLoss(List<int[]> blocks, int task) {
        if (blocks == this.blocks && task < blockLosses.size()) {
            return blockLosses.get(task);
        }
        return new BlockBinaryCrossEntropy(blocks.get(task));
    }

    /** The flattened parameters as a row vector (a view of {@code params} where it is one). */
    private static INDArray flat(INDArray params) {
        return params.rank() == 2 && params.size(0) == 1 ? params : params.reshape(1, params.length());
    }

    /** Writes {@code p} into the model unless it is the model's live parameter view already. */
    private static void writeBack(ContinualModel model, INDArray p) {
        INDArray live = model.params();
        if (live != p && !(live.rank() == 2 && p.rank() == 2 && live.data() == p.data()
                && live.offset() == p.offset())) {
            model.setParams(p);
        }
    }

    private static String blocksToString(List<int[]> blocks) {
        StringBuilder sb = new StringBuilder("[");
        for (int[] b : blocks) {
            sb.append(Arrays.toString(b));
        }
        return sb.append("]").toString();
    }

    private static int[] taskOfClass(List<int[]> blocks, int width) {
        int[] t = new int[width];
        Arrays.fill(t, -1);
        for (int i = 0; i < blocks.size(); i++) {
            for (int c : blocks.get(i)) {
                if (c < 0 || c >= width) {
                    throw new IllegalArgumentException("class " + c + " of task " + i + " is outside the label width "
                            + width);
                }
                t[c] = i;
            }
        }
        return t;
    }

    @Override
    public void afterExperience(ContinualContext ctx, Experience experience) {
        loss.restore();
        if (memory != null) {
            memory.consolidate(experience, ctx.model(), memoryRng);
        }
        LOG.info("iTAML session {}: eta {}, {} inner updates, memory {} exemplars", session, eta, updates,
                memory == null ? 0 : memory.size());
    }

    @Override
    public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
        Map<String, Double> m = new TreeMap<>();
        m.put("itaml.eta", eta);
        m.put("itaml.memory_size", (double) (memory == null ? 0 : memory.size()));
        m.put("itaml.inner_updates", (double) updates);
        return m;
    }

    @Override
    public List<StreamMetric> streamMetrics(ContinualContext ctx) {
        return List.of(new TaskPredictionMetric());
    }

    @Override
    public void onStreamEnd(ContinualContext ctx) {
        loss.restore();
    }

    /** The memory (null without one), its generator and the task blocks, as detached copies. */
    @Override
    public Serializable saveState() {
        ArrayList<int[]> b = new ArrayList<>();
        blocks.forEach(x -> b.add(x.clone()));
        return new Serializable[]{memory == null ? null : memory.saveState(), SerializationUtils.clone(memoryRng), b};
    }

    @Override
    @SuppressWarnings("unchecked")
    public void restoreState(ContinualContext ctx, Serializable state) {
        Serializable[] s = PluginStates.parts(state, 3, "an iTAML plugin");
        PluginStates.part(s, 2, ArrayList.class, false, "an iTAML plugin");
        Random memRng = PluginStates.part(s, 1, Random.class, false, "an iTAML plugin");
        if ((s[0] == null) != (memory == null)) {
            throw new IllegalArgumentException("The checkpoint's iTAML state " + (s[0] == null ? "has no" : "has an")
                    + " exemplar memory but the configuration has memorySize " + conf.getMemorySize());
        }
        if (memory != null) {
            memory.restoreState(s[0]);
        }
        memoryRng = SerializationUtils.clone(memRng);
        blocks.clear();
        blockLosses.clear();
        for (int[] b : (ArrayList<int[]>) s[2]) {
            blocks.add(b.clone());
            blockLosses.add(new BlockBinaryCrossEntropy(b));
        }
        session = blocks.size() - 1;
    }

    /** @return the exemplar memory, null without one (tests; read it, do not modify it) */
    ReplayBuffer memory() {
        return memory;
    }

    /** @return the class blocks of the tasks so far (tests) */
    List<int[]> blocks() {
        return blocks;
    }

    /** Logits of the classification output on a test experience, 2-d, with the class of every sample. */
    private static final class Scores {
        final double[] z;
        final int[] ids;
        final int width;

        Scores(double[] z, int[] ids, int width) {
            this.z = z;
            this.ids = ids;
            this.width = width;
        }

        static Scores of(ContinualModel model, Experience e, int batchSize) {
            int out = e.classificationOutput();
            int n = e.numExamples();
            double[] z = null;
            int[] ids = new int[n];
            int width = -1;
            int at = 0;
            MultiDataSetIterator it = e.iterator(batchSize, false, 0);
            while (it.hasNext()) {
                MultiDataSet ds = it.next();
                INDArray[] sl = AccuracyMetric.scoresAndLabels(model.logits(ds.getFeatures(),
                        ds.getFeaturesMaskArrays()), ds, out);
                int rows = (int) sl[0].size(0);
                if (z == null) {
                    width = (int) sl[0].size(1);
                    z = new double[n * width];
                }
                double[] o = sl[0].castTo(DataType.DOUBLE).dup('c').data().asDouble();
                System.arraycopy(o, 0, z, at * width, o.length);
                int[] c = DataSets.classIds(sl[1]);
                System.arraycopy(c, 0, ids, at, rows);
                at += rows;
            }
            return new Scores(z, ids, width);
        }
    }

    /** iTAML's task prediction from continua, with test-time adaptation. */
    private final class TaskPredictionMetric implements StreamMetric {
        @Override
        public String name() {
            return METRIC;
        }

        @Override
        public MetricRow evaluate(ContinualContext ctx, List<Experience> test) {
            int n = test.size();
            long[] with = undefined(n);
            long[] predicted = undefined(n);
            long[] adapted = undefined(n);
            List<int[]> seen = new ArrayList<>(blocks);
            int t = ctx.experienceIndex();
            long seed = ctx.configuration().getSeed();
            int batch = ctx.configuration().getEvalBatchSize();
            ContinualModel model = ctx.model();
            for (int j = 0; j < n; j++) {
                Experience e = test.get(j);
                int task = taskOf(e.classArray(), seen);
                if (task < 0) {
                    continue;
                }
                int[] block = seen.get(task);
                Scores z = Scores.of(model, e, batch);
                Scores za = z;
                if (t > 0 && conf.getAdaptEpochs() > 0 && memory != null) {
                    ContinualModel copy = adaptedCopy(model, block, task, seed);
                    if (copy != null) {
                        za = Scores.of(copy, e, batch);
                    }
                }
                int k = z.width;
                long adaptedCorrect = 0;
                for (int i = 0; i < z.ids.length; i++) {
                    adaptedCorrect += TaskPrediction.argMaxIn(za.z, k, i, block) == z.ids[i] ? 1 : 0;
                }
                int[] order = new int[z.ids.length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                Random rng = new Random(seed * 1_000_003L + t * 101L + j);
                for (int i = order.length - 1; i > 0; i--) {
                    int r = rng.nextInt(i + 1);
                    int x = order[i];
                    order[i] = order[r];
                    order[r] = x;
                }
                long hit = 0;
                long correct = 0;
                for (int from = 0; from < order.length; from += conf.getContinuum()) {
                    int to = Math.min(order.length, from + conf.getContinuum());
                    double[][] chunk = new double[to - from][];
                    for (int i = from; i < to; i++) {
                        chunk[i - from] = Arrays.copyOfRange(z.z, order[i] * k, (order[i] + 1) * k);
                    }
                    if (TaskPrediction.predictTask(Nd4j.createFromArray(chunk), seen) == task) {
                        hit += to - from;
                        for (int i = from; i < to; i++) {
                            correct += TaskPrediction.argMaxIn(za.z, k, order[i], block) == z.ids[order[i]] ? 1 : 0;
                        }
                    }
                }
                with[j] = correct;
                predicted[j] = hit;
                adapted[j] = adaptedCorrect;
            }
            return new MetricRow().put(WITH_TASK_PREDICTION, with).put(TASK_PREDICTION, predicted)
                    .put(ADAPTED_TASK_AWARE, adapted);
        }

        /** A copy adapted on task {@code task}'s exemplars with its block loss, or null if it has none. */
        private ContinualModel adaptedCopy(ContinualModel model, int[] block, int task, long seed) {
            ReplayBatch all = memory.contents(model.headSize());
            if (all == null) {
                return null;
            }
            int[] ids = DataSets.classIds(all.labels());
            int[] rows = java.util.stream.IntStream.range(0, ids.length)
                    .filter(i -> Arrays.stream(block).anyMatch(c -> c == ids[i])).toArray();
            if (rows.length == 0) {
                return null;
            }
            MultiDataSet mine = Batches.rows(all.toMultiDataSet(), rows);
            ContinualModel copy = model.copy(new Adam(conf.getAdaptLearningRate()), seed + task);
            copy.setHeadLoss(new BlockBinaryCrossEntropy(block));
            MultiDataSetIterator it = Experience.inMemory(mine, model.classificationOutput(), task)
                    .iterator(conf.getAdaptBatchSize(), true, seed * 7 + task);
            for (int ep = 0; ep < conf.getAdaptEpochs(); ep++) {
                if (ep > 0) {
                    it.reset();
                }
                while (it.hasNext()) {
                    copy.fit(it.next());
                }
            }
            return copy;
        }
    }

    private static long[] undefined(int n) {
        long[] r = new long[n];
        Arrays.fill(r, -1);
        return r;
    }

    /** @return the task whose block holds every class of a test experience, or -1 */
    private static int taskOf(int[] classes, List<int[]> blocks) {
        for (int i = 0; i < blocks.size(); i++) {
            int[] b = blocks.get(i);
            if (Arrays.stream(classes).allMatch(c -> Arrays.stream(b).anyMatch(x -> x == c))) {
                return i;
            }
        }
        return -1;
    }
}
