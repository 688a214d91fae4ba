package io.github.dl4jcontinual.spark;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.eval.AccuracyMetric;
import io.github.dl4jcontinual.eval.MaskedEvaluation;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.trainer.TrainingBackend;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.multilayer.SparkDl4jMultiLayer;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Trains and evaluates on a Spark cluster with DL4J's own Spark classes: {@link SparkDl4jMultiLayer} (a
 * MultiLayerNetwork; the minibatches are converted to {@link DataSet}s) or {@link SparkComputationGraph} (a
 * ComputationGraph; RDDs of {@link MultiDataSet}s, any number of inputs and outputs) under the
 * {@link TrainingMaster} the user chose (parameter averaging or gradient sharing), and their {@code doEvaluation}
 * with the {@link MaskedEvaluation}s of {@link AccuracyMetric#evaluations}. SameDiff models are refused.
 *
 * <p>Training data: each epoch the driver reads the plugin-adapted iterator once — so a replay plugin draws its
 * replay rows from (and feeds) its driver-side buffer exactly as in a local run, and every minibatch carries its
 * replay rows — and parallelises its minibatches (detached copies) into {@link #numPartitions()} partitions, at
 * most {@link #minibatchesPerRdd()} minibatches per RDD: the driver holds one such chunk at a time, never the whole
 * experience. The training master trains each RDD on the executors and leaves the combined parameters in the
 * driver's network object; the files it exported for the RDD are deleted afterwards. Under DL4J's
 * {@link ParameterAveragingTrainingMaster} the RDDs hold a multiple of workers × averaging frequency minibatches
 * (the last one of an epoch: its whole splits, then the rest as an RDD of its own), since DL4J trains at most
 * that many per split and would drop the others; every minibatch is trained.</p>
 *
 * <p>Listeners: those that are {@link Serializable} (the user's own, EWC's {@code PenaltyListener}, LwF's
 * {@code LwfListener}, …) are handed to the training master and fire on the workers, on the workers' copies
 * (figures they accumulate stay there). The others stay on the driver: per epoch they get {@code onEpochStart},
 * one {@code iterationDone} per minibatch trained (the network's inputs and labels set to the minibatch, its score
 * the training master's last score) and {@code onEpochEnd}.</p>
 *
 * <p>Evaluation: each test experience is read in the same chunks, each chunk parallelised and evaluated with
 * {@code doEvaluation} and the evaluations merged on the driver; the counts equal
 * {@link AccuracyMetric#evaluate}'s, sequence outputs included (scored at each example's last unmasked step). DL4J
 * evaluates a graph's first output only, so a graph whose classification output is not its first is evaluated on
 * the driver with {@link AccuracyMetric#evaluate} (logged once).</p>
 */
public final class SparkTrainingBackend implements TrainingBackend {
    /** The default maximum number of minibatches in one RDD. */
    public static final int DEFAULT_MINIBATCHES_PER_RDD = 2048;
    private static final Logger LOG = LoggerFactory.getLogger(SparkTrainingBackend.class);
    private static final String MLN = "MultiLayerNetwork";
    private static final String CG = "ComputationGraph";
    private final JavaSparkContext sc;
    private final TrainingMaster<?, ?> trainingMaster;
    private final int numPartitions;
    private final int minibatchesPerRdd;
    private boolean warnedDriverEvaluation;

    /**
     * @param sc             the Spark context
     * @param trainingMaster how the workers train and combine (e.g. {@code ParameterAveragingTrainingMaster})
     * @param numPartitions  partitions of every training and test RDD, at least 1 (e.g. the number of executors)
     * @throws IllegalArgumentException if {@code numPartitions} is below 1
     */
    public SparkTrainingBackend(JavaSparkContext sc, TrainingMaster<?, ?> trainingMaster, int numPartitions) {
        this(sc, trainingMaster, numPartitions, DEFAULT_MINIBATCHES_PER_RDD);
    }

    /**
     * @param sc                the Spark context
     * @param trainingMaster    how the workers train and combine
     * @param numPartitions     partitions of every training and test RDD, at least 1
     * @param minibatchesPerRdd the most minibatches the driver collects into one RDD, at least 1 (under parameter
     *                          averaging rounded down to a multiple of workers × averaging frequency, at least one
     *                          such multiple)
     * @throws IllegalArgumentException if a value is below 1
     */
    public SparkTrainingBackend(JavaSparkContext sc, TrainingMaster<?, ?> trainingMaster, int numPartitions,
                                int minibatchesPerRdd) {
        this.sc = Objects.requireNonNull(sc, "sc");
        this.trainingMaster = Objects.requireNonNull(trainingMaster, "trainingMaster");
        if (numPartitions < 1) {
            throw new IllegalArgumentException("numPartitions should be at least 1 (got: " + numPartitions + ")");
        }
        if (minibatchesPerRdd < 1) {
            throw new IllegalArgumentException("minibatchesPerRdd should be at least 1 (got: " + minibatchesPerRdd
                    + ")");
        }
        this.numPartitions = numPartitions;
        this.minibatchesPerRdd = minibatchesPerRdd;
    }

    /** @return the Spark context */
    public JavaSparkContext sparkContext() {
        return sc;
    }

    /** @return the training master */
    public TrainingMaster<?, ?> trainingMaster() {
        return trainingMaster;
    }

    /** @return partitions of the RDDs this backend creates */
    public int numPartitions() {
        return numPartitions;
    }

    /** @return the most minibatches in one RDD */
    public int minibatchesPerRdd() {
        return minibatchesPerRdd;
    }

    /**
     * {@inheritDoc}
     *
     * @throws UnsupportedOperationException for a SameDiff model
     * @throws IllegalArgumentException      if the data is empty or cannot be reset for a second epoch
     */
    @Override
    public void fit(ContinualModel model, MultiDataSetIterator data, int epochs, List<TrainingListener> listeners) {
        checkKind(model, "training");
        List<TrainingListener> remote = new ArrayList<>();
        List<TrainingListener> driver = new ArrayList<>();
        for (TrainingListener l : listeners) {
            (l instanceof Serializable ? remote : driver).add(l);
        }
        for (int epoch = 0; epoch < epochs; epoch++) {
            if (epoch > 0 || !data.hasNext()) {
                if (!data.resetSupported()) {
                    throw new IllegalArgumentException("The training data cannot be reset for epoch " + (epoch + 1)
                            + " of " + epochs);
                }
                data.reset();
            }
            Model net = model.network();
            for (TrainingListener l : driver) {
                l.onEpochStart(net);
            }
            int it = 0;
            double score = Double.NaN;
            int align = alignment();
            int size = Math.max(align, minibatchesPerRdd / align * align);
            List<MultiDataSet> chunk = chunk(data, size);
            if (chunk.isEmpty()) {
                throw new IllegalArgumentException("The training data gave no minibatch: nothing to distribute");
            }
            while (!chunk.isEmpty()) {
                // a short (last) chunk: its whole splits, then the remainder as an RDD of its own
                int whole = chunk.size() / align * align;
                List<List<MultiDataSet>> rdds = whole == 0 || whole == chunk.size() ? List.of(chunk)
                        : List.of(new ArrayList<>(chunk.subList(0, whole)),
                        new ArrayList<>(chunk.subList(whole, chunk.size())));
                for (List<MultiDataSet> batches : rdds) {
                    try {
                        score = fitOnce(model, batches, remote);
                    } finally {
                        // the minibatches a training master exported for this RDD
                        trainingMaster.deleteTempFiles(sc);
                    }
                }
                net = model.network();
                for (MultiDataSet ds : chunk) {
                    if (!driver.isEmpty()) {
                        setInput(model, ds);
                    }
                    for (TrainingListener l : driver) {
                        l.iterationDone(net, it, epoch);
                    }
                    it++;
                }
                chunk = chunk.size() < size ? List.of() : chunk(data, size);
            }
            net.clear();
            setScore(model, score);
            for (TrainingListener l : driver) {
                l.onEpochEnd(net);
            }
        }
    }

    /** The next at most {@code size} minibatches of {@code data}, detached copies. */
    private static List<MultiDataSet> chunk(MultiDataSetIterator data, int size) {
        List<MultiDataSet> out = new ArrayList<>();
        while (out.size() < size && data.hasNext()) {
            out.add(Batches.copy(data.next()));
        }
        return out;
    }

    /**
     * The number of minibatches an RDD should be a multiple of for the training master to train all of them:
     * DL4J's parameter averaging splits an RDD of n minibatches into ⌊n / (workers × averaging frequency)⌋ splits
     * and trains at most {@code averagingFrequency} minibatches per worker and split, so the minibatches beyond
     * whole splits would be dropped; 1 for other masters.
     */
    private int alignment() {
        if (trainingMaster instanceof ParameterAveragingTrainingMaster) {
            ParameterAveragingTrainingMaster p = (ParameterAveragingTrainingMaster) trainingMaster;
            int workers = p.getNumWorkers() == null ? sc.defaultParallelism() : p.getNumWorkers();
            return Math.max(1, workers * p.getAveragingFrequency());
        }
        return 1;
    }

    private double fitOnce(ContinualModel model, List<MultiDataSet> batches, List<TrainingListener> remote) {
        int parts = Math.min(numPartitions, batches.size());
        if (MLN.equals(model.kind())) {
            SparkDl4jMultiLayer s = new SparkDl4jMultiLayer(sc, model.unwrap(MultiLayerNetwork.class),
                    trainingMaster);
            s.setListeners(remote);
            s.fit(sc.parallelize(asDataSets(batches), parts));
            return s.getScore();
        }
        SparkComputationGraph s = new SparkComputationGraph(sc, model.unwrap(ComputationGraph.class), trainingMaster);
        s.setListeners(remote);
        s.fitMultiDataSet(sc.parallelize(batches, parts));
        return s.getScore();
    }

    private static List<DataSet> asDataSets(List<MultiDataSet> batches) {
        List<DataSet> out = new ArrayList<>(batches.size());
        for (MultiDataSet b : batches) {
            out.add(Batches.toDataSet(b));
        }
        return out;
    }

    private static void setInput(ContinualModel model, MultiDataSet ds) {
        if (MLN.equals(model.kind())) {
            MultiLayerNetwork net = model.unwrap(MultiLayerNetwork.class);
            net.setInput(ds.getFeatures(0));
            net.setLabels(ds.getLabels(0));
        } else {
            ComputationGraph g = model.unwrap(ComputationGraph.class);
            g.setInputs(ds.getFeatures());
            g.setLabels(ds.getLabels());
        }
    }

    private static void setScore(ContinualModel model, double score) {
        if (MLN.equals(model.kind())) {
            model.unwrap(MultiLayerNetwork.class).setScore(score);
        } else {
            model.unwrap(ComputationGraph.class).setScore(score);
        }
    }

    private static void checkKind(ContinualModel model, String what) {
        if (!MLN.equals(model.kind()) && !CG.equals(model.kind())) {
            throw new UnsupportedOperationException("Spark " + what + " needs a MultiLayerNetwork or a "
                    + "ComputationGraph (DL4J's SparkDl4jMultiLayer / SparkComputationGraph); got a " + model.kind());
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws UnsupportedOperationException for a SameDiff model
     */
    @Override
    public long[][] evaluate(ContinualModel model, List<Experience> test, int numClasses, int[] classIlAllowed,
                             int batchSize) {
        checkKind(model, "evaluation");
        int headSize = model.headSize();
        if (model.classificationOutput() != 0) {
            if (!warnedDriverEvaluation) {
                LOG.info("The classification output {} is output {} of the graph; DL4J's Spark evaluation scores "
                        + "output 0 only, so the test stream is evaluated on the driver",
                        model.classificationOutputName(), model.classificationOutput());
                warnedDriverEvaluation = true;
            }
            return AccuracyMetric.evaluate(model::classScores, headSize, test, numClasses, classIlAllowed, batchSize);
        }
        long[] classIl = new long[test.size()];
        long[] taskIl = new long[test.size()];
        for (int j = 0; j < test.size(); j++) {
            Experience e = test.get(j);
            MaskedEvaluation[] ev = AccuracyMetric.evaluations(e, numClasses, headSize, classIlAllowed);
            List<Integer> defined = new ArrayList<>();
            for (int i = 0; i < ev.length; i++) {
                if (ev[i] != null) {
                    ev[i] = new LastStepEvaluation(numClasses, ev[i].headSize(), ev[i].allowedClasses());
                    defined.add(i);
                }
            }
            long[] counts = {-1, -1};
            if (!defined.isEmpty()) {
                MultiDataSetIterator it = e.iterator(batchSize, false, 0);
                List<MultiDataSet> chunk = chunk(it, minibatchesPerRdd);
                while (!chunk.isEmpty()) {
                    MaskedEvaluation[] fresh = new MaskedEvaluation[defined.size()];
                    for (int k = 0; k < fresh.length; k++) {
                        fresh[k] = (MaskedEvaluation) ev[defined.get(k)].newInstance();
                    }
                    MaskedEvaluation[] done = doEvaluation(model, chunk, batchSize, fresh);
                    for (int k = 0; k < done.length; k++) {
                        ev[defined.get(k)].merge(done[k]);
                    }
                    chunk = chunk(it, minibatchesPerRdd);
                }
                for (int i : defined) {
                    counts[i] = ev[i].correct();
                }
            }
            classIl[j] = counts[0];
            taskIl[j] = counts[1];
        }
        return new long[][]{classIl, taskIl};
    }

    private MaskedEvaluation[] doEvaluation(ContinualModel model, List<MultiDataSet> batches, int batchSize,
                                            MaskedEvaluation[] evaluations) {
        int parts = Math.min(numPartitions, batches.size());
        if (MLN.equals(model.kind())) {
            JavaRDD<DataSet> rdd = sc.parallelize(asDataSets(batches), parts);
            return new SparkDl4jMultiLayer(sc, model.unwrap(MultiLayerNetwork.class), trainingMaster)
                    .doEvaluation(rdd, batchSize, evaluations);
        }
        JavaRDD<MultiDataSet> rdd = sc.parallelize(batches, parts);
        return new SparkComputationGraph(sc, model.unwrap(ComputationGraph.class), trainingMaster)
                .doEvaluationMDS(rdd, batchSize, evaluations);
    }
}
