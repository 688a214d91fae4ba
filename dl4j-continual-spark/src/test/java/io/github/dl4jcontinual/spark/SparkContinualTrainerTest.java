package io.github.dl4jcontinual.spark;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.AccuracyMetric;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualListener;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.apache.spark.TaskContext;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import org.nd4j.linalg.dataset.DataSet;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SparkContinualTrainerTest {

    /**
     * A user's listener: on the workers it counts, per Spark task, the rows of every minibatch and the rows of
     * classes below {@link #oldClasses} (replayed ones once the stream has moved past them). Static maps: in
     * {@code local[2]} the workers' deserialised copies run in this JVM.
     */
    static final class CountingListener extends BaseTrainingListener implements Serializable {
        private static final long serialVersionUID = 1L;
        static final Map<Long, long[]> PER_TASK = new ConcurrentHashMap<>();
        static final Set<String> THREADS = ConcurrentHashMap.newKeySet();
        static final AtomicLong ITERATIONS = new AtomicLong();
        static final AtomicLong STEPS = new AtomicLong();
        static final Set<Integer> PARTITIONS = ConcurrentHashMap.newKeySet();
        static volatile int oldClasses;

        @Override
        public void onGradientCalculation(Model model) {
            TaskContext task = TaskContext.get();
            if (task == null) {
                return;
            }
            INDArray y = ((MultiLayerNetwork) model).getLabels();
            long old = 0;
            for (int c : DataSets.classIds(y)) {
                if (c < oldClasses) {
                    old++;
                }
            }
            long[] counts = PER_TASK.computeIfAbsent(task.taskAttemptId(), k -> new long[2]);
            synchronized (counts) {
                counts[0] += y.rows();
                counts[1] += old;
            }
            PARTITIONS.add(task.partitionId());
            STEPS.incrementAndGet();
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            ITERATIONS.incrementAndGet();
            THREADS.add(Thread.currentThread().getName());
        }

        static void reset(int old) {
            PER_TASK.clear();
            THREADS.clear();
            PARTITIONS.clear();
            ITERATIONS.set(0);
            STEPS.set(0);
            oldClasses = old;
        }
    }

    private static DataSet classesBelow(int n, DataSet d) {
        int[] ids = DataSets.classIds(d.getLabels());
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < n) {
                keep.add(i);
            }
        }
        int[] rows = keep.stream().mapToInt(Integer::intValue).toArray();
        return new DataSet(d.getFeatures().getRows(rows), d.getLabels().getRows(rows));
    }

    private static Scenario smallSplitMnist(int trainPerExperience) {
        return new ClassIncrementalScenario.Builder()
                .train(SharedData.head(SharedData.mnistTrain(), 5 * trainPerExperience))
                .test(SharedData.head(SharedData.mnistTest(), 1000)).numExperiences(5).name("split-mnist-small")
                .build();
    }

    @Test
    void userListenerFiresOnTheWorkersAndReplayRowsReachEveryPartition() {
        Scenario scenario = new ClassIncrementalScenario.Builder()
                .train(classesBelow(4, SharedData.head(SharedData.mnistTrain(), 5000)))
                .test(classesBelow(4, SharedData.head(SharedData.mnistTest(), 1000)))
                .experienceClasses(new int[]{0, 1}, new int[]{2, 3}).name("mnist-0123").build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(1).progress(false)
                .plugin(new ExperienceReplay.Builder().bufferSize(100).replayBatch(10).build()).build();
        MultiLayerNetwork net = LocalSpark.mlp(1, 0.05, 4);
        net.setListeners(new CountingListener());
        ContinualTrainer<MultiLayerNetwork> trainer = SparkContinualTrainer.wrap(LocalSpark.context(), net, conf,
                SparkContinualTrainer.parameterAveraging(20, 5, 2));
        long[] firstIterations = new long[1];
        Set<String> firstThreads = ConcurrentHashMap.newKeySet();
        trainer.addListener(new ContinualListener() {
            @Override
            public void onExperienceEnd(ExperienceResult r, AccuracyMatrix c, AccuracyMatrix t) {
                if (r.experience() == 0) {
                    firstIterations[0] = CountingListener.ITERATIONS.get();
                    firstThreads.addAll(CountingListener.THREADS);
                    CountingListener.reset(2);
                }
            }
        });
        CountingListener.reset(2);
        ContinualResult result = trainer.fit(scenario);
        // the user's listener (set on the network) fired on executor threads only
        assertTrue(firstIterations[0] > 0, "the user's listener never fired");
        assertTrue(firstThreads.stream().allMatch(t -> t.startsWith("Executor task launch worker")),
                "the listener fired outside the executors: " + firstThreads);
        // experience 1 trains classes 2 and 3; classes 0 and 1 can only come from the driver's replay buffer
        assertTrue(CountingListener.PER_TASK.size() >= 2, "fewer than 2 training tasks: " + CountingListener.PER_TASK.size());
        assertTrue(CountingListener.PARTITIONS.size() >= 2, "one partition only: " + CountingListener.PARTITIONS);
        long replayed = 0;
        long rows = 0;
        for (Map.Entry<Long, long[]> e : CountingListener.PER_TASK.entrySet()) {
            assertTrue(e.getValue()[1] > 0, "task " + e.getKey() + " trained " + e.getValue()[0]
                    + " rows without a replayed one");
            // ER joins 10 replay rows to every 10 current rows; its reservoir also takes in classes 2 and 3 during
            // the experience, so the share of classes 0 and 1 falls from 1/2 towards 1/4 (up to the reservoir's
            // randomness and the experience's short last minibatch)
            double share = (double) e.getValue()[1] / e.getValue()[0];
            assertTrue(share > 0.1 && share < 0.6, "replayed share in task " + e.getKey() + ": " + share);
            replayed += e.getValue()[1];
            rows += e.getValue()[0];
        }
        assertTrue(replayed > 0.25 * rows, "replayed rows: " + replayed + " of " + rows);
        // every row the driver read (current and replayed) was trained on a worker, in the trainer's minibatches
        assertEquals(result.experiences().get(1).examplesSeen(), rows, "rows trained on the workers");
        assertEquals((rows + 19) / 20, CountingListener.STEPS.get(), "minibatches of 10 + 10 rows");
        assertEquals(2, result.classIncremental().rows());
    }

    @Test
    void refusesPathIntegralStrategiesNamingThem() {
        ContinualConfiguration conf = new ContinualConfiguration.Builder().plugin(
                new RegularizationConfiguration.Builder(RegularizationMethod.SI).lambda(1).xi(0.9).build()).build();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> SparkContinualTrainer.checkSupported(conf));
        assertTrue(e.getMessage().contains("'si'") && e.getMessage().contains("path integral")
                && e.getMessage().contains("Supported on Spark: naive"), e.getMessage());
        SparkContinualTrainer.checkSupported(new ContinualConfiguration.Builder().plugin(
                new RegularizationConfiguration.Builder(RegularizationMethod.EWC).lambda(90).build()).build());
    }

    @Test
    void refusesMetaLearningWithItsReason() {
        ContinualConfiguration conf = new ContinualConfiguration.Builder().plugin(
                new io.github.dl4jcontinual.metalearning.ItamlConfiguration.Builder().build()).build();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> SparkContinualTrainer.checkSupported(conf));
        assertTrue(e.getMessage().contains("'itaml-") && e.getMessage().contains("meta-updates"), e.getMessage());
    }

    @Test
    void distributedEvaluationEqualsTheLocalOneAndSplitMnistLearns() {
        Scenario scenario = smallSplitMnist(1000);
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(3).progress(false)
                .plugin(new ExperienceReplay.Builder().bufferSize(200).replayBatch(10).build()).build();
        MultiLayerNetwork net = LocalSpark.mlp(3, 0.05, 10);
        ContinualTrainer<MultiLayerNetwork> trainer = SparkContinualTrainer.wrap(LocalSpark.context(), net, conf,
                SparkContinualTrainer.parameterAveraging(20, 5, 2));
        ContinualResult r = trainer.fit(scenario);
        AccuracyMatrix m = r.classIncremental();
        assertEquals(5, m.rows());
        // ER with 200 slots on 1000 examples per experience: far above the 20 % of a model that forgot everything
        assertTrue(m.finalAverageAccuracy() > 0.5, "class-IL final accuracy " + m.finalAverageAccuracy());
        assertTrue(r.experiences().get(4).examplesSeen() > 1000, "the driver's monitor saw no iteration");

        SparkTrainingBackend backend = (SparkTrainingBackend) trainer.getBackend();
        ContinualModel model = trainer.continualModel();
        List<Experience> test = new ArrayList<>();
        scenario.testStream().forEach(test::add);
        int[] all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        long[][] remote = backend.evaluate(model, test, 10, all, 100);
        long[][] local = AccuracyMetric.evaluate(model::classScores, 10, test, 10, all, 100);
        assertArrayEquals(local[0], remote[0]);
        assertArrayEquals(local[1], remote[1]);
        // in chunks of 3 minibatches per RDD (several RDDs per test experience, evaluations merged): the same
        SparkTrainingBackend chunked = new SparkTrainingBackend(LocalSpark.context(), backend.trainingMaster(), 2, 3);
        long[][] merged = chunked.evaluate(model, test, 10, all, 100);
        assertArrayEquals(local[0], merged[0]);
        assertArrayEquals(local[1], merged[1]);
        assertNotNull(r.toJson());
    }

    @Test
    void computationGraphTrainsThroughSparkComputationGraph() {
        ComputationGraph graph = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(4)
                .updater(new Sgd(0.05)).weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(784).nOut(50).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(50).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build());
        graph.init();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(4).progress(false)
                .build();
        ContinualResult r = SparkContinualTrainer.wrap(LocalSpark.context(), graph, conf,
                SparkContinualTrainer.parameterAveraging(10, 5, 2)).fit(smallSplitMnist(1000));
        // naive fine-tuning: each experience is learnt (its task-IL cell right after training; chance 0.5)
        double mean = 0;
        for (int i = 0; i < 5; i++) {
            assertTrue(r.taskIncremental().get(i, i) > 0.7, "task-IL accuracy on experience " + i + " after it: "
                    + r.taskIncremental().get(i, i));
            mean += r.taskIncremental().get(i, i) / 5;
        }
        assertTrue(mean > 0.85, "mean task-IL accuracy on each experience after it: " + mean);
    }
}
