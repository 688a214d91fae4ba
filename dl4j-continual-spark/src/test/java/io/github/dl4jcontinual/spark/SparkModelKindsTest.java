package io.github.dl4jcontinual.spark;

import io.github.dl4jcontinual.eval.AccuracyMetric;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SyntheticData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark backend beyond a single-input MLP (synthetic data, {@code local[2]}): a two-input, two-output graph
 * trained from RDDs of MultiDataSets, and sequence classification, whose distributed evaluation scores each
 * example's last unmasked step exactly as the trainer's {@link AccuracyMetric}.
 */
class SparkModelKindsTest {

    /** Two inputs (the blob's first and last 3 features) and two outputs: "cls" (output 0) and "aux" (MSE). */
    private static ComputationGraph twoInTwoOut(boolean classifierFirst) {
        NeuralNetConfiguration.Builder b = new NeuralNetConfiguration.Builder().seed(5).updater(new Sgd(0.1))
                .weightInit(WeightInit.XAVIER);
        org.deeplearning4j.nn.conf.ComputationGraphConfiguration.GraphBuilder g = b.graphBuilder()
                .addInputs("a", "b")
                .addLayer("ha", new DenseLayer.Builder().nIn(3).nOut(8).activation(Activation.TANH).build(), "a")
                .addLayer("hb", new DenseLayer.Builder().nIn(3).nOut(8).activation(Activation.TANH).build(), "b")
                .addVertex("m", new MergeVertex(), "ha", "hb")
                .addLayer("cls", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "m")
                .addLayer("aux", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(16).nOut(1)
                        .activation(Activation.IDENTITY).build(), "m");
        g = classifierFirst ? g.setOutputs("cls", "aux") : g.setOutputs("aux", "cls");
        ComputationGraph graph = new ComputationGraph(g.build());
        graph.init();
        return graph;
    }

    /** Blobs of 4 classes split into two inputs, with an auxiliary regression target (the first feature). */
    private static MultiDataSet twoInputBlobs(long noise, boolean classesFirst) {
        DataSet d = SyntheticData.blobs(4, 40, 6, 11, noise);
        INDArray x = d.getFeatures();
        INDArray a = x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3)).dup();
        INDArray b = x.get(NDArrayIndex.all(), NDArrayIndex.interval(3, 6)).dup();
        INDArray aux = x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1)).dup();
        INDArray[] labels = classesFirst ? new INDArray[]{d.getLabels(), aux} : new INDArray[]{aux, d.getLabels()};
        return new MultiDataSet(new INDArray[]{a, b}, labels);
    }

    private static List<Experience> list(Scenario s) {
        List<Experience> l = new ArrayList<>();
        s.testStream().forEach(l::add);
        return l;
    }

    @Test
    void aTwoInputTwoOutputGraphTrainsFromMultiDataSetRdds() {
        Scenario scenario = new ClassIncrementalScenario.Builder().train(twoInputBlobs(1, true))
                .test(twoInputBlobs(2, true)).numExperiences(2).name("blobs-2in-2out").build();
        ComputationGraph graph = twoInTwoOut(true);
        INDArray auxBefore = graph.getLayer("aux").params().dup();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(8).epochsPerExperience(3)
                .seed(5).progress(false).build();
        ContinualTrainer<ComputationGraph> trainer = SparkContinualTrainer.wrap(LocalSpark.context(), graph, "cls",
                conf, SparkContinualTrainer.parameterAveraging(8, 2, 2));
        ContinualResult r = trainer.fit(scenario);
        // both outputs were trained: the classifier learns each experience, the regression head moved
        for (int i = 0; i < 2; i++) {
            assertTrue(r.taskIncremental().get(i, i) > 0.9, "task-IL on experience " + i + " after it: "
                    + r.taskIncremental().get(i, i));
        }
        assertNotEquals(0, trainer.getModel().getLayer("aux").params().sub(auxBefore).norm2Number().doubleValue());
        assertTrue(r.experiences().get(1).examplesSeen() >= 3 * 80, "examples " + r.experiences().get(1).examplesSeen());

        // output 0 is the classifier: DL4J's MultiDataSet evaluation on the workers equals the local metric
        ContinualModel model = trainer.continualModel();
        SparkTrainingBackend backend = (SparkTrainingBackend) trainer.getBackend();
        int[] seen = {0, 1, 2, 3};
        long[][] local = AccuracyMetric.evaluate(model::classScores, 4, list(scenario), 4, seen, 16);
        long[][] remote = backend.evaluate(model, list(scenario), 4, seen, 16);
        assertArrayEquals(local[0], remote[0]);
        assertArrayEquals(local[1], remote[1]);

        // a classifier that is not the first output is evaluated on the driver, with the same counts
        Scenario second = new ClassIncrementalScenario.Builder().train(twoInputBlobs(1, false))
                .test(twoInputBlobs(2, false)).classificationOutput(1).numExperiences(2).name("aux-first").build();
        ContinualModel other = ContinualModel.of(twoInTwoOut(false), "cls");
        assertEquals(1, other.classificationOutput());
        long[][] l2 = AccuracyMetric.evaluate(other::classScores, 4, list(second), 4, seen, 16);
        long[][] r2 = backend.evaluate(other, list(second), 4, seen, 16);
        assertArrayEquals(l2[0], r2[0]);
        assertArrayEquals(l2[1], r2[1]);
    }

    /**
     * Sequences [n, 3, 6] of 4 classes whose lengths vary (2 to 6 steps, masked after); a class shows only in the
     * mean of its steps, and each step's label is the class.
     */
    private static MultiDataSet sequences(int n, long seed) {
        Random rng = new Random(seed);
        int t = 6;
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, 3, t);
        INDArray y = Nd4j.zeros(DataType.FLOAT, n, 4, t);
        INDArray mask = Nd4j.zeros(DataType.FLOAT, n, t);
        int[] cls = new int[n];
        for (int i = 0; i < n; i++) {
            cls[i] = i % 4;
            int len = 2 + rng.nextInt(t - 1);
            for (int s = 0; s < len; s++) {
                for (int f = 0; f < 3; f++) {
                    x.putScalar(new long[]{i, f, s}, (cls[i] == f ? 1.5 : 0) + (cls[i] == 3 ? -1 : 0)
                            + rng.nextGaussian());
                }
                y.putScalar(new long[]{i, cls[i], s}, 1);
                mask.putScalar(i, s, 1);
            }
        }
        return new MultiDataSet(new INDArray[]{x}, new INDArray[]{y}, new INDArray[]{mask}, new INDArray[]{mask});
    }

    @Test
    void sequenceClassificationIsScoredAtTheLastUnmaskedStepOnTheWorkersToo() {
        MultiLayerNetwork rnn = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(6)
                .updater(new Sgd(0.2)).weightInit(WeightInit.XAVIER).list()
                .layer(new LSTM.Builder().nIn(3).nOut(12).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(12).nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .build());
        rnn.init();
        Scenario scenario = new ClassIncrementalScenario.Builder().train(sequences(160, 1))
                .test(sequences(80, 2)).numExperiences(2).name("sequences").build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(8).epochsPerExperience(2)
                .seed(6).progress(false).build();
        ContinualTrainer<MultiLayerNetwork> trainer = SparkContinualTrainer.wrap(LocalSpark.context(), rnn, conf,
                SparkContinualTrainer.parameterAveraging(8, 2, 2));
        ContinualResult r = trainer.fit(scenario);
        assertEquals(2, r.classIncremental().rows());
        assertTrue(r.taskIncremental().get(1, 1) > 0.6, "task-IL on the second experience after it: "
                + r.taskIncremental().get(1, 1));

        ContinualModel model = trainer.continualModel();
        SparkTrainingBackend backend = (SparkTrainingBackend) trainer.getBackend();
        int[] seen = {0, 1, 2, 3};
        long[][] local = AccuracyMetric.evaluate(model::classScores, 4, list(scenario), 4, seen, 16);
        long[][] remote = backend.evaluate(model, list(scenario), 4, seen, 16);
        assertArrayEquals(local[0], remote[0]);
        assertArrayEquals(local[1], remote[1]);
    }
}
