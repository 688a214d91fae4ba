package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.checkpoint.CheckpointException;
import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.data.InMemoryDataSetIterator;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.EvaluationHead;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.ExperienceStream;
import io.github.dl4jcontinual.scenario.Scenario;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.preprocessor.CompositeDataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Turns an existing, initialised DL4J network into a continual learner.
 *
 * <pre>{@code
 * ContinualTrainer<MultiLayerNetwork> trainer = ContinualTrainer.wrap(net, conf);
 * ContinualResult result = trainer.fit(scenario);
 * System.out.println(result.report());
 * }</pre>
 *
 * <p>For every training experience the trainer grows the head (if {@link HeadPolicy#EXPANDING}), runs the
 * plugins' hooks, trains through the network's own {@code fit(iterator, epochs)} — so listeners the user set on
 * the network keep firing — and then evaluates on every experience of the test stream, filling a class-IL and a
 * task-IL {@link AccuracyMatrix} — and one more pair per extra classifier the plugins offer
 * ({@link EvaluationHead}, e.g. iCaRL's nearest-mean-of-exemplars). Before the first experience it evaluates the untouched model (the baseline of
 * forward transfer). The network itself is not modified apart from its parameters (and the output layer's
 * width under an expanding head). Not thread-safe; one {@code fit} at a time.</p>
 *
 * <p>Reproducibility: the configured seed seeds ND4J's global generator ({@code Nd4j.getRandom()}, used by
 * dropout and by weight initialisation of grown heads) at the start of {@code fit}, the shuffling of every
 * experience and each plugin's generator. The same seed, network and data give the same accuracy matrix.</p>
 *
 * <p>Backends: {@link #setBackend} hands training and test-stream evaluation to a {@link TrainingBackend} (e.g.
 * {@code dl4j-continual-spark}'s, which runs them on a Spark cluster); everything else stays here.</p>
 *
 * <p>Checkpoints ({@link #setCheckpointDirectory}, {@link #saveCheckpoint}, {@link #resume}): after any experience
 * the network with its updater, every plugin's state, ND4J's generator and the accuracy rows so far go into one
 * atomically written file; a trainer resumed from it gives the same matrices, bit for bit, as the uninterrupted
 * run. See {@code docs/checkpoint.md}.</p>
 *
 * @param <T> {@link MultiLayerNetwork} or {@link ComputationGraph}
 */
public final class ContinualTrainer<T extends Model> {
    private static final Logger LOG = LoggerFactory.getLogger(ContinualTrainer.class);

    private final NetworkAdapter<T> adapter;
    private final ContinualConfiguration conf;
    private final List<ContinualListener> listeners = new ArrayList<>();
    private PrintStream progressOut = System.out;
    private Path checkpointDir;
    private TrainerCheckpoint resumed;
    private TrainingBackend backend;
    private Run run;

    private ContinualTrainer(NetworkAdapter<T> adapter, ContinualConfiguration conf) {
        this.adapter = adapter;
        this.conf = Objects.requireNonNull(conf, "conf");
    }

    /**
     * @param net  an initialised network whose last layer is the classifier
     * @param conf the configuration
     * @return a trainer for it
     */
    public static ContinualTrainer<MultiLayerNetwork> wrap(MultiLayerNetwork net, ContinualConfiguration conf) {
        return new ContinualTrainer<>(NetworkAdapter.of(Objects.requireNonNull(net, "net")), conf);
    }

    /**
     * @param graph an initialised graph with one input and one output layer
     * @param conf  the configuration
     * @return a trainer for it
     */
    public static ContinualTrainer<ComputationGraph> wrap(ComputationGraph graph, ContinualConfiguration conf) {
        return new ContinualTrainer<>(NetworkAdapter.of(Objects.requireNonNull(graph, "graph")), conf);
    }

    /** @return the current network (a new object after an expanding head has grown) */
    public T getModel() {
        return adapter.model();
    }

    /** @return the configuration */
    public ContinualConfiguration getConfiguration() {
        return conf;
    }

    /**
     * @param listener receives experience-level events
     * @return this trainer
     */
    public ContinualTrainer<T> addListener(ContinualListener listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
        return this;
    }

    /**
     * @param out where progress lines go when {@link ContinualConfiguration#isProgress()} (default System.out)
     * @return this trainer
     */
    public ContinualTrainer<T> setProgressStream(PrintStream out) {
        this.progressOut = Objects.requireNonNull(out, "out");
        return this;
    }

    /**
     * Runs training and test-stream evaluation through a backend (e.g. a Spark cluster) instead of this JVM; the
     * continual logic (plugins, head growth, accuracy matrices, checkpoints) stays here.
     *
     * @param backend the backend, or null for this JVM (the default)
     * @return this trainer
     */
    public ContinualTrainer<T> setBackend(TrainingBackend backend) {
        this.backend = backend;
        return this;
    }

    /** @return the backend, or null when training runs in this JVM */
    public TrainingBackend getBackend() {
        return backend;
    }

    /**
     * Writes a checkpoint after every experience into {@code dir} as {@code checkpoint-NNNN.zip} (NNNN = experiences
     * done; see {@link CheckpointFile}), atomically, keeping the earlier ones.
     *
     * @param dir the checkpoint directory (created if needed), or null to stop checkpointing
     * @return this trainer
     */
    public ContinualTrainer<T> setCheckpointDirectory(Path dir) {
        this.checkpointDir = dir;
        return this;
    }

    /**
     * Writes a checkpoint of the current position on demand: between experiences (e.g. from
     * {@link ContinualListener#onExperienceEnd}) or after {@code fit} returned. Atomic like the automatic ones.
     *
     * @param file the checkpoint file
     * @return {@code file}
     * @throws IllegalStateException if no experience has been trained yet or training is in progress
     * @throws UnsupportedOperationException if a plugin does not support checkpoints
     */
    public Path saveCheckpoint(Path file) {
        if (run == null || run.progress.next() == 0 || run.training) {
            throw new IllegalStateException("A checkpoint can be written only between experiences, after at least "
                    + "one (position: " + (run == null ? "fit has not started" : run.training
                    ? "training experience " + run.progress.next() : "no experience done") + ")");
        }
        TrainerCheckpoint.write(file, adapter.model(), conf, run.progress, run.plugins);
        return file;
    }

    /**
     * A trainer that continues from a checkpoint: the network (with its updater state) comes from the file;
     * {@link #fit(Scenario)} then goes on with the experience after the last one the checkpoint saw, restoring every
     * plugin's state, ND4J's generator and the accuracy rows measured so far, so that the result equals that of an
     * uninterrupted run with the same seed.
     *
     * @param file checkpoint written by this library
     * @param conf the configuration to continue with; must equal the checkpoint's (the progress flag excepted)
     * @param type {@code MultiLayerNetwork.class} or {@code ComputationGraph.class}
     * @param <M>  the network type
     * @return a trainer positioned after the checkpoint's last experience
     * @throws CheckpointException if the file is missing, truncated, corrupt, of another network type or was
     *                             written with another configuration (the message names the differing settings)
     */
    public static <M extends Model> ContinualTrainer<M> resume(Path file, ContinualConfiguration conf,
                                                                Class<M> type) {
        Objects.requireNonNull(conf, "conf");
        TrainerCheckpoint c = TrainerCheckpoint.read(file, conf);
        M model = c.file.model(type);
        @SuppressWarnings("unchecked")
        NetworkAdapter<M> adapter = (NetworkAdapter<M>) (model instanceof ComputationGraph
                ? NetworkAdapter.of((ComputationGraph) model) : NetworkAdapter.of((MultiLayerNetwork) model));
        ContinualTrainer<M> t = new ContinualTrainer<>(adapter, conf);
        t.resumed = c;
        return t;
    }

    /**
     * Trains on every experience of the scenario's training stream, evaluating on its test stream after each. A
     * trainer made by {@link #resume} starts after the checkpoint's last experience.
     *
     * @param scenario the scenario
     * @return the result (both accuracy matrices, per-experience results)
     * @throws IllegalArgumentException if the network does not fit the scenario (head size, input size)
     */
    public ContinualResult fit(Scenario scenario) {
        return fit(scenario, scenario.trainStream().size());
    }

    /**
     * Trains up to experience {@code stopAfter} (exclusive) and returns the partial result, e.g. to stop after a
     * checkpoint and {@link #resume} later. Plugins' and listeners' {@code onStreamEnd} run only when the stream is
     * complete.
     *
     * @param scenario  the scenario
     * @param stopAfter the number of experiences done when it returns, in [1, number of experiences]; a resumed
     *                  trainer must not have passed it already
     * @return the result so far (matrices with {@code stopAfter} rows)
     * @throws IllegalArgumentException if the network does not fit the scenario or {@code stopAfter} is out of range
     * @throws CheckpointException      if a resumed trainer is given another scenario than its checkpoint's
     */
    public ContinualResult fit(Scenario scenario, int stopAfter) {
        Objects.requireNonNull(scenario, "scenario");
        ExperienceStream train = scenario.trainStream();
        int from = resumed == null ? 0 : resumed.progress.next();
        if (stopAfter < Math.max(1, from) || stopAfter > train.size()) {
            throw new IllegalArgumentException("stopAfter should be in [" + Math.max(1, from) + ", " + train.size()
                    + "] (the experiences done when fit returns" + (from > 0 ? ", resuming after " + from : "")
                    + "; got: " + stopAfter + ")");
        }
        checkCompatible(scenario, from);
        if (resumed != null) {
            resumed.progress.checkSameScenario(scenario, resumed.file.path());
        }
        long t0 = System.currentTimeMillis();
        if (resumed == null) {
            Nd4j.getRandom().setSeed(conf.getSeed());
        }
        ExperienceStream test = scenario.testStream();
        int numClasses = scenario.numClasses();
        List<ContinualPlugin> plugins = conf.getPlugins().stream().map(PluginConfiguration::instantiate)
                .collect(Collectors.toList());
        Context ctx = new Context(train.size());
        listeners.forEach(l -> l.onStreamStart(scenario));
        plugins.forEach(p -> p.onStreamStart(ctx));

        StreamProgress progress;
        if (resumed == null) {
            long[][] base = evaluate(test, numClasses, range(adapter.outputSize()));
            progress = new StreamProgress(scenario, accuracies(base[0], test), accuracies(base[1], test));
        } else {
            progress = resumed.progress;
            for (int i = 0; i < plugins.size(); i++) {
                plugins.get(i).restoreState(ctx, resumed.pluginStates.get(i));
            }
            Nd4j.getRandom().setStates(resumed.rng[0], resumed.rng[1]);
            resumed = null;
            LOG.info("Resuming {} after experience {}", scenario.name(), progress.next() - 1);
        }
        run = new Run(plugins, progress);
        List<long[]> classRows = progress.classRows;
        List<long[]> taskRows = progress.taskRows;
        java.util.Map<String, List<long[]>> headClassRows = progress.headClassRows;
        java.util.Map<String, List<long[]>> headTaskRows = progress.headTaskRows;

        // an index loop: a resumed trainer whose checkpoint ends the stream has nothing left (an empty slice)
        for (int next = progress.next(); next < stopAfter; next++) {
            Experience exp = train.get(next);
            ctx.experience = exp;
            run.training = true;
            if (conf.getHeadPolicy() == HeadPolicy.EXPANDING) {
                adapter.expandOutput(exp.seenClassArray().length);
            }
            resetHeapPeaks();
            long tStart = System.currentTimeMillis();
            plugins.forEach(p -> p.beforeExperience(ctx, exp));
            boolean trains = plugins.stream().allMatch(p -> p.trainsOn(ctx, exp));
            ExperienceMonitor monitor = null;
            if (trains) {
                DataSetIterator data = exp.iterator(conf.getBatchSize(), conf.isShuffle(), shuffleSeed(exp.index()));
                data.setPreProcessor(withHead(data.getPreProcessor()));
                for (ContinualPlugin p : plugins) {
                    data = Objects.requireNonNull(p.adaptTrainingData(ctx, exp, data),
                            "plugin returned no training data");
                }
                long perEpoch = data instanceof InMemoryDataSetIterator
                        ? ((InMemoryDataSetIterator) data).numExamples() : exp.numExamples();
                monitor = new ExperienceMonitor(exp.index(), train.size(), conf.getEpochsPerExperience(), perEpoch,
                        conf.isProgress() ? progressOut : null);
                Collection<TrainingListener> userListeners = adapter.listeners();
                List<TrainingListener> active = new ArrayList<>(userListeners);
                for (ContinualPlugin p : plugins) {
                    active.addAll(p.listeners(ctx, exp));
                }
                active.add(monitor);
                if (backend != null) {
                    backend.fit(adapter.model(), data, conf.getEpochsPerExperience(), active);
                } else {
                    adapter.setListeners(active);
                    try {
                        adapter.fit(data, conf.getEpochsPerExperience());
                    } finally {
                        adapter.setListeners(userListeners);
                    }
                }
                monitor.finish();
                if (!Double.isFinite(monitor.lastScore()) && monitor.iterations() > 0) {
                    throw new IllegalStateException("Training diverged on experience " + exp.index()
                            + ": the model's score is " + monitor.lastScore() + " after " + monitor.iterations()
                            + " iterations (is the learning rate too high?)");
                }
            } else {
                LOG.info("Experience {}: no training (a plugin skips it)", exp.index());
            }
            plugins.forEach(p -> p.afterExperience(ctx, exp));
            Map<String, Double> metrics = new TreeMap<>();
            for (int pi = 0; pi < plugins.size(); pi++) {
                for (Map.Entry<String, Double> m : plugins.get(pi).experienceMetrics(ctx, exp).entrySet()) {
                    // two plugins of one kind: the later one's figures get its position as a suffix
                    String key = metrics.containsKey(m.getKey()) ? m.getKey() + "#" + pi : m.getKey();
                    metrics.put(key, m.getValue());
                }
            }
            long tTrain = System.currentTimeMillis();
            int[] allowed = conf.getHeadPolicy() == HeadPolicy.FIXED && !conf.isMaskUnseenClasses()
                    ? range(adapter.outputSize()) : exp.seenClassArray();
            long[][] row = evaluate(test, numClasses, allowed);
            classRows.add(row[0]);
            taskRows.add(row[1]);
            int done = classRows.size();
            for (ContinualPlugin p : plugins) {
                for (EvaluationHead h : p.evaluationHeads(ctx)) {
                    if (headClassRows.containsKey(h.name()) && headClassRows.get(h.name()).size() == done) {
                        throw new IllegalStateException("Two evaluation heads are named '" + h.name() + "'");
                    }
                    int width = (int) h.scores(test.get(0).iterator(1, false, 0).next().getFeatures()).size(1);
                    long[][] hr = StreamEvaluator.evaluate(h::scores, width, test, numClasses, exp.seenClassArray(),
                            conf.getEvalBatchSize());
                    List<long[]> cr = headClassRows.computeIfAbsent(h.name(), k -> new ArrayList<>());
                    List<long[]> tr = headTaskRows.computeIfAbsent(h.name(), k -> new ArrayList<>());
                    // a head that appears later than the first experience gets undefined rows before it
                    while (cr.size() < done - 1) {
                        cr.add(undefined(test.size()));
                        tr.add(undefined(test.size()));
                    }
                    cr.add(hr[0]);
                    tr.add(hr[1]);
                }
            }
            long tEval = System.currentTimeMillis();
            AccuracyMatrix classMatrix = progress.classMatrix();
            AccuracyMatrix taskMatrix = progress.taskMatrix();
            ExperienceResult er = new ExperienceResult(exp.index(), exp.classArray(), trains,
                    monitor == null ? 0 : monitor.examples(), monitor == null ? 0 : monitor.epochsDone(),
                    monitor == null ? 0 : monitor.iterations(), monitor == null ? Double.NaN : monitor.lastScore(),
                    tTrain - tStart, tEval - tTrain, heapPeak(), Pointer.totalBytes(), Pointer.physicalBytes(),
                    metrics);
            progress.add(er);
            run.training = false;
            if (checkpointDir != null) {
                saveCheckpoint(checkpointDir.resolve(CheckpointFile.fileName(progress.next())));
            }
            for (ContinualListener l : listeners) {
                l.onExperienceEnd(er, classMatrix, taskMatrix);
            }
        }
        boolean complete = progress.next() == train.size();
        if (complete) {
            plugins.forEach(p -> p.onStreamEnd(ctx));
        }
        long[] totals = progress.totals;
        java.util.Map<String, AccuracyMatrix[]> heads = new java.util.LinkedHashMap<>();
        for (String name : headClassRows.keySet()) {
            List<long[]> cr = new ArrayList<>(headClassRows.get(name));
            List<long[]> tr = new ArrayList<>(headTaskRows.get(name));
            while (cr.size() < classRows.size()) {
                cr.add(undefined(test.size()));
                tr.add(undefined(test.size()));
            }
            heads.put(name, new AccuracyMatrix[]{new AccuracyMatrix(cr.toArray(new long[0][]), totals, null),
                    new AccuracyMatrix(tr.toArray(new long[0][]), totals, null)});
        }
        String strategy = conf.getPlugins().isEmpty() ? "naive"
                : conf.getPlugins().stream().map(PluginConfiguration::name).collect(Collectors.joining("+"));
        ContinualResult result = new ContinualResult(scenario.name(), scenario.type().name(), scenario.classOrder(),
                strategy, conf, progress.classMatrix(), progress.taskMatrix(), progress.results(),
                System.currentTimeMillis() - t0)
                .withHeads(heads);
        if (complete) {
            listeners.forEach(l -> l.onStreamEnd(result));
        }
        return result;
    }

    private long[][] evaluate(ExperienceStream test, int numClasses, int[] allowed) {
        return backend == null ? StreamEvaluator.evaluate(adapter, test, numClasses, allowed, conf.getEvalBatchSize())
                : backend.evaluate(adapter.model(), adapter.outputSize(), test, numClasses, allowed,
                conf.getEvalBatchSize());
    }

    private void checkCompatible(Scenario scenario, int from) {
        int nOut = adapter.outputSize();
        int numClasses = scenario.numClasses();
        if (conf.getHeadPolicy() == HeadPolicy.FIXED && nOut != numClasses) {
            throw new IllegalArgumentException("Label width " + numClasses + " of scenario " + scenario.name()
                    + " does not match the model's output size " + nOut + " (" + adapter.outputLayerName()
                    + "): a FIXED head needs nOut = " + numClasses + "; use HeadPolicy.EXPANDING to grow it");
        }
        if (conf.getHeadPolicy() == HeadPolicy.EXPANDING) {
            int first = scenario.trainStream().get(from).seenClassArray().length;
            if (nOut > first) {
                throw new IllegalArgumentException("The model's output size " + nOut + " is larger than the "
                        + first + " classes seen by experience " + from + ": an EXPANDING head is at most that wide "
                        + "when it starts it");
            }
        }
        long nIn = adapter.inputSize();
        long features = scenario.trainStream().get(0).numFeatures();
        if (nIn > 0 && nIn != features) {
            throw new IllegalArgumentException("The scenario's examples have " + features + " features but the "
                    + "model's first layer expects nIn = " + nIn);
        }
    }

    private DataSetPreProcessor withHead(DataSetPreProcessor transform) {
        if (conf.getHeadPolicy() != HeadPolicy.EXPANDING) {
            return transform;
        }
        DataSetPreProcessor slice = new HeadLabelSlice(adapter.outputSize());
        return transform == null ? slice : new CompositeDataSetPreProcessor(transform, slice);
    }

    private long shuffleSeed(int experience) {
        return new Random(conf.getSeed() * 0x9E3779B97F4A7C15L + experience).nextLong();
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static long[] undefined(int n) {
        long[] r = new long[n];
        java.util.Arrays.fill(r, -1);
        return r;
    }

    private static double[] accuracies(long[] correct, ExperienceStream test) {
        double[] a = new double[correct.length];
        for (int j = 0; j < a.length; j++) {
            a[j] = correct[j] < 0 ? Double.NaN : (double) correct[j] / test.get(j).numExamples();
        }
        return a;
    }

    private static void resetHeapPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static long heapPeak() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** Slices one-hot labels to the current head width (expanding head). */
    static final class HeadLabelSlice implements DataSetPreProcessor {
        private static final long serialVersionUID = 1L;
        private final int width;

        HeadLabelSlice(int width) {
            this.width = width;
        }

        @Override
        public void preProcess(org.nd4j.linalg.dataset.api.DataSet ds) {
            if (ds.getLabels().size(1) != width) {
                ds.setLabels(ds.getLabels().get(NDArrayIndex.all(), NDArrayIndex.interval(0, width)).dup());
            }
        }
    }

    /** The plugins and progress of the current (or last) fit, for on-demand checkpoints. */
    private static final class Run {
        private final List<ContinualPlugin> plugins;
        private final StreamProgress progress;
        private boolean training;

        Run(List<ContinualPlugin> plugins, StreamProgress progress) {
            this.plugins = plugins;
            this.progress = progress;
        }
    }

    /** The trainer's context for plugins. */
    private final class Context implements ContinualContext {
        private final int numExperiences;
        private Experience experience;

        Context(int numExperiences) {
            this.numExperiences = numExperiences;
        }

        @Override
        public Model model() {
            return adapter.model();
        }

        @Override
        public ContinualConfiguration configuration() {
            return conf;
        }

        @Override
        public int experienceIndex() {
            return experience == null ? -1 : experience.index();
        }

        @Override
        public int numExperiences() {
            return numExperiences;
        }

        @Override
        public List<Integer> seenClasses() {
            return experience == null ? List.of() : experience.seenClasses();
        }

        @Override
        public int headSize() {
            return adapter.outputSize();
        }

        @Override
        public DataSetIterator trainingIterator(DataSet data) {
            DataSetIterator it = new InMemoryDataSetIterator(data, conf.getBatchSize(), conf.isShuffle(),
                    shuffleSeed(experienceIndex()) ^ 0x5DEECE66DL);
            it.setPreProcessor(withHead(null));
            return it;
        }

        @Override
        public Random rng(String component) {
            return new Random(conf.getSeed() ^ component.hashCode() * 0x9E3779B97F4A7C15L
                    ^ (experienceIndex() + 1L) * 0xBF58476D1CE4E5B9L);
        }
    }
}
