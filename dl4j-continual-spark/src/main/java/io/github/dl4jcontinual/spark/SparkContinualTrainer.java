package io.github.dl4jcontinual.spark;

import io.github.dl4jcontinual.distillation.LwfConfiguration;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.CumulativeTraining;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

import java.util.Map;
import java.util.Objects;

/**
 * Continual training on Spark: {@link ContinualTrainer}s (same configuration, scenarios, plugins and
 * {@link io.github.dl4jcontinual.eval.ContinualResult}s as the local trainer) whose training and test-stream
 * evaluation run on the cluster through a {@link SparkTrainingBackend}.
 *
 * <pre>{@code
 * JavaSparkContext sc = new JavaSparkContext(new SparkConf().setAppName("continual"));
 * TrainingMaster<?, ?> tm = SparkContinualTrainer.parameterAveraging(20, 5, sc.defaultParallelism());
 * ContinualTrainer<MultiLayerNetwork> trainer = SparkContinualTrainer.wrap(sc, net, conf, tm);
 * ContinualResult result = trainer.fit(scenario);
 * }</pre>
 *
 * <p>Supported strategies (see {@link #checkSupported}): naive, joint, cumulative, ER (the buffer stays on the
 * driver; its replay rows are joined to every minibatch before the minibatches are distributed), EWC, online EWC
 * and MAS (importance and anchors travel to the workers inside the serialised {@code PenaltyListener}, which
 * applies the penalty there exactly as locally), LwF (the previous model travels inside the {@code LwfListener}).
 * Every other plugin is refused with an {@link UnsupportedOperationException} that names it and says why.</p>
 */
public final class SparkContinualTrainer {
    private static final Map<String, String> REFUSED = Map.ofEntries(
            Map.entry("si", "its path integral needs every parameter update of every worker on the driver; "
                    + "a training master only returns the combined parameters"),
            Map.entry("rwalk", "its path integral needs every parameter update of every worker on the driver; "
                    + "a training master only returns the combined parameters"),
            Map.entry("agem", "its gradient projection needs the replay buffer's reference gradient inside every "
                    + "worker's update step"),
            Map.entry("iterations", "its iteration budget counts the iterations of one local fit, which the "
                    + "driver does not run"),
            Map.entry("itaml", "its inner and outer meta-updates read and write the parameters between minibatches "
                    + "of one task, which a training master averages away"),
            Map.entry("daformer", "it rebuilds the network at every experience (graph surgery) and trains a "
                    + "balanced fine-tuning stage against a teacher held in the driver"),
            Map.entry("l2p", "its prompt-frequency counts come from a listener on the driver's network that "
                    + "workers do not report back, and its train mask swaps the head's loss in the driver"),
            Map.entry("alta", "its context vectors are updated by a listener at every gradient calculation, "
                    + "which on Spark would run on the workers' copies and never be averaged back"),
            Map.entry("atlas", "it rebuilds the network with new adapter branches at every experience and runs "
                    + "its own training step for its two stages, which the Spark backend does not call"),
            Map.entry("ctp", "its momentum model and feature queues are updated after every minibatch from the "
                    + "driver's model, which a training master does not expose"));

    private SparkContinualTrainer() {
    }

    /**
     * @param sc   the Spark context
     * @param net  an initialised network whose last layer is the classifier
     * @param conf the configuration
     * @param tm   the training master (parameter averaging or gradient sharing)
     * @return a trainer whose training and evaluation run on Spark, in {@code sc.defaultParallelism()} partitions
     * @throws UnsupportedOperationException if a plugin of {@code conf} is not supported distributed
     */
    public static ContinualTrainer<MultiLayerNetwork> wrap(JavaSparkContext sc, MultiLayerNetwork net,
                                                           ContinualConfiguration conf, TrainingMaster<?, ?> tm) {
        checkSupported(conf);
        return ContinualTrainer.wrap(net, conf).setBackend(new SparkTrainingBackend(sc, tm, sc.defaultParallelism()));
    }

    /**
     * @param sc    the Spark context
     * @param graph an initialised graph with any number of inputs and one output layer, the classifier
     * @param conf  the configuration
     * @param tm    the training master
     * @return a trainer whose training and evaluation run on Spark, in {@code sc.defaultParallelism()} partitions
     * @throws UnsupportedOperationException if a plugin of {@code conf} is not supported distributed
     */
    public static ContinualTrainer<ComputationGraph> wrap(JavaSparkContext sc, ComputationGraph graph,
                                                          ContinualConfiguration conf, TrainingMaster<?, ?> tm) {
        checkSupported(conf);
        return ContinualTrainer.wrap(graph, conf).setBackend(new SparkTrainingBackend(sc, tm,
                sc.defaultParallelism()));
    }

    /**
     * @param sc                   the Spark context
     * @param graph                an initialised graph with any number of inputs and outputs
     * @param classificationOutput the output layer whose labels are the continual classes
     * @param conf                 the configuration
     * @param tm                   the training master
     * @return a trainer whose training and evaluation run on Spark, in {@code sc.defaultParallelism()} partitions
     * @throws UnsupportedOperationException if a plugin of {@code conf} is not supported distributed
     */
    public static ContinualTrainer<ComputationGraph> wrap(JavaSparkContext sc, ComputationGraph graph,
                                                          String classificationOutput, ContinualConfiguration conf,
                                                          TrainingMaster<?, ?> tm) {
        checkSupported(conf);
        return ContinualTrainer.wrap(graph, classificationOutput, conf).setBackend(new SparkTrainingBackend(sc, tm,
                sc.defaultParallelism()));
    }

    /**
     * A parameter-averaging training master for continual training: every worker trains
     * {@code averagingFrequency} minibatches of {@code batchSizePerWorker} examples, then parameters and updater
     * state are averaged; DL4J exports the minibatches to its temporary directory first (its default approach), in
     * files of {@code batchSizePerWorker} rows, and {@link SparkTrainingBackend} hands it RDDs of whole splits, so
     * every row of the trainer's minibatches is trained, in minibatches of that size.
     *
     * @param batchSizePerWorker examples per minibatch on a worker: the trainer's minibatch size including replay
     *                           rows (e.g. batch 10 + 10 replayed = 20), so that DL4J does not re-split them
     * @param averagingFrequency minibatches between averagings, at least 1
     * @param workers            number of workers (executors × cores), at least 1
     * @return the training master
     * @throws IllegalArgumentException if a value is below 1
     */
    @SuppressWarnings("deprecation")
    public static ParameterAveragingTrainingMaster parameterAveraging(int batchSizePerWorker, int averagingFrequency,
                                                                      int workers) {
        if (batchSizePerWorker < 1 || averagingFrequency < 1 || workers < 1) {
            throw new IllegalArgumentException("batchSizePerWorker, averagingFrequency and workers should be at "
                    + "least 1 (got: " + batchSizePerWorker + ", " + averagingFrequency + ", " + workers + ")");
        }
        // the builder's second argument is the examples per DataSet of the RDD; the workers' minibatch size is set
        // separately (DL4J's default, 16, would re-batch the trainer's minibatches and drop remainders)
        return new ParameterAveragingTrainingMaster.Builder(workers, batchSizePerWorker)
                .batchSizePerWorker(batchSizePerWorker).averagingFrequency(averagingFrequency)
                .workerPrefetchNumBatches(0).saveUpdater(true).build();
    }

    /**
     * Refuses a configuration with a plugin that does not work distributed.
     *
     * @param conf the configuration
     * @throws UnsupportedOperationException naming the first unsupported plugin, why, and what is supported
     */
    public static void checkSupported(ContinualConfiguration conf) {
        Objects.requireNonNull(conf, "conf");
        for (PluginConfiguration p : conf.getPlugins()) {
            if (p instanceof ExperienceReplay && p.getClass() == ExperienceReplay.class
                    || p instanceof CumulativeTraining || p instanceof JointTraining || p instanceof LwfConfiguration) {
                continue;
            }
            if (p instanceof RegularizationConfiguration) {
                RegularizationMethod m = ((RegularizationConfiguration) p).getMethod();
                if (m == RegularizationMethod.EWC || m == RegularizationMethod.ONLINE_EWC
                        || m == RegularizationMethod.MAS) {
                    continue;
                }
            }
            String name = p.name();
            String key = name.startsWith("iterations") ? "iterations" : name;
            for (String prefix : new String[]{"itaml-", "daformer-", "alta-", "atlas-"}) {
                if (key.startsWith(prefix)) {
                    key = prefix.substring(0, prefix.length() - 1);
                }
            }
            String why = REFUSED.getOrDefault(key, "it has not been made to work distributed (its hooks or "
                    + "evaluation heads rely on training in the driver's JVM)");
            throw new UnsupportedOperationException("The plugin '" + name + "' (" + p.getClass().getSimpleName()
                    + ") is not supported on Spark: " + why + ". Supported on Spark: naive, joint, cumulative, er, "
                    + "ewc, online-ewc, mas, lwf");
        }
    }
}
