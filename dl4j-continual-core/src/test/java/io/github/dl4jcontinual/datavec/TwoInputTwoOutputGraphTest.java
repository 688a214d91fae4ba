package io.github.dl4jcontinual.datavec;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.MnistFiles;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A two-input, two-output {@code ComputationGraph} on real MNIST (the first 600 training and 200 test images of every
 * class): inputs "top" and "bottom" are the upper and lower 14 rows of the image, each through its own dense layer,
 * merged; outputs "parity" (an auxiliary even/odd head, label array 0) and "digit" (the continual classes, label
 * array 1), wrapped with {@code ContinualTrainer.wrap(graph, "digit", conf)}. Split-MNIST 5x2, SGD 0.05, batch 16,
 * 1 epoch, seeds 1 (model) and 7 (trainer). ER must learn class-IL well above Naive and keep the auxiliary output
 * trained (its labels travel with the replayed rows); EWC, not a class-IL method, must keep task-IL above Naive.
 */
class TwoInputTwoOutputGraphTest {
    private static MultiDataSet train;
    private static MultiDataSet test;
    private static ContinualResult naive;
    private static double naiveParity;
    private static double lastParity;

    /** Inputs: the top and bottom 14 rows of the image; labels: [parity one-hot, digit one-hot]. */
    static MultiDataSet split(DataSet ds) {
        INDArray f = ds.getFeatures();
        INDArray top = f.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 392)).dup();
        INDArray bottom = f.get(NDArrayIndex.all(), NDArrayIndex.interval(392, 784)).dup();
        int[] digit = ds.getLabels().argMax(1).toIntVector();
        INDArray parity = Nd4j.zeros(ds.getLabels().dataType(), digit.length, 2);
        for (int i = 0; i < digit.length; i++) {
            parity.putScalar(i, digit[i] % 2, 1);
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{top, bottom},
                new INDArray[]{parity, ds.getLabels().dup()});
    }

    @BeforeAll
    static void load() {
        DataSet tr = SharedData.mnistTrain();
        DataSet te = SharedData.mnistTest();
        train = split(MnistFiles.rows(tr, MnistFiles.firstPerClass(tr, 600)));
        test = split(MnistFiles.rows(te, MnistFiles.firstPerClass(te, 200)));
        naive = run(graph(), null);
        naiveParity = lastParity;
    }

    static ComputationGraph graph() {
        ComputationGraphConfiguration c = new NeuralNetConfiguration.Builder()
                .seed(1).updater(new Sgd(0.05)).weightInit(WeightInit.XAVIER)
                .graphBuilder()
                .addInputs("top", "bottom")
                .addLayer("t1", new DenseLayer.Builder().nIn(392).nOut(64).activation(Activation.RELU).build(), "top")
                .addLayer("b1", new DenseLayer.Builder().nIn(392).nOut(64).activation(Activation.RELU).build(),
                        "bottom")
                .addVertex("merge", new MergeVertex(), "t1", "b1")
                .addLayer("h", new DenseLayer.Builder().nIn(128).nOut(100).activation(Activation.RELU).build(),
                        "merge")
                .addLayer("parity", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(100).nOut(2)
                        .activation(Activation.SOFTMAX).build(), "h")
                .addLayer("digit", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(100).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "h")
                .setOutputs("parity", "digit")
                .build();
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        return g;
    }

    static ContinualResult run(ComputationGraph g, PluginConfiguration plugin) {
        Scenario s = new ClassIncrementalScenario.Builder().train(train).test(test).classificationOutput(1)
                .numExperiences(5).name("split-mnist-halves").build();
        ContinualConfiguration.Builder b = new ContinualConfiguration.Builder()
                .batchSize(16).epochsPerExperience(1).seed(7).progress(false);
        if (plugin != null) {
            b.plugin(plugin);
        }
        long t0 = System.currentTimeMillis();
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(g, "digit", b.build());
        ContinualResult r = t.fit(s);
        assertEquals(5, r.classIncremental().rows());
        System.out.println(r.report());
        lastParity = parityAccuracy(t.getModel());
        System.out.println((plugin == null ? "naive" : plugin.name()) + " class-IL "
                + r.classIncremental().finalAverageAccuracy() + " task-IL " + r.taskIncremental().finalAverageAccuracy()
                + " parity " + lastParity + " in " + (System.currentTimeMillis() - t0) + " ms");
        return r;
    }

    static double parityAccuracy(ComputationGraph g) {
        INDArray p = g.output(test.getFeatures())[0];
        return p.argMax(1).eq(test.getLabels(0).argMax(1)).castTo(org.nd4j.linalg.api.buffer.DataType.INT)
                .sumNumber().doubleValue() / p.size(0);
    }

    @Test
    void experienceReplayBeatsNaiveAndKeepsTheAuxiliaryOutput() {
        // measured: ER class-IL 0.692, task-IL 0.962, parity 0.867; Naive 0.187, 0.845, 0.619
        ContinualResult er = run(graph(), new ExperienceReplay.Builder().bufferSize(500).replayBatch(16).build());
        double c = er.classIncremental().finalAverageAccuracy();
        double n = naive.classIncremental().finalAverageAccuracy();
        assertTrue(n <= 0.25, "Naive class-IL " + n);
        assertTrue(c >= 0.5, "ER class-IL " + c + " < 0.5");
        assertTrue(c >= n + 0.3, "ER class-IL " + c + " not well above Naive's " + n);
        double parity = lastParity;
        assertTrue(parity >= 0.75 && parity >= naiveParity + 0.1, "ER's parity output: " + parity + " (Naive "
                + naiveParity + ")");
    }

    @Test
    void ewcKeepsTaskIlAboveNaive() {
        // measured (λ 30, Fisher on at most 300 examples): class-IL 0.187 (not a class-IL method), task-IL 0.922;
        // Naive task-IL 0.845
        ContinualResult ewc = run(graph(), new RegularizationConfiguration.Builder(RegularizationMethod.EWC)
                .lambda(30).maxImportanceExamples(300).build());
        double t = ewc.taskIncremental().finalAverageAccuracy();
        double n = naive.taskIncremental().finalAverageAccuracy();
        assertTrue(t >= 0.87 && t >= n + 0.03, "EWC task-IL " + t + " (Naive " + n + ")");
        assertTrue(ewc.classIncremental().get(4, 4) >= 0.9, "EWC on the experience just learned: "
                + ewc.classIncremental().get(4, 4));
    }
}
