package io.github.dl4jcontinual.spark;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.eval.MaskedEvaluation;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.ExperienceStream;
import io.github.dl4jcontinual.trainer.StreamEvaluator;
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
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Trains and evaluates on a Spark cluster with DL4J's own Spark classes: {@link SparkDl4jMultiLayer} or
 * {@link SparkComputationGraph} under the {@link TrainingMaster} the user chose (parameter averaging or gradient
 * sharing), and their {@code doEvaluation} with the trainer's {@link MaskedEvaluation}s.
 *
 * <p>Training data: each epoch the driver runs the plugin-adapted iterator once — so a replay plugin draws its
 * replay rows from (and feeds) its driver-side buffer exactly as in a local run, and every minibatch carries its
 * replay rows — and parallelises the resulting minibatches (detached copies) into {@link #numPartitions()}
 * partitions. The training master then trains the partitions on the executors and leaves the averaged parameters
 * in the driver's network object; the files it exported for the epoch are deleted afterwards.</p>
 *
 * <p>Listeners: those that are {@link Serializable} (the user's own, EWC's {@code PenaltyListener}, LwF's
 * {@code LwfListener}, …) are handed to the training master and fire on the workers, on the workers' copies
 * (figures they accumulate stay there). The others (the trainer's progress monitor) stay on the driver: after
 * each distributed epoch they get {@code onEpochStart}, one {@code iterationDone} per minibatch of that epoch
 * (the model's input and labels set to the minibatch, its score the training master's last score) and {@code onEpochEnd}.</p>
 *
 * <p>Evaluation: each test experience's minibatches are parallelised and evaluated with
 * {@code doEvaluation(rdd, batchSize, classIl, taskIl)}; the counts equal the local evaluator's.</p>
 */
public final class SparkTrainingBackend implements TrainingBackend {
    private final JavaSparkContext sc;
    private final TrainingMaster<?, ?> trainingMaster;
    private final int numPartitions;

    /**
     * @param sc             the Spark context
     * @param trainingMaster how the workers train and combine (e.g. {@code ParameterAveragingTrainingMaster})
     * @param numPartitions  partitions of every training and test RDD, at least 1 (e.g. the number of executors)
     * @throws IllegalArgumentException if {@code numPartitions} is below 1
     */
    public SparkTrainingBackend(JavaSparkContext sc, TrainingMaster<?, ?> trainingMaster, int numPartitions) {
        this.sc = Objects.requireNonNull(sc, "sc");
        this.trainingMaster = Objects.requireNonNull(trainingMaster, "trainingMaster");
        if (numPartitions < 1) {
            throw new IllegalArgumentException("numPartitions should be at least 1 (got: " + numPartitions + ")");
        }
        this.numPartitions = numPartitions;
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

    /**
     * One pass over {@code data} on the driver, as an RDD of its minibatches (detached copies, pre-processors
     * applied), in {@link #numPartitions()} partitions. The iterator is not reset before or after.
     *
     * @param data the minibatches
     * @return the RDD
     * @throws IllegalArgumentException if the iterator has no minibatch
     */
    public JavaRDD<DataSet> toRdd(DataSetIterator data) {
        List<DataSet> batches = DataSets.minibatches(data, true);
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("The iterator gave no minibatch: nothing to distribute");
        }
        return sc.parallelize(batches, Math.min(numPartitions, batches.size()));
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException if the model is neither a {@code MultiLayerNetwork} nor a
     *                                  {@code ComputationGraph}, or the data is empty or cannot be reset for a
     *                                  second epoch
     */
    @Override
    public void fit(Model model, DataSetIterator data, int epochs, List<TrainingListener> listeners) {
        List<TrainingListener> remote = new ArrayList<>();
        List<TrainingListener> driver = new ArrayList<>();
        for (TrainingListener l : listeners) {
            (l instanceof Serializable ? remote : driver).add(l);
        }
        for (int epoch = 0; epoch < epochs; epoch++) {
            if (epoch > 0) {
                if (!data.resetSupported()) {
                    throw new IllegalArgumentException("The training data cannot be reset for epoch " + (epoch + 1)
                            + " of " + epochs);
                }
                data.reset();
            }
            List<DataSet> batches = DataSets.minibatches(data, true);
            if (batches.isEmpty()) {
                throw new IllegalArgumentException("The training data gave no minibatch: nothing to distribute");
            }
            JavaRDD<DataSet> rdd = sc.parallelize(batches, Math.min(numPartitions, batches.size()));
            for (TrainingListener l : driver) {
                l.onEpochStart(model);
            }
            double score;
            try {
                score = fitOnce(model, rdd, remote);
            } finally {
                // the minibatches a training master exported for this epoch
                trainingMaster.deleteTempFiles(sc);
            }
            int it = 0;
            for (DataSet ds : batches) {
                setInput(model, ds);
                for (TrainingListener l : driver) {
                    l.iterationDone(model, it, epoch);
                }
                it++;
            }
            model.clear();
            setScore(model, score);
            for (TrainingListener l : driver) {
                l.onEpochEnd(model);
            }
        }
    }

    private double fitOnce(Model model, JavaRDD<DataSet> rdd, List<TrainingListener> remote) {
        if (model instanceof MultiLayerNetwork) {
            SparkDl4jMultiLayer s = new SparkDl4jMultiLayer(sc, (MultiLayerNetwork) model, trainingMaster);
            s.setListeners(remote);
            s.fit(rdd);
            setScore(model, s.getScore());
            return s.getScore();
        }
        if (model instanceof ComputationGraph) {
            SparkComputationGraph s = new SparkComputationGraph(sc, (ComputationGraph) model, trainingMaster);
            s.setListeners(remote);
            s.fit(rdd);
            return s.getScore();
        }
        throw new IllegalArgumentException("Spark training needs a MultiLayerNetwork or a ComputationGraph (got: "
                + (model == null ? "null" : model.getClass().getName()) + ")");
    }

    private static void setInput(Model model, DataSet ds) {
        if (model instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) model).setInput(ds.getFeatures());
            ((MultiLayerNetwork) model).setLabels(ds.getLabels());
        } else {
            ((ComputationGraph) model).setInput(0, ds.getFeatures());
            ((ComputationGraph) model).setLabels(ds.getLabels());
        }
    }

    private static void setScore(Model model, double score) {
        if (model instanceof MultiLayerNetwork) {
            ((MultiLayerNetwork) model).setScore(score);
        } else if (model instanceof ComputationGraph) {
            ((ComputationGraph) model).setScore(score);
        }
    }

    @Override
    public long[][] evaluate(Model model, int headSize, ExperienceStream test, int numClasses, int[] classIlAllowed,
                             int batchSize) {
        long[] classIl = new long[test.size()];
        long[] taskIl = new long[test.size()];
        int first = test.get(0).index();
        for (Experience e : test) {
            MaskedEvaluation[] ev = StreamEvaluator.evaluations(e, numClasses, headSize, classIlAllowed);
            List<MaskedEvaluation> todo = new ArrayList<>();
            for (MaskedEvaluation m : ev) {
                if (m != null) {
                    todo.add(m);
                }
            }
            long[] counts = new long[]{-1, -1};
            if (!todo.isEmpty()) {
                JavaRDD<DataSet> rdd = toRdd(e.iterator(batchSize, false, 0));
                MaskedEvaluation[] done = doEvaluation(model, rdd, batchSize, todo.toArray(new MaskedEvaluation[0]));
                int k = 0;
                for (int i = 0; i < 2; i++) {
                    if (ev[i] != null) {
                        counts[i] = done[k++].correct();
                    }
                }
            }
            classIl[e.index() - first] = counts[0];
            taskIl[e.index() - first] = counts[1];
        }
        return new long[][]{classIl, taskIl};
    }

    private MaskedEvaluation[] doEvaluation(Model model, JavaRDD<DataSet> rdd, int batchSize,
                                            MaskedEvaluation[] evaluations) {
        if (model instanceof MultiLayerNetwork) {
            return new SparkDl4jMultiLayer(sc, (MultiLayerNetwork) model, trainingMaster)
                    .doEvaluation(rdd, batchSize, evaluations);
        }
        if (model instanceof ComputationGraph) {
            return new SparkComputationGraph(sc, (ComputationGraph) model, trainingMaster)
                    .doEvaluation(rdd, batchSize, evaluations);
        }
        throw new IllegalArgumentException("Spark evaluation needs a MultiLayerNetwork or a ComputationGraph (got: "
                + (model == null ? "null" : model.getClass().getName()) + ")");
    }
}
