package io.github.dl4jcontinual.datavec;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.MnistFiles;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.conf.layers.recurrent.LastTimeStep;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Split-MNIST (5 experiences of 2 classes, class-IL) for a sequence model on real MNIST read row by row: features
 * {@code [N, 28, 28]} (28 pixels at each of 28 time steps; the first 200 training and 100 test images of every
 * class), an LSTM of 48 units built with DL4J's builders ({@code InputType.recurrent(28, 28)}), Adam 5e-3, batch 16,
 * 2 epochs per experience, seeds 1 (model) and 7 (trainer). Two ways of classifying a sequence: {@code LastTimeStep}
 * + {@code OutputLayer} (labels {@code [N, 10]}; the training stream a {@code DataSetIterator} read in order), and
 * {@code RnnOutputLayer} with the label at the last step only (labels {@code [N, 10, 28]}, label mask
 * {@code [N, 28]}; in memory). In both, ER must end well above Naive.
 */
class SequenceSplitMnistTest {
    private static DataSet train;
    private static DataSet test;

    @BeforeAll
    static void load() {
        DataSet tr = SharedData.mnistTrain();
        DataSet te = SharedData.mnistTest();
        train = MnistFiles.rowSequences(MnistFiles.rows(tr, MnistFiles.firstPerClass(tr, 200)));
        test = MnistFiles.rowSequences(MnistFiles.rows(te, MnistFiles.firstPerClass(te, 100)));
    }

    static MultiLayerNetwork lastStep() {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder()
                .seed(1).updater(new Adam(5e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new LastTimeStep(new LSTM.Builder().nOut(48).activation(Activation.TANH).build()))
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(28, 28))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
    }

    static MultiLayerNetwork rnnOutput() {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder()
                .seed(1).updater(new Adam(5e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new LSTM.Builder().nOut(48).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(28, 28))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
    }

    /** Labels [n, 10, 28] with the class at the last step only, label mask [n, 28] = 1 at the last step. */
    static DataSet lastStepLabels(DataSet ds) {
        long n = ds.numExamples();
        INDArray l = Nd4j.zeros(ds.getLabels().dataType(), n, 10, 28);
        l.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.point(27)).assign(ds.getLabels());
        INDArray m = Nd4j.zeros(ds.getLabels().dataType(), n, 28);
        m.get(NDArrayIndex.all(), NDArrayIndex.point(27)).assign(1);
        return new DataSet(ds.getFeatures(), l, null, m);
    }

    static ContinualResult run(MultiLayerNetwork net, Scenario s, PluginConfiguration plugin) {
        ContinualConfiguration.Builder b = new ContinualConfiguration.Builder()
                .batchSize(16).epochsPerExperience(2).seed(7).progress(false);
        if (plugin != null) {
            b.plugin(plugin);
        }
        long t0 = System.currentTimeMillis();
        ContinualResult r = ContinualTrainer.wrap(net, b.build()).fit(s);
        System.out.println(r.report());
        System.out.println((plugin == null ? "naive" : plugin.name()) + " class-IL "
                + r.classIncremental().finalAverageAccuracy() + " task-IL " + r.taskIncremental().finalAverageAccuracy()
                + " in " + (System.currentTimeMillis() - t0) + " ms");
        return r;
    }

    static void assertErBeatsNaive(ContinualResult naive, ContinualResult er) {
        double n = naive.classIncremental().finalAverageAccuracy();
        double c = er.classIncremental().finalAverageAccuracy();
        assertTrue(n <= 0.25, "Naive class-IL " + n);
        assertTrue(c >= 0.4, "ER class-IL " + c + " < 0.4");
        assertTrue(c >= n + 0.25, "ER class-IL " + c + " not well above Naive's " + n);
        assertTrue(er.taskIncremental().finalAverageAccuracy() > naive.taskIncremental().finalAverageAccuracy(),
                "ER task-IL " + er.taskIncremental().finalAverageAccuracy());
    }

    @Test
    void lastTimeStepLstmWithExperienceReplayBeatsNaive() {
        // measured: Naive class-IL 0.146 (task-IL 0.623), ER 0.513 (task-IL 0.850)
        Scenario s = new ClassIncrementalScenario.Builder()
                .train(new ListDataSetIterator<>(train.asList(), 64)).test(test).numExperiences(5).build();
        assertErBeatsNaive(run(lastStep(), s, null),
                run(lastStep(), s, new ExperienceReplay.Builder().bufferSize(500).replayBatch(16).build()));
    }

    @Test
    void rnnOutputLayerWithALastStepLabelMaskAndExperienceReplayBeatsNaive() {
        // measured: Naive class-IL 0.174 (task-IL 0.596), ER 0.580 (task-IL 0.857)
        Scenario s = new ClassIncrementalScenario.Builder()
                .train(lastStepLabels(train)).test(lastStepLabels(test)).numExperiences(5).build();
        assertErBeatsNaive(run(rnnOutput(), s, null),
                run(rnnOutput(), s, new ExperienceReplay.Builder().bufferSize(500).replayBatch(16).build()));
    }
}
