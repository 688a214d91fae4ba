package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.checkpoint.CheckpointException;
import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.eval.AccuracyMetric;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.eval.MetricRow;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.ExperienceTraining;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.StreamMetric;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.ExperienceStream;
import io.github.dl4jcontinual.scenario.Scenario;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The one training loop of the library: it turns an existing, initialised network — a {@link MultiLayerNetwork},
 * a {@link ComputationGraph} (any inputs and outputs) or a SameDiff graph, seen through
 * {@link ContinualModel} — into a continual learner, and every method (replay, regularisation, distillation,
 * class-incremental heads, meta-learning, the zoo's research methods) plugs into it as a {@link ContinualPlugin}.
 *
 * <pre>{@code
 * ContinualResult result = ContinualTrainer.wrap(net, conf).fit(scenario);     // a whole stream
 *
 * ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.load(checkpoint, conf, MultiLayerNetwork.class);
 * t.learn(thisMonth);                                                          // one experience at a time
 * t.evaluate(testExperiences);
 * t.save(checkpoint);
 * }</pre>
 *
 * <p>For every training experience the trainer grows the head (if {@link HeadPolicy#EXPANDING}), runs the
 * plugins' hooks (adapt the model, adapt the data, listeners), trains — through the network's own
 * {@code fit(iterator, epochs)}, so listeners the user set on the network keep firing, or through a plugin's
 * {@link ExperienceTraining} — and then evaluates every test experience with its accuracy metric (class-IL and
 * task-IL) and every plugin's {@link StreamMetric}, all landing as named matrices in one {@link ContinualResult}.
 * Before the first experience it evaluates the untouched model (the baseline of forward transfer). The network
 * itself is not modified apart from its parameters (and the output layer's width under an expanding head, or what
 * a plugin's {@code adaptModel} changes). Not thread-safe.</p>
 *
 * <p>{@link #fit(Scenario)} is exactly {@link #evaluate} (baseline), then {@link #learn} and {@link #evaluate} for
 * every experience, with a checkpoint after each if {@link #setCheckpointDirectory} is set. The same calls made one
 * at a time — across separate processes, with {@link #save} and {@link #load} between them — give the same
 * matrices, bit for bit.</p>
 *
 * <p>Reproducibility: the configured seed seeds ND4J's generator ({@code Nd4j.getRandom()}, used by dropout
 * and by weight initialisation of grown heads) when the run starts, the shuffling of every experience and each
 * plugin's generator. The same seed, network and data give the same accuracy matrices. Between its calls the
 * trainer keeps the generator's state as its last call left it and puts it back at the next, so that random draws
 * in between (building another network, another trainer) do not change the run.</p>
 *
 * <p>Backends: {@link #setBackend} hands training and test-stream evaluation to a {@link TrainingBackend} (e.g.
 * {@code dl4j-continual-spark}'s, which runs them on a Spark cluster); everything else stays here.</p>
 *
 * <p>Checkpoints ({@link #save}, {@link #load}, {@link #setCheckpointDirectory}): the network with its updater,
 * every plugin's state, ND4J's generator and everything measured so far go into one atomically written
 * {@link CheckpointFile}. See {@code docs/checkpoint.md}.</p>
 *
 * @param <T> the network's type as the user handed it ({@link #getModel()})
 */
public final class ContinualTrainer<T> {
    private static final Logger LOG = LoggerFactory.getLogger(ContinualTrainer.class);

    private final ContinualModel model;
    private final Class<T> type;
    private final ContinualConfiguration conf;
    private final List<ContinualListener> listeners = new ArrayList<>();
    private PrintStream progressOut = System.out;
    private Path checkpointDir;
    private TrainingBackend backend;
    private TrainerCheckpoint restored;
    private Run run;
    /** The native thread counts of the running {@code fit}, set once for its experiences; null outside fit. */
    private NativeThreads.Holder heldThreads;
    private final List<String> checkpointFailures = new ArrayList<>();

    private ContinualTrainer(ContinualModel model, Class<T> type, ContinualConfiguration conf) {
        this.model = Objects.requireNonNull(model, "model");
        this.type = type;
        this.conf = Objects.requireNonNull(conf, "conf");
    }

    /**
     * @param net  an initialised network whose last layer is the classifier
     * @param conf the configuration
     * @return a trainer for it
     */
    public static ContinualTrainer<MultiLayerNetwork> wrap(MultiLayerNetwork net, ContinualConfiguration conf) {
        return new ContinualTrainer<>(ContinualModel.of(Objects.requireNonNull(net, "net")), MultiLayerNetwork.class,
                conf);
    }

    /**
     * @param graph an initialised graph with one output, the classifier (any number of inputs)
     * @param conf  the configuration
     * @return a trainer for it
     */
    public static ContinualTrainer<ComputationGraph> wrap(ComputationGraph graph, ContinualConfiguration conf) {
        return new ContinualTrainer<>(ContinualModel.of(Objects.requireNonNull(graph, "graph")),
                ComputationGraph.class, conf);
    }

    /**
     * @param graph                an initialised graph with any number of inputs and outputs
     * @param classificationOutput the output layer whose labels are the continual classes
     * @param conf                 the configuration
     * @return a trainer for it
     */
    public static ContinualTrainer<ComputationGraph> wrap(ComputationGraph graph, String classificationOutput,
                                                          ContinualConfiguration conf) {
        return new ContinualTrainer<>(ContinualModel.of(Objects.requireNonNull(graph, "graph"), classificationOutput),
                ComputationGraph.class, conf);
    }

    /**
     * @param model any model view (e.g. a {@link io.github.dl4jcontinual.model.SameDiffModel})
     * @param conf  the configuration
     * @return a trainer for it; {@link #getModel()} returns the network behind the view
     */
    public static ContinualTrainer<Object> wrap(ContinualModel model, ContinualConfiguration conf) {
        return new ContinualTrainer<>(model, Object.class, conf);
    }

    /** @return the current network (a new object after an expanding head has grown or a plugin replaced it) */
    public T getModel() {
        return type.cast(type == Object.class ? unwrapAny() : model.unwrap(type));
    }

    private Object unwrapAny() {
        return "SameDiff".equals(model.kind()) ? model.unwrap(org.nd4j.autodiff.samediff.SameDiff.class)
                : model.network();
    }

    /** @return the model view the trainer and its plugins work through */
    public ContinualModel continualModel() {
        return model;
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
     * Writes a checkpoint after every experience of {@link #fit} into {@code dir} as {@code checkpoint-NNNN.zip}
     * (NNNN = experiences done; see {@link CheckpointFile}), atomically, keeping the earlier ones.
     *
     * @param dir the checkpoint directory (created if needed), or null to stop checkpointing
     * @return this trainer
     */
    public ContinualTrainer<T> setCheckpointDirectory(Path dir) {
        this.checkpointDir = dir;
        return this;
    }

    /**
     * A trainer that continues from a checkpoint: the network (with its updater state), every plugin's state, ND4J's
     * generator and everything measured so far come from the file. {@link #fit(Scenario)} then goes on with the
     * experience after the last one the checkpoint saw; {@link #learn} and {@link #evaluate} go on one at a time.
     *
     * @param file checkpoint written by this library
     * @param conf the configuration to continue with; must equal the checkpoint's (the progress flag excepted)
     * @param type {@code MultiLayerNetwork.class}, {@code ComputationGraph.class} or {@code Object.class} (any)
     * @param <M>  the network type
     * @return a trainer positioned after the checkpoint's last experience
     * @throws CheckpointException if the file is missing, truncated, corrupt, of another network type or was
     *                             written with another configuration (the message names the differing settings)
     */
    public static <M> ContinualTrainer<M> load(Path file, ContinualConfiguration conf, Class<M> type) {
        Objects.requireNonNull(conf, "conf");
        TrainerCheckpoint c = TrainerCheckpoint.read(file, conf);
        ContinualModel m = c.file.continualModel();
        if (type != Object.class) {
            c.file.model(type);
        }
        ContinualTrainer<M> t = new ContinualTrainer<>(m, type, conf);
        t.restored = c;
        return t;
    }

    /**
     * Like {@link #resume(Path, ContinualConfiguration, Class)}, and first checks that {@code expected} is the
     * network the checkpoint was written for: its configuration JSON (layers, sizes, activations, updater, learning
     * rates; iteration and epoch counters and the initialisation seed excepted) must equal the checkpoint's, compared before anything is
     * deserialised. The parameters and updater state come from the checkpoint; {@code expected} is not changed.
     *
     * @param file     checkpoint written by this library
     * @param conf     the configuration to continue with
     * @param expected the network the caller would train afresh (e.g. built from the same command-line options)
     * @return a trainer positioned after the checkpoint's last experience
     * @throws CheckpointException naming every differing field of the configuration or the network
     */
    public static ContinualTrainer<MultiLayerNetwork> resume(Path file, ContinualConfiguration conf,
                                                             MultiLayerNetwork expected) {
        return resume(file, conf, ContinualModel.of(Objects.requireNonNull(expected, "expected")),
                MultiLayerNetwork.class);
    }

    /**
     * The {@code ComputationGraph} form of {@link #resume(Path, ContinualConfiguration, MultiLayerNetwork)}.
     *
     * @param file     checkpoint written by this library
     * @param conf     the configuration to continue with
     * @param expected the graph the caller would train afresh
     * @return a trainer positioned after the checkpoint's last experience
     * @throws CheckpointException naming every differing field of the configuration or the network
     */
    public static ContinualTrainer<ComputationGraph> resume(Path file, ContinualConfiguration conf,
                                                            ComputationGraph expected) {
        return resume(file, conf, ContinualModel.of(Objects.requireNonNull(expected, "expected")),
                ComputationGraph.class);
    }

    /**
     * The general form of {@link #resume(Path, ContinualConfiguration, MultiLayerNetwork)}.
     *
     * @param file     checkpoint written by this library
     * @param conf     the configuration to continue with
     * @param expected the model the caller would train afresh
     * @param type     the network type, as for {@link #load}
     * @param <M>      the network type
     * @return a trainer positioned after the checkpoint's last experience
     * @throws CheckpointException naming every differing field of the configuration or the network
     */
    public static <M> ContinualTrainer<M> resume(Path file, ContinualConfiguration conf, ContinualModel expected,
                                                 Class<M> type) {
        Objects.requireNonNull(expected, "expected");
        TrainerCheckpoint.checkNetwork(CheckpointFile.read(file), expected);
        return load(file, conf, type);
    }

    /**
     * The same as {@link #load}: the network comes from the checkpoint as it is (use
     * {@link #resume(Path, ContinualConfiguration, MultiLayerNetwork)} to have it compared with the intended one).
     *
     * @param file checkpoint written by this library
     * @param conf the configuration to continue with
     * @param type the network type
     * @param <M>  the network type
     * @return a trainer positioned after the checkpoint's last experience
     */
    public static <M> ContinualTrainer<M> resume(Path file, ContinualConfiguration conf, Class<M> type) {
        return load(file, conf, type);
    }

    /**
     * Writes a checkpoint of the current position: between experiences (e.g. from
     * {@link ContinualListener#onExperienceEnd}) or after {@code fit} returned. Atomic like the automatic ones.
     *
     * @param file the checkpoint file
     * @return {@code file}
     * @throws IllegalStateException if training is in progress or nothing has happened yet
     * @throws UnsupportedOperationException if a plugin does not support checkpoints
     */
    public Path save(Path file) {
        if (run == null && restored != null) {
            begin(null); // a loaded trainer may be saved again as it is
        }
        if (run == null || run.training) {
            throw new IllegalStateException("A checkpoint can be written only between experiences (position: "
                    + (run == null ? "nothing learned or evaluated yet" : "training experience "
                    + run.progress.next()) + ")");
        }
        TrainerCheckpoint.write(file, model, conf, run.progress, run.plugins, run.rng);
        return file;
    }

    /**
     * The same as {@link #save}, kept for earlier callers.
     *
     * @param file the checkpoint file
     * @return {@code file}
     */
    public Path saveCheckpoint(Path file) {
        if (run == null || run.progress.next() == 0) {
            throw new IllegalStateException("A checkpoint can be written only between experiences, after at least "
                    + "one (position: " + (run == null ? "fit has not started" : "no experience done") + ")");
        }
        return save(file);
    }

    /**
     * Trains on every experience of the scenario's training stream, evaluating on its test stream after each. A
     * trainer made by {@link #load} starts after the checkpoint's last experience.
     *
     * @param scenario the scenario
     * @return the result (named matrices, per-experience results)
     * @throws IllegalArgumentException if the network does not fit the scenario (head size, input size)
     */
    public ContinualResult fit(Scenario scenario) {
        return fit(scenario, scenario.trainStream().size());
    }

    /**
     * Trains up to experience {@code stopAfter} (exclusive) and returns the partial result, e.g. to stop after a
     * checkpoint and {@link #load} later. Plugins' and listeners' {@code onStreamEnd} run only when the stream is
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
        checkNotFinished();
        ExperienceStream train = scenario.trainStream();
        int from = restored != null ? restored.progress.next() : run != null ? run.progress.next() : 0;
        if (stopAfter < Math.max(1, from) || stopAfter > train.size()) {
            throw new IllegalArgumentException("stopAfter should be in [" + Math.max(1, from) + ", " + train.size()
                    + "] (the experiences done when fit returns" + (from > 0 ? ", resuming after " + from : "")
                    + "; got: " + stopAfter + ")");
        }
        if (run != null) {
            checkCompatible(scenario, from);
        }
        if (restored != null) {
            restored.progress.checkSameScenario(scenario, restored.file.path());
        }
        long t0 = System.currentTimeMillis();
        checkCheckpointDirectory();
        Run r = begin(scenario);
        List<Experience> test = list(scenario.testStream());
        r.test = test;
        heldThreads = NativeThreads.hold();
        try {
            if (r.progress.evaluatedAt != r.progress.next()) {
                // the baseline of a fresh run, or the evaluation still owed to an experience learned before fit
                evaluate(test, false);
                if (r.progress.next() > 0) {
                    afterEvaluation(r);
                }
            } else if (r.progress.next() > 0) {
                LOG.info("Resuming {} after experience {}", scenario.name(), r.progress.next() - 1);
            }
            // an index loop: a resumed trainer whose checkpoint ends the stream has nothing left
            for (int next = r.progress.next(); next < stopAfter; next++) {
                learn(train.get(next));
                evaluate(test, false);
                afterEvaluation(r);
            }
        } finally {
            heldThreads.close();
            heldThreads = null;
        }
        boolean complete = r.progress.next() == train.size();
        ContinualResult result = result(System.currentTimeMillis() - t0);
        if (complete) {
            finish(result);
        }
        return result;
    }

    /**
     * fit's checkpoint after an evaluated experience, then the listeners' onExperienceEnd. A checkpoint that cannot
     * be written (full disk, permissions) does not stop the run: the failure is logged, kept in
     * {@link #checkpointFailures()}, and training goes on (the previous checkpoint, if any, is untouched).
     */
    private void afterEvaluation(Run r) {
        if (checkpointDir != null) {
            Path target = checkpointDir.resolve(CheckpointFile.fileName(r.progress.next()));
            try {
                save(target);
            } catch (java.io.UncheckedIOException e) {
                String msg = "Checkpoint " + target + " after experience " + (r.progress.next() - 1)
                        + " could not be written (" + e.getCause() + "); training goes on without it";
                LOG.warn(msg);
                checkpointFailures.add(msg);
            }
        }
        notifyExperienceEnd(r.progress);
    }

    /**
     * @return the automatic checkpoints of {@link #fit} that could not be written, one message each (file,
     *         experience, cause), in order; empty when all were written
     */
    public List<String> checkpointFailures() {
        return java.util.Collections.unmodifiableList(checkpointFailures);
    }

    /**
     * @return the id of this trainer's run (kept by its checkpoints and every trainer resumed from them; see
     *         {@link CheckpointFile#latestIn(Path, String)}), or null before the run started
     */
    public String runId() {
        return run != null ? run.progress.runId : restored != null ? restored.progress.runId : null;
    }

    /**
     * Checks the checkpoint directory before any training: creates it if needed and writes and deletes a probe
     * file, so that a file in its place or a read-only directory fails now rather than after an experience.
     * Warns when it holds checkpoints of other runs.
     */
    private void checkCheckpointDirectory() {
        if (checkpointDir == null) {
            return;
        }
        if (Files.exists(checkpointDir) && !Files.isDirectory(checkpointDir)) {
            throw new IllegalArgumentException("The checkpoint directory " + checkpointDir + " is not a directory "
                    + "(a file of that name exists): expected a directory to write checkpoint-NNNN.zip into");
        }
        try {
            Files.createDirectories(checkpointDir);
            Path probe = Files.createTempFile(checkpointDir, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("The checkpoint directory " + checkpointDir + " cannot be written ("
                    + e + "): expected a writable directory; nothing was trained", e);
        }
        String id = runId();
        Optional<Path> other = CheckpointFile.latestIn(checkpointDir);
        if (other.isPresent() && (id == null || !CheckpointFile.latestIn(checkpointDir, id).equals(other))) {
            LOG.warn("The checkpoint directory {} holds checkpoints of another run (newest: {}); this run "
                    + "writes its own, and CheckpointFile.latestIn returns the run that wrote last", checkpointDir,
                    other.get());
        }
    }

    private static List<Experience> list(ExperienceStream s) {
        List<Experience> l = new ArrayList<>();
        s.forEach(l::add);
        return l;
    }

    /** Puts ND4J's generator (of this thread) where the run left it after its last call. */
    private void resumeGenerator(Run r) {
        Nd4j.getRandom().setStates(r.rng[0], r.rng[1]);
    }

    /** Remembers where the run left ND4J's generator, so that random draws between its calls do not change it. */
    private void keepGenerator(Run r) {
        r.rng = new long[]{Nd4j.getRandom().rootState(), Nd4j.getRandom().nodeState()};
    }

    private void checkNotFinished() {
        if (run != null && run.finished) {
            throw new IllegalStateException("The run has finished (finish() was called, or fit completed the stream, "
                    + "after " + run.progress.next() + " experiences): wrap or load a trainer to go on");
        }
    }

    /** Starts the run (or continues the restored one) on the first call. */
    private Run begin(Scenario scenario) {
        if (run == null) {
            checkBoundaryFree(conf);
            if (conf.getAnytimeEvaluationEvery() > 0 && backend != null) {
                throw new UnsupportedOperationException("Anytime evaluation (anytimeEvaluationEvery "
                        + conf.getAnytimeEvaluationEvery() + ") scores the model between updates in this JVM; it is "
                        + "not available with a TrainingBackend (" + backend.getClass().getSimpleName() + "): set it "
                        + "to 0");
            }
            StreamProgress progress = restored == null ? new StreamProgress() : restored.progress;
            if (restored == null && scenario != null) {
                progress.forScenario(scenario);
            }
            List<ContinualPlugin> plugins = conf.getPlugins().stream().map(PluginConfiguration::instantiate)
                    .collect(Collectors.toList());
            // the run is kept only once every plugin started (a plugin refusing the run leaves no half-started one)
            Run r = new Run(plugins, progress);
            r.scenarioTrain = scenario == null ? null : scenario.trainStream();
            if (restored == null) {
                Nd4j.getRandom().setSeed(conf.getSeed());
            }
            plugins.forEach(p -> p.onStreamStart(r.ctx));
            // checked after onStreamStart, where a plugin may rebuild the network for the scenario's inputs (CTP's
            // dual encoder); a refused scenario leaves no run
            if (scenario != null) {
                checkCompatible(scenario, progress.next());
            }
            if (restored != null) {
                for (int i = 0; i < plugins.size(); i++) {
                    plugins.get(i).restoreState(r.ctx, restored.pluginStates.get(i));
                }
                Nd4j.getRandom().setStates(restored.rng[0], restored.rng[1]);
                restored = null;
            }
            keepGenerator(r);
            if (progress.modelSummary == null) {
                // the network as the run starts (after plugins that rebuild it for the scenario, e.g. CTP)
                try {
                    progress.modelSummary = io.github.dl4jcontinual.serde.ContinualJson.toJson(model.summary());
                } catch (RuntimeException e) {
                    // a summary is for the report: a network DL4J cannot summarise still trains
                    LOG.warn("No model summary for the result: {}", e.toString());
                }
            }
            run = r;
            listeners.forEach(l -> l.onStreamStart(scenario));
        } else if (scenario != null) {
            run.scenarioTrain = scenario.trainStream();
            if (run.progress.scenario == null && run.progress.next() == 0 && run.progress.evaluatedAt < 0) {
                run.progress.forScenario(scenario);
            }
        }
        return run;
    }

    /**
     * Refuses a boundary-free configuration with plugins that need experience boundaries.
     *
     * @param conf the configuration
     * @throws IllegalArgumentException naming every such plugin
     */
    static void checkBoundaryFree(ContinualConfiguration conf) {
        if (!conf.isBoundaryFree()) {
            return;
        }
        List<String> refused = conf.getPlugins().stream().filter(p -> !p.boundaryFree())
                .map(p -> p.name() + " (" + p.getClass().getSimpleName() + ")").collect(Collectors.toList());
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("The configuration is boundary-free (online: plugins are not told where "
                    + "experiences begin and end) but " + refused + (refused.size() == 1 ? " needs" : " need")
                    + " experience boundaries (adaptModel / beforeExperience / afterExperience); use "
                    + "a boundary-free variant (PluginConfiguration.boundaryFree() true: ER, DER++ or MIR with a "
                    + "reservoir or online class-balanced buffer, GDumb, online EWC with anchorEvery > 0) or "
                    + "boundaryFree(false)");
        }
    }

    /**
     * Learns one experience: grows an expanding head, runs the plugins' hooks, trains and runs
     * {@code afterExperience} and {@code experienceMetrics}. The experience takes the next position of the stream;
     * an experience built on its own ({@link Experience#of}) gets it here.
     *
     * @param experience the next training experience
     * @return what happened (its evaluation time is filled in by the next {@link #evaluate})
     * @throws IllegalArgumentException if the experience does not fit the model or belongs to another position
     */
    public ExperienceResult learn(Experience experience) {
        Objects.requireNonNull(experience, "experience");
        if (heldThreads != null) {
            heldThreads.use(NativeThreads.threadsFor(conf.getNativeThreads(), conf.getBatchSize(),
                    System.getenv("OMP_NUM_THREADS")));
            return learnNow(experience);
        }
        try (NativeThreads threads = NativeThreads.forTraining(conf.getNativeThreads(), conf.getBatchSize())) {
            return learnNow(experience);
        }
    }

    private ExperienceResult learnNow(Experience experience) {
        checkNotFinished();
        Run r = begin(null);
        resumeGenerator(r);
        StreamProgress progress = r.progress;
        int position = progress.next();
        if (experience.index() >= 0 && experience.index() != position) {
            throw new IllegalArgumentException("Experience " + experience.index() + " cannot be learned now: "
                    + position + " experiences have been learned, so the next one is experience " + position);
        }
        if (progress.numClasses >= 0 && experience.numClasses() != progress.numClasses) {
            throw new IllegalArgumentException("Experience " + position + " has labels over " + experience.numClasses()
                    + " classes but the run's earlier experiences had " + progress.numClasses);
        }
        checkModelFits(experience, experience.numClasses());
        int[] seen = StreamProgress.union(progress.seen, experience.classArray());
        int width = seen[seen.length - 1] + 1;
        if (conf.getHeadPolicy() == HeadPolicy.EXPANDING && model.headSize() > width) {
            throw new IllegalArgumentException("The model's output size " + model.headSize() + " is larger than the "
                    + width + " classes (ids 0.." + (width - 1) + ") seen by experience " + position + ": an "
                    + "EXPANDING head is at most that wide when it starts it");
        }
        // nothing of the run changes before this point: a refused experience leaves the trainer as it was
        progress.numClasses = experience.numClasses();
        progress.seen = seen;
        Experience exp = experience.at(position, progress.seen);
        r.ctx.experience = exp;
        r.learnedHere.put(position, exp);
        r.training = true;
        List<ContinualPlugin> plugins = r.plugins;
        if (conf.getHeadPolicy() == HeadPolicy.EXPANDING) {
            model.growHead(width);
        }
        resetHeapPeaks();
        long tStart = System.currentTimeMillis();
        boolean bounded = !conf.isBoundaryFree();
        if (bounded) {
            plugins.forEach(p -> p.adaptModel(r.ctx, exp));
            plugins.forEach(p -> p.beforeExperience(r.ctx, exp));
        }
        boolean trains = plugins.stream().allMatch(p -> p.trainsOn(r.ctx, exp));
        ExperienceMonitor monitor = null;
        if (trains) {
            MultiDataSetIterator data = exp.iterator(conf.getBatchSize(), conf.isShuffle(), shuffleSeed(position));
            data.setPreProcessor(withHead(data.getPreProcessor()));
            AnytimeEvaluation anytime = conf.getAnytimeEvaluationEvery() > 0
                    ? new AnytimeEvaluation(progress, r.test, model, conf) : null;
            if (anytime != null) {
                data = anytime.count(data);
            }
            for (ContinualPlugin p : plugins) {
                data = Objects.requireNonNull(p.adaptTrainingData(r.ctx, exp, data), "plugin returned no training data");
            }
            List<TrainingListener> userListeners = model.listeners();
            List<TrainingListener> active = new ArrayList<>(userListeners);
            for (ContinualPlugin p : plugins) {
                active.addAll(p.listeners(r.ctx, exp));
            }
            if (anytime != null) {
                active.add(anytime.listener());
            }
            ExperienceTraining step = null;
            for (ContinualPlugin p : plugins) {
                ExperienceTraining s = p.training(r.ctx, exp);
                if (s != null && step != null) {
                    throw new IllegalStateException("Two plugins replace the training step of experience " + position
                            + "; at most one may");
                }
                step = s == null ? step : s;
            }
            int epochs = step == null ? conf.getEpochsPerExperience() : step.epochs(conf.getEpochsPerExperience());
            if (epochs < 1) {
                throw new IllegalStateException("The training step of experience " + position + " asks for " + epochs
                        + " epochs; at least 1 is needed (skip training with trainsOn instead)");
            }
            monitor = new ExperienceMonitor(data, model, position, progress.numExperiences, epochs,
                    exp.numExamples(), conf.isProgress() ? progressOut : null);
            if (step == null && backend != null) {
                backend.fit(model, monitor, epochs, active);
            } else {
                model.setListeners(active);
                try {
                    if (step == null) {
                        model.fit(monitor, epochs);
                    } else {
                        trainWith(step, monitor, epochs);
                    }
                } finally {
                    model.setListeners(userListeners);
                }
            }
            monitor.finish();
            if (anytime != null) {
                anytime.catchUp();
            }
            if (!Double.isFinite(model.lastScore()) && monitor.iterations() > 0) {
                throw new IllegalStateException("Training diverged on experience " + position + ": the model's score is "
                        + model.lastScore() + " after " + monitor.iterations() + " iterations (is the learning rate "
                        + "too high?)");
            }
        } else {
            LOG.info("Experience {}: no training (a plugin skips it)", position);
        }
        double lastScore = monitor == null ? Double.NaN : model.lastScore();
        if (bounded) {
            plugins.forEach(p -> p.afterExperience(r.ctx, exp));
        }
        Map<String, Double> metrics = new TreeMap<>();
        for (int pi = 0; pi < plugins.size(); pi++) {
            for (Map.Entry<String, Double> m : plugins.get(pi).experienceMetrics(r.ctx, exp).entrySet()) {
                // two plugins of one kind: the later one's figures get its position as a suffix
                String key = metrics.containsKey(m.getKey()) ? m.getKey() + "#" + pi : m.getKey();
                metrics.put(key, m.getValue());
            }
        }
        long tTrain = System.currentTimeMillis();
        ExperienceResult er = new ExperienceResult(position, exp.classArray(), trains,
                monitor == null ? 0 : monitor.examples(), monitor == null ? 0 : monitor.epochsDone(),
                monitor == null ? 0 : monitor.iterations(), lastScore, tTrain - tStart, 0, heapPeak(),
                Pointer.totalBytes(), Pointer.physicalBytes(), metrics);
        progress.add(er);
        progress.learned++;
        r.training = false;
        keepGenerator(r);
        return er;
    }

    private void trainWith(ExperienceTraining step, MultiDataSetIterator data, int epochs) {
        for (int ep = 0; ep < epochs; ep++) {
            step.onEpochStart(ep);
            model.fireEpochStart();
            if (ep > 0 || !data.hasNext()) {
                data.reset();
            }
            while (data.hasNext()) {
                step.step(data.next());
            }
            model.fireEpochEnd();
        }
    }

    /**
     * Evaluates the model on the test stream: the class-IL and task-IL accuracy and every plugin's stream metrics.
     * Called before any {@link #learn} it records the baseline (the accuracy before training); after an experience
     * it records that experience's row. Every evaluation of a run uses the same test experiences.
     *
     * @param test the test experiences, in stream order
     * @return the result so far
     * @throws IllegalArgumentException if the test stream differs from the one evaluated before
     * @throws IllegalStateException    if the stream was already evaluated after the last learned experience
     */
    public ContinualResult evaluate(List<Experience> test) {
        evaluate(test, true);
        return result(0);
    }

    private void notifyExperienceEnd(StreamProgress progress) {
        List<ExperienceResult> results = progress.results();
        ExperienceResult er = results.get(results.size() - 1);
        Map<String, io.github.dl4jcontinual.eval.AccuracyMatrix> m = progress.matrices();
        for (ContinualListener l : listeners) {
            l.onExperienceEnd(er, m.get(ContinualResult.CLASS_IL), m.get(ContinualResult.TASK_IL));
        }
    }

    /** Evaluates the model's accuracy and the plugins' stream metrics on the test stream into the progress. */
    private void recordMetrics(Run r, List<Experience> test, int streamSize, StreamProgress progress,
                               boolean baseline) {
        MetricRow own;
        if (backend != null) {
            long[][] c = backend.evaluate(model, test, progress.numClasses, r.ctx.classIlAllowed(),
                    conf.getEvalBatchSize());
            own = new MetricRow().put(AccuracyMetric.CLASS_IL, c[0]).put(AccuracyMetric.TASK_IL, c[1]);
        } else if (!baseline && progress.recordsConfusion()) {
            // the confusion after every experience (streams of many classes: the last one), counted in the same
            // pass as the accuracies
            long[][] confusion = new long[progress.numClasses][progress.numClasses];
            own = AccuracyMetric.ofModel().evaluate(r.ctx, test, confusion);
            progress.recordConfusion(confusion);
        } else {
            own = AccuracyMetric.ofModel().evaluate(r.ctx, test);
        }
        progress.record("", own.padTo(streamSize), baseline);
        for (ContinualPlugin p : r.plugins) {
            for (StreamMetric m : p.streamMetrics(r.ctx)) {
                if (!baseline || m.hasBaseline()) {
                    progress.record(m.name(), m.evaluate(r.ctx, test).padTo(streamSize), baseline);
                }
            }
        }
    }

    /** Evaluates into the progress (the result is built by the caller that returns one: O(experiences²) to build). */
    private void evaluate(List<Experience> test, boolean notify) {
        checkNotFinished();
        if (test.isEmpty()) {
            throw new IllegalArgumentException("The test stream has no experiences");
        }
        Run r = begin(null);
        resumeGenerator(r);
        StreamProgress progress = r.progress;
        if (progress.evaluatedAt == progress.next()) {
            throw new IllegalStateException(progress.next() == 0 ? "The baseline has been evaluated already"
                    : "The test stream was already evaluated after experience " + (progress.next() - 1));
        }
        int numClasses = progress.numClasses < 0 ? test.get(0).numClasses() : progress.numClasses;
        for (Experience e : test) {
            if (e.numClasses() != numClasses) {
                throw new IllegalArgumentException("Test experience " + e.index() + " has labels over "
                        + e.numClasses() + " classes but the run's experiences have " + numClasses);
            }
            checkModelFits(e, numClasses);
            if (model.headSize() > numClasses) {
                throw new IllegalArgumentException("The model's output size " + model.headSize() + " ("
                        + model.classificationOutputName() + ") is larger than the test labels' " + numClasses
                        + " classes");
            }
        }
        progress.checkTest(test);
        progress.numClasses = numClasses;
        r.test = test;
        long t0 = System.currentTimeMillis();
        boolean baseline = progress.next() == 0;
        List<Experience> scoped = test.subList(0, conf.getTestScope().evaluated(progress.next(), test.size()));
        if (!scoped.isEmpty()) {
            long meanRows = scoped.stream().mapToLong(Experience::numExamples).sum() / scoped.size();
            if (heldThreads != null) {
                heldThreads.use(NativeThreads.evaluationThreads(conf.getNativeThreads(), meanRows));
                recordMetrics(r, scoped, test.size(), progress, baseline);
            } else {
                try (NativeThreads threads = NativeThreads.forEvaluation(conf.getNativeThreads(), meanRows)) {
                    recordMetrics(r, scoped, test.size(), progress, baseline);
                }
            }
        }
        if (!baseline) {
            List<ExperienceResult> results = progress.results();
            ExperienceResult last = results.get(results.size() - 1);
            progress.replaceLast(last.withEvalMillis(System.currentTimeMillis() - t0));
        }
        progress.evaluatedAt = progress.next();
        keepGenerator(r);
        if (!baseline && conf.isProgress() && progressOut != null) {
            progressOut.println(streamLine(r, System.nanoTime()));
            progressOut.flush();
        }
        if (notify && !baseline) {
            notifyExperienceEnd(progress);
        }
    }

    /**
     * The console line after an evaluated experience: the class-IL and task-IL average accuracy over the experiences
     * learned so far (the last row's A_i) and the stream's elapsed time with an ETA (from the experiences learned in
     * this process; none when the stream's length is unknown).
     */
    private String streamLine(Run r, long now) {
        StreamProgress p = r.progress;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "after experience %d/%s: class-IL %s, task-IL %s"
                + " (mean over the %d seen)", p.next(), p.numExperiences < 0 ? "?" : Integer.toString(p.numExperiences),
                percent(p.lastRowAverage(ContinualResult.CLASS_IL)), percent(p.lastRowAverage(ContinualResult.TASK_IL)),
                p.next()));
        double secs = (now - r.streamStartNanos) / 1e9;
        sb.append(" | stream ").append(duration(secs));
        int done = p.next() - r.learnedAtStart;
        if (p.numExperiences > 0 && p.next() < p.numExperiences && done > 0) {
            sb.append(", ETA ").append(duration(secs / done * (p.numExperiences - p.next())));
        }
        return sb.toString();
    }

    private static String percent(double a) {
        return Double.isNaN(a) ? "n/a" : String.format(Locale.ROOT, "%.2f %%", 100 * a);
    }

    private static String duration(double secs) {
        long s = Math.round(secs);
        return s < 60 ? s + " s" : s < 3600 ? String.format(Locale.ROOT, "%d min %02d s", s / 60, s % 60)
                : String.format(Locale.ROOT, "%d h %02d min", s / 3600, (s % 3600) / 60);
    }

    /**
     * Ends a run learned one experience at a time: the plugins' {@code onStreamEnd} (e.g. restoring a loss they
     * swapped), then the listeners' {@link ContinualListener#onStreamEnd} with the result so far. {@link #fit}
     * calls it when the stream is complete. Only the first call after the run started does anything; learning or
     * evaluating after it is refused.
     *
     * @return the result so far
     */
    public ContinualResult finish() {
        ContinualResult result = result();
        if (run != null && !run.finished) {
            finish(result);
        }
        return result;
    }

    private void finish(ContinualResult result) {
        run.finished = true;
        run.plugins.forEach(p -> p.onStreamEnd(run.ctx));
        listeners.forEach(l -> l.onStreamEnd(result));
    }

    /** @return everything measured so far, as a result */
    public ContinualResult result() {
        return result(0);
    }

    private ContinualResult result(long millis) {
        // reading the result starts nothing
        StreamProgress p = run != null ? run.progress : restored != null ? restored.progress : new StreamProgress();
        Map<String, io.github.dl4jcontinual.eval.AccuracyMatrix> m = p.matrices();
        if (!m.containsKey(ContinualResult.CLASS_IL)) {
            long[] totals = p.totals == null ? new long[0] : p.totals;
            m.put(ContinualResult.CLASS_IL, new io.github.dl4jcontinual.eval.AccuracyMatrix(new long[0][], totals,
                    p.baselines.get(ContinualResult.CLASS_IL)));
            m.put(ContinualResult.TASK_IL, new io.github.dl4jcontinual.eval.AccuracyMatrix(new long[0][], totals,
                    p.baselines.get(ContinualResult.TASK_IL)));
        }
        String strategy = conf.getPlugins().isEmpty() ? "naive"
                : conf.getPlugins().stream().map(PluginConfiguration::name).collect(Collectors.joining("+"));
        return new ContinualResult(p.scenarioName, p.scenarioType, p.classOrder, strategy, conf, m, p.scalars,
                p.results(), millis == 0 ? totalMillis(p) : millis).withRun(p.runId, TrainerCheckpoint.networkJson(model))
                .withModelSummary(p.modelSummary == null ? null
                        : io.github.dl4jcontinual.serde.ContinualJson.fromJson(p.modelSummary,
                        io.github.dl4jcontinual.eval.ModelSummary.class))
                .withClassNames(p.classNames)
                .withConfusion(p.confusion == null ? null
                        : new io.github.dl4jcontinual.eval.ClassConfusion(p.confusionAfter, p.confusion))
                .withConfusions(confusions(p))
                .withAnytime(p.anytimeCurve());
    }

    /** @return the per-experience confusions recorded (experiences without one left out), or an empty list */
    private static List<io.github.dl4jcontinual.eval.ClassConfusion> confusions(StreamProgress p) {
        List<io.github.dl4jcontinual.eval.ClassConfusion> out = new ArrayList<>();
        if (p.confusions != null) {
            for (int k = 0; k < p.confusions.size(); k++) {
                if (p.confusions.get(k) != null) {
                    out.add(new io.github.dl4jcontinual.eval.ClassConfusion(k, p.confusions.get(k)));
                }
            }
        }
        return out;
    }

    private static long totalMillis(StreamProgress p) {
        long t = 0;
        for (ExperienceResult e : p.results()) {
            t += e.trainMillis() + e.evalMillis();
        }
        return t;
    }

    private void checkCompatible(Scenario scenario, int from) {
        int nOut = model.headSize();
        int numClasses = scenario.numClasses();
        if (conf.getHeadPolicy() == HeadPolicy.FIXED && nOut != numClasses) {
            throw new IllegalArgumentException("The labels of scenario " + scenario.name() + " have "
                    + scenario.sourceLabelWidth() + " columns and use " + describeClasses(scenario)
                    + ", so the scenario yields labels over " + numClasses + " classes (relabelled 0.." + (numClasses - 1)
                    + " in order of arrival), which does not match the model's output size " + nOut + " ("
                    + model.classificationOutputName() + "): a FIXED head needs nOut = " + numClasses
                    + "; use HeadPolicy.EXPANDING to grow it");
        }
        if (conf.getHeadPolicy() == HeadPolicy.EXPANDING && from < scenario.trainStream().size()) {
            int first = scenario.trainStream().get(from).seenClassArray().length;
            if (nOut > first) {
                throw new IllegalArgumentException("The model's output size " + nOut + " is larger than the "
                        + first + " classes seen by experience " + from + ": an EXPANDING head is at most that wide "
                        + "when it starts it");
            }
        }
        checkModelFits(scenario.trainStream().get(0), numClasses);
    }

    /** "all 10 classes" or "5 classes [0, 1, 2, 3, 4]" (the dataset's ids, at most 20 listed). */
    private static String describeClasses(Scenario scenario) {
        int[] ids = scenario.classOrder();
        Arrays.sort(ids);
        if (ids.length == scenario.sourceLabelWidth()) {
            return "all " + ids.length + " classes";
        }
        String listed = Arrays.stream(ids).limit(20).mapToObj(String::valueOf).collect(Collectors.joining(", "));
        return ids.length + " of them, classes [" + listed + (ids.length > 20 ? ", ..." : "") + "]";
    }

    private void checkModelFits(Experience e, int numClasses) {
        if (e.numInputs() != model.numInputs()) {
            throw new IllegalArgumentException("The examples have " + e.numInputs() + " input arrays but the "
                    + model.kind() + " has " + model.numInputs() + " inputs");
        }
        if (e.classificationOutput() != model.classificationOutput()) {
            throw new IllegalArgumentException("The scenario's classes are in label array "
                    + e.classificationOutput() + " but the model's classification output "
                    + model.classificationOutputName() + " is output " + model.classificationOutput());
        }
        if (conf.getHeadPolicy() == HeadPolicy.FIXED && model.headSize() != numClasses) {
            throw new IllegalArgumentException("Label width " + numClasses + " does not match the model's output "
                    + "size " + model.headSize() + " (" + model.classificationOutputName() + "): a FIXED head needs "
                    + "nOut = " + numClasses + "; use HeadPolicy.EXPANDING to grow it");
        }
        long nIn = model.inputSize(0);
        long[] shape = e.exampleShape(0);
        if (nIn > 0 && shape.length == 1 && shape[0] > 0 && nIn != shape[0]) {
            throw new IllegalArgumentException("The examples have " + shape[0] + " features but the model's first "
                    + "layer expects nIn = " + nIn);
        }
    }

    private MultiDataSetPreProcessor withHead(MultiDataSetPreProcessor transform) {
        if (conf.getHeadPolicy() != HeadPolicy.EXPANDING) {
            return transform;
        }
        MultiDataSetPreProcessor slice = new HeadLabelSlice(model.headSize(), model.classificationOutput());
        return transform == null ? slice : ds -> {
            transform.preProcess(ds);
            slice.preProcess(ds);
        };
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

    /** Slices the classification labels (and a per-output label mask) to the current head width. */
    static final class HeadLabelSlice implements MultiDataSetPreProcessor {
        private static final long serialVersionUID = 1L;
        private final int width;
        private final int output;

        HeadLabelSlice(int width, int output) {
            this.width = width;
            this.output = output;
        }

        @Override
        public void preProcess(MultiDataSet ds) {
            INDArray l = ds.getLabels(output);
            if (l.size(1) != width) {
                ds.setLabels(output, Batches.classColumns(l, width));
                INDArray m = Batches.mask(ds.getLabelsMaskArrays(), output);
                // a per-class mask of 2-d labels, not the time-step mask of sequence labels
                if (m != null && l.rank() == 2 && m.rank() == 2 && m.size(1) == l.size(1) && l.size(1) > 1) {
                    ds.setLabelsMaskArray(output, Batches.classColumns(m, width));
                }
            }
        }
    }

    /** The plugins and progress of the run. */
    private final class Run {
        private final List<ContinualPlugin> plugins;
        private final StreamProgress progress;
        private final Context ctx;
        private final Map<Integer, Experience> learnedHere = new java.util.HashMap<>();
        private ExperienceStream scenarioTrain;
        /** The test stream of the last evaluation (anytime evaluation scores it while training), or null. */
        private List<Experience> test;
        private boolean training;
        private boolean finished;
        /** ND4J's generator state where the run's last call left it. */
        private long[] rng;
        /** When this process began the run, and how many experiences were learned before (for the console's ETA). */
        private final long streamStartNanos = System.nanoTime();
        private final int learnedAtStart;

        Run(List<ContinualPlugin> plugins, StreamProgress progress) {
            this.plugins = plugins;
            this.progress = progress;
            this.learnedAtStart = progress.next();
            this.ctx = new Context(this);
        }
    }

    /** The trainer's context for plugins and metrics. */
    private final class Context implements ContinualContext {
        private final Run run;
        private Experience experience;

        Context(Run run) {
            this.run = run;
        }

        @Override
        public ContinualModel model() {
            return model;
        }

        @Override
        public ContinualConfiguration configuration() {
            return conf;
        }

        @Override
        public int experienceIndex() {
            return run.progress.next() - (run.training ? 0 : 1);
        }

        @Override
        public int numExperiences() {
            return run.progress.numExperiences;
        }

        @Override
        public List<Integer> seenClasses() {
            return Arrays.stream(run.progress.seen).boxed().collect(Collectors.toList());
        }

        @Override
        public int[] classIlAllowed() {
            return conf.getHeadPolicy() == HeadPolicy.FIXED && !conf.isMaskUnseenClasses()
                    ? range(model.headSize()) : run.progress.seen.clone();
        }

        @Override
        public int numClasses() {
            return run.progress.numClasses;
        }

        @Override
        public int headSize() {
            return model.headSize();
        }

        @Override
        public MultiDataSetIterator trainingIterator(MultiDataSet data) {
            return trainingIterator(Experience.inMemory(data, model.classificationOutput(), experienceIndex()));
        }

        @Override
        public MultiDataSetIterator trainingIterator(Experience data) {
            MultiDataSetIterator it = data.iterator(conf.getBatchSize(), conf.isShuffle(),
                    shuffleSeed(experienceIndex()) ^ 0x5DEECE66DL);
            it.setPreProcessor(withHead(null));
            return it;
        }

        @Override
        public Experience trainExperience(int index) {
            Experience e = run.learnedHere.get(index);
            if (e != null) {
                return e;
            }
            if (run.scenarioTrain != null && index >= 0 && index < run.scenarioTrain.size()) {
                return run.scenarioTrain.get(index);
            }
            throw new IllegalStateException("Training experience " + index + " is not known to this trainer: it was "
                    + "learned before this trainer was loaded, one experience at a time. A plugin that needs the "
                    + "earlier experiences (e.g. the cumulative baseline) resumes only a run of fit(scenario), which "
                    + "knows every experience, or runs in one process");
        }

        @Override
        public Random rng(String component) {
            return new Random(conf.getSeed() ^ component.hashCode() * 0x9E3779B97F4A7C15L
                    ^ (experienceIndex() + 1L) * 0xBF58476D1CE4E5B9L);
        }
    }
}
