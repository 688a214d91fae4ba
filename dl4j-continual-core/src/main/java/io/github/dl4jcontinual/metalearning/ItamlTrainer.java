package io.github.dl4jcontinual.metalearning;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.InMemoryDataSetIterator;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.regularization.ParameterMask;
import io.github.dl4jcontinual.replay.ClassBalancedReplayBuffer;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.ExperienceStream;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/**
 * iTAML (Rajasegaran et al., CVPR 2020; methods.md §5) on an existing DL4J network: a task-agnostic meta-update
 * during training, an exemplar memory, and task prediction from a continuum of test samples at inference.
 *
 * <pre>{@code
 * ItamlResult r = ItamlTrainer.wrap(net, ItamlConfiguration.splitMnist().build()).fit(scenario);
 * System.out.println(r.report());
 * }</pre>
 *
 * <p><b>Training</b> (session t of T, one per training experience): the data are the experience's examples plus
 * every exemplar in memory, shuffled, in minibatches of {@link ItamlConfiguration#getBatchSize()}. For each
 * minibatch, with φ₀ the parameters before it and the tasks present in ascending order, the network's own updater
 * takes r steps ({@code fit(DataSet)}) on that task's rows only, with the loss replaced by
 * {@link BlockBinaryCrossEntropy} on that task's class block; then φ ← η·target + (1−η)·φ₀ with
 * η = exp(−β·t/T) ({@link MetaUpdate}). {@link MetaUpdateRule#PAPER}: every task restarts from φ₀ and target is the
 * mean of the task-adapted parameters. {@link MetaUpdateRule#RELEASED}: no restart, target is the last parameters.
 * Only trainable entries are interpolated ({@link ParameterMask}: BatchNorm running statistics and frozen layers keep
 * what the inner steps left). The updater's state (momentum) persists across inner loops, minibatches and sessions,
 * as the released single optimiser does. The learning rate is set on the network every epoch
 * ({@link ItamlConfiguration#learningRate(int, int)}). After the session the memory keeps
 * {@code memorySize / #seen classes} exemplars per class, chosen by the configured selection policy.</p>
 *
 * <p><b>Why not a {@link io.github.dl4jcontinual.plugin.ContinualPlugin}:</b> the plugin SPI composes data
 * wrappers and listeners around one {@code fit(iterator, epochs)} per experience and evaluates with a plain
 * arg-max. iTAML replaces both: a minibatch becomes several restarted inner loops with different losses followed by
 * a parameter interpolation, which no listener or iterator can express. The training half could hide behind
 * {@code trainsOn == false} and train in {@code afterExperience} (as GDumb does), but the inference half cannot:
 * it needs the exemplar memory and continua of test samples, and plugins never see the test stream. A dedicated
 * trainer keeps both halves, and their shared memory, in one place. Since training leaves {@code fit(iterator)}, this
 * trainer fires the listeners set on the network itself: {@code iterationDone} for every inner step (through
 * {@code fit(DataSet)}), and {@code onEpochStart}/{@code onEpochEnd} around each epoch, incrementing the network's
 * epoch count.</p>
 *
 * <p><b>Evaluation</b> after each session, on every test experience j:
 * <ul>
 *   <li>plain class-IL (arg-max over the seen classes, no continuum) and task-IL (arg-max inside j's block) of
 *   the generic model, as the core trainer computes them ({@link ItamlResult#generic()});</li>
 *   <li>for seen tasks, with task prediction: j's test samples are shuffled (seeded) and cut into consecutive
 *   continua of {@link ItamlConfiguration#getContinuum()}; each continuum's task is predicted from the generic
 *   model's outputs ({@link TaskPrediction}); if right, its samples are classified inside j's block by a copy of
 *   the model adapted for {@code adaptEpochs} of Adam on task j's exemplars with j's block loss (no adaptation in
 *   the first session, as released), otherwise all of them count as wrong.</li>
 * </ul>
 * Not thread-safe; one {@code fit} at a time. The network is modified in place (its parameters, epoch and
 * iteration counts); its output layer's loss function is swapped during training and restored afterwards.</p>
 *
 * @param <T> {@link MultiLayerNetwork} or {@link ComputationGraph}
 */
public final class ItamlTrainer<T extends Model> {
    private static final Logger LOG = LoggerFactory.getLogger(ItamlTrainer.class);

    private final ItamlNet net;
    private final ItamlConfiguration conf;
    private PrintStream progress = System.out;
    private ClassBalancedReplayBuffer memory;
    private INDArray trainableMask;
    private INDArray start;
    private INDArray sum;
    private INDArray tmp;

    private ItamlTrainer(ItamlNet net, ItamlConfiguration conf) {
        this.net = net;
        this.conf = Objects.requireNonNull(conf, "conf");
    }

    /**
     * @param net  an initialised network whose last layer is an output layer with IDENTITY (or SIGMOID) activation
     *             and one output per class
     * @param conf the configuration
     * @return a trainer
     */
    public static ItamlTrainer<MultiLayerNetwork> wrap(MultiLayerNetwork net, ItamlConfiguration conf) {
        return new ItamlTrainer<>(ItamlNet.of(Objects.requireNonNull(net, "net")), conf);
    }

    /**
     * @param graph an initialised graph with one input and one output layer (IDENTITY or SIGMOID activation)
     * @param conf  the configuration
     * @return a trainer
     */
    public static ItamlTrainer<ComputationGraph> wrap(ComputationGraph graph, ItamlConfiguration conf) {
        return new ItamlTrainer<>(ItamlNet.of(Objects.requireNonNull(graph, "graph")), conf);
    }

    /** @return the network */
    @SuppressWarnings("unchecked")
    public T getModel() {
        return (T) net.model();
    }

    /** @return the configuration */
    public ItamlConfiguration getConfiguration() {
        return conf;
    }

    /**
     * @param out where one progress line per epoch goes, or null for none (default System.out)
     * @return this trainer
     */
    public ItamlTrainer<T> setProgressStream(PrintStream out) {
        this.progress = out;
        return this;
    }

    /** @return the exemplar memory after the last {@code fit} (null before; read it, do not modify it) */
    public ClassBalancedReplayBuffer memory() {
        return memory;
    }

    /**
     * One meta-update on a minibatch (the unit of training; public for tests and custom loops). The output layer's
     * loss is swapped for each task's block loss and restored before returning.
     *
     * @param batch   examples with one-hot labels over the network's outputs; read only
     * @param blocks  the class columns of every task so far, index = task id; each label must be in one block
     * @param session t, 0-based
     * @param sessions T
     * @return the number of inner parameter updates made
     * @throws IllegalArgumentException if a label belongs to no block
     */
    public int metaStep(DataSet batch, List<int[]> blocks, int session, int sessions) {
        BaseOutputLayer out = net.checkedOutput((int) batch.getLabels().size(1));
        ILossFunction original = out.getLossFn();
        try {
            return metaStep(batch, blocks, MetaUpdate.eta(conf.getBeta(), session, sessions), out);
        } finally {
            out.setLossFn(original);
        }
    }

    private int metaStep(DataSet batch, List<int[]> blocks, double eta, BaseOutputLayer out) {
        INDArray params = net.params();
        long n = params.length();
        if (trainableMask == null || trainableMask.length() != n) {
            trainableMask = ParameterMask.trainable(net.model()).reshape(1, n).castTo(params.dataType());
        }
        if (start == null || start.length() != n || start.dataType() != params.dataType()) {
            // reused across minibatches: a meta step allocates no parameter-sized arrays
            start = Nd4j.create(params.dataType(), 1, n);
            sum = Nd4j.create(params.dataType(), 1, n);
            tmp = Nd4j.create(params.dataType(), 1, n);
        }
        INDArray p = params.rank() == 2 && params.size(0) == 1 ? params : params.reshape(1, n);
        int[] taskOf = taskOfClass(blocks, (int) batch.getLabels().size(1));
        int[] ids = DataSets.classIds(batch.getLabels());
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
        start.assign(p);
        sum.assign(0);
        int updates = 0;
        boolean first = true;
        for (Map.Entry<Integer, List<Integer>> e : rowsByTask.entrySet()) {
            if (conf.getRule() == MetaUpdateRule.PAPER && !first) {
                // restart the trainable entries from phi0: p += mask * (start - p)
                tmp.assign(start).subi(p).muli(trainableMask);
                p.addi(tmp);
            }
            first = false;
            out.setLossFn(new BlockBinaryCrossEntropy(blocks.get(e.getKey())));
            DataSet sub = batch.get(e.getValue().stream().mapToInt(Integer::intValue).toArray());
            for (int s = 0; s < conf.getInnerSteps(); s++) {
                net.fit(sub);
                updates++;
            }
            if (conf.getRule() == MetaUpdateRule.PAPER) {
                sum.addi(p);
            }
        }
        // target: the mean of the task-adapted parameters (paper) or the last ones (as released)
        INDArray target = conf.getRule() == MetaUpdateRule.PAPER ? sum.divi(rowsByTask.size()) : p;
        // tmp = eta * target + (1 - eta) * start; then p += mask * (tmp - p)
        tmp.assign(start).muli(1 - eta);
        tmp.addi(target.mul(eta));
        tmp.subi(p).muli(trainableMask);
        p.addi(tmp);
        return updates;
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

    /**
     * Trains on every experience of the scenario's training stream (one session each), evaluating on its test
     * stream after each.
     *
     * @param scenario a class-incremental scenario whose label width equals the network's outputs
     * @return the result
     * @throws IllegalArgumentException if the network does not fit the scenario
     */
    public ItamlResult fit(Scenario scenario) {
        Objects.requireNonNull(scenario, "scenario");
        int numClasses = scenario.numClasses();
        BaseOutputLayer out = net.checkedOutput(numClasses);
        ILossFunction original = out.getLossFn();
        long t0 = System.currentTimeMillis();
        Nd4j.getRandom().setSeed(conf.getSeed());
        trainableMask = null;
        ExperienceStream train = scenario.trainStream();
        ExperienceStream test = scenario.testStream();
        int sessions = train.size();
        memory = conf.getMemorySize() > 0
                ? new ClassBalancedReplayBuffer(conf.getMemorySize(), 0, conf.getSelection(), false) : null;
        List<int[]> blocks = new ArrayList<>();
        for (Experience e : train) {
            blocks.add(e.classArray());
        }
        long[] totals = new long[test.size()];
        for (int j = 0; j < test.size(); j++) {
            totals[j] = test.get(j).numExamples();
        }
        List<long[]> classRows = new ArrayList<>();
        List<long[]> taskRows = new ArrayList<>();
        List<long[]> itamlRows = new ArrayList<>();
        List<long[]> predRows = new ArrayList<>();
        List<long[]> adaptedRows = new ArrayList<>();
        List<ExperienceResult> results = new ArrayList<>();
        try {
            for (Experience exp : train) {
                int t = exp.index();
                long tStart = System.currentTimeMillis();
                double eta = MetaUpdate.eta(conf.getBeta(), t, sessions);
                DataSet data = exp.dataSet();
                int stored = memory == null ? 0 : memory.size();
                if (stored > 0) {
                    ReplayBatch m = memory.contents(numClasses);
                    data = DataSet.merge(List.of(data, m.toDataSet()));
                }
                int epochs = t == 0 ? conf.getFirstSessionEpochs() : conf.getEpochs();
                DataSetIterator it = new InMemoryDataSetIterator(data, conf.getBatchSize(), true,
                        conf.getSeed() * 31 + t);
                long updates = 0;
                long examples = 0;
                int it0 = net.iterationCount();
                for (int ep = 0; ep < epochs; ep++) {
                    double lr = conf.learningRate(t, ep);
                    net.setLearningRate(lr);
                    net.fireEpochStart();
                    it.reset();
                    while (it.hasNext()) {
                        DataSet b = it.next();
                        updates += metaStep(b, blocks.subList(0, t + 1), eta, out);
                        examples += b.numExamples();
                    }
                    out.setLossFn(original);
                    net.fireEpochEnd();
                    if (progress != null) {
                        progress.printf(Locale.ROOT, "iTAML session %d/%d epoch %d/%d lr %.4g eta %.3f score %.4f "
                                + "(%d examples, %d in memory)%n", t + 1, sessions, ep + 1, epochs, lr, eta,
                                net.model().score(), data.numExamples(), stored);
                    }
                }
                if (memory != null) {
                    memory.consolidate(exp, net.model(), new Random(conf.getSeed() * 17 + t));
                }
                long tTrain = System.currentTimeMillis();
                long[][] row = evaluate(test, blocks, t, numClasses);
                long tEval = System.currentTimeMillis();
                classRows.add(row[0]);
                taskRows.add(row[1]);
                itamlRows.add(row[2]);
                predRows.add(row[3]);
                adaptedRows.add(row[4]);
                AccuracyMatrix itaml = new AccuracyMatrix(itamlRows.toArray(new long[0][]), totals, null);
                AccuracyMatrix pred = new AccuracyMatrix(predRows.toArray(new long[0][]), totals, null);
                AccuracyMatrix adapted = new AccuracyMatrix(adaptedRows.toArray(new long[0][]), totals, null);
                AccuracyMatrix cls = new AccuracyMatrix(classRows.toArray(new long[0][]), totals, null);
                Map<String, Double> metrics = new TreeMap<>();
                metrics.put("itaml.accuracy", itaml.averageAccuracy(t));
                metrics.put("itaml.accuracy_weighted", itaml.seenAccuracy(t));
                metrics.put("itaml.task_prediction_accuracy", pred.seenAccuracy(t));
                metrics.put("itaml.adapted_task_aware_accuracy", adapted.averageAccuracy(t));
                metrics.put("itaml.class_il_accuracy", cls.averageAccuracy(t));
                metrics.put("itaml.eta", eta);
                metrics.put("itaml.memory_size", (double) (memory == null ? 0 : memory.size()));
                metrics.put("itaml.inner_updates", (double) updates);
                results.add(new ExperienceResult(t, exp.classArray(), true, examples, epochs,
                        net.iterationCount() - it0, net.model().score(), tTrain - tStart, tEval - tTrain, 0L, 0L,
                        metrics));
                LOG.info("iTAML session {}: accuracy with task prediction {}, task prediction {}, class-IL {}", t,
                        metrics.get("itaml.accuracy"), metrics.get("itaml.task_prediction_accuracy"),
                        metrics.get("itaml.class_il_accuracy"));
            }
        } finally {
            out.setLossFn(original);
        }
        ContinualConfiguration record = new ContinualConfiguration.Builder().epochsPerExperience(conf.getEpochs())
                .batchSize(conf.getBatchSize()).seed(conf.getSeed()).headPolicy(HeadPolicy.FIXED)
                .evalBatchSize(conf.getEvalBatchSize()).build();
        ContinualResult generic = new ContinualResult(scenario.name(), scenario.type().name(), scenario.classOrder(),
                "itaml-" + conf.getRule().name().toLowerCase(Locale.ROOT), record,
                new AccuracyMatrix(classRows.toArray(new long[0][]), totals, null),
                new AccuracyMatrix(taskRows.toArray(new long[0][]), totals, null), results,
                System.currentTimeMillis() - t0);
        return new ItamlResult(conf, generic, new AccuracyMatrix(itamlRows.toArray(new long[0][]), totals, null),
                new AccuracyMatrix(predRows.toArray(new long[0][]), totals, null),
                new AccuracyMatrix(adaptedRows.toArray(new long[0][]), totals, null));
    }

    /** @return {classIl, taskIl, itaml, taskPredicted, adaptedTaskAware} correct counts per test experience */
    private long[][] evaluate(ExperienceStream test, List<int[]> blocks, int session, int numClasses) {
        int n = test.size();
        long[][] r = new long[5][n];
        int[] seen = Arrays.stream(blocks.subList(0, session + 1).toArray(new int[0][])).flatMapToInt(Arrays::stream)
                .toArray();
        List<int[]> seenBlocks = blocks.subList(0, session + 1);
        for (int j = 0; j < n; j++) {
            Experience e = test.get(j);
            DataSet ds = e.dataSet();
            int[] ids = DataSets.classIds(ds.getLabels());
            double[] z = outputs(net, ds.getFeatures(), numClasses);
            int[] block = e.classArray();
            long cls = 0;
            long task = 0;
            for (int i = 0; i < ids.length; i++) {
                cls += TaskPrediction.argMaxIn(z, numClasses, i, seen) == ids[i] ? 1 : 0;
                task += TaskPrediction.argMaxIn(z, numClasses, i, block) == ids[i] ? 1 : 0;
            }
            boolean taskDefined = Arrays.stream(block).allMatch(c -> c < numClasses);
            r[0][j] = Arrays.stream(block).allMatch(c -> contains(seen, c)) ? cls : -1;
            r[1][j] = taskDefined ? task : -1;
            if (j > session) {
                r[2][j] = -1;
                r[3][j] = -1;
                r[4][j] = -1;
                continue;
            }
            double[] za = z;
            if (session > 0 && conf.getAdaptEpochs() > 0 && memory != null) {
                za = outputs(adapted(block, numClasses, j), ds.getFeatures(), numClasses);
            }
            long adaptedCorrect = 0;
            for (int i = 0; i < ids.length; i++) {
                adaptedCorrect += TaskPrediction.argMaxIn(za, numClasses, i, block) == ids[i] ? 1 : 0;
            }
            int[] order = new int[ids.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Random rng = new Random(conf.getSeed() * 1_000_003L + session * 101L + j);
            for (int i = order.length - 1; i > 0; i--) {
                int k = rng.nextInt(i + 1);
                int tmp = order[i];
                order[i] = order[k];
                order[k] = tmp;
            }
            long predicted = 0;
            long correct = 0;
            for (int from = 0; from < order.length; from += conf.getContinuum()) {
                int to = Math.min(order.length, from + conf.getContinuum());
                double[][] chunk = new double[to - from][];
                for (int i = from; i < to; i++) {
                    chunk[i - from] = Arrays.copyOfRange(z, order[i] * numClasses, (order[i] + 1) * numClasses);
                }
                int p = TaskPrediction.predictTask(Nd4j.createFromArray(chunk), seenBlocks);
                if (p == j) {
                    predicted += to - from;
                    for (int i = from; i < to; i++) {
                        correct += TaskPrediction.argMaxIn(za, numClasses, order[i], block) == ids[order[i]] ? 1 : 0;
                    }
                }
            }
            r[2][j] = correct;
            r[3][j] = predicted;
            r[4][j] = adaptedCorrect;
        }
        return r;
    }

    private static boolean contains(int[] a, int v) {
        for (int x : a) {
            if (x == v) {
                return true;
            }
        }
        return false;
    }

    /** A copy adapted on task j's exemplars with j's block loss. */
    private ItamlNet adapted(int[] block, int numClasses, int task) {
        ItamlNet copy = net.copyWithUpdater(new Adam(conf.getAdaptLearningRate()), conf.getSeed() + task);
        ReplayBatch all = memory.contents(numClasses);
        if (all == null) {
            return copy;
        }
        DataSet mem = all.toDataSet();
        int[] ids = DataSets.classIds(mem.getLabels());
        int[] rows = java.util.stream.IntStream.range(0, ids.length).filter(i -> contains(block, ids[i])).toArray();
        if (rows.length == 0) {
            return copy;
        }
        DataSet mine = mem.get(rows);
        BaseOutputLayer o = copy.checkedOutput(numClasses);
        o.setLossFn(new BlockBinaryCrossEntropy(block));
        DataSetIterator it = new InMemoryDataSetIterator(mine, conf.getAdaptBatchSize(), true,
                conf.getSeed() * 7 + task);
        for (int ep = 0; ep < conf.getAdaptEpochs(); ep++) {
            it.reset();
            while (it.hasNext()) {
                copy.fit(it.next());
            }
        }
        return copy;
    }

    /** Row-major [n, numClasses] outputs in evaluation batches. */
    private double[] outputs(ItamlNet model, INDArray features, int numClasses) {
        int n = (int) features.size(0);
        double[] z = new double[n * numClasses];
        int bs = conf.getEvalBatchSize();
        for (int from = 0; from < n; from += bs) {
            int to = Math.min(n, from + bs);
            INDArray x = features.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to));
            double[] o = model.output(x).castTo(DataType.DOUBLE).dup('c').data().asDouble();
            System.arraycopy(o, 0, z, from * numClasses, o.length);
        }
        return z;
    }
}
