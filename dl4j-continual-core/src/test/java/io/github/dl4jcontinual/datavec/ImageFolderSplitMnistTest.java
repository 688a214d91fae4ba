package io.github.dl4jcontinual.datavec;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.strategy.DarkExperienceReplay;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.MnistFiles;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A user's image pipeline end to end on real MNIST: the test writes a PNG folder tree (one folder per digit; the
 * first 200 training images of every class, the first 100 test images of every class), reads it through DataVec's
 * {@code ImageRecordReader} + {@code ParentPathLabelGenerator} + DL4J's {@code RecordReaderDataSetIterator} with an
 * {@code ImagePreProcessingScaler}, and a LeNet-style CNN with BatchNormalization and Dropout built with DL4J's
 * builders ({@code InputType.convolutional(28, 28, 1)}) learns Split-MNIST (5 experiences of 2 classes, class-IL)
 * through {@code ContinualTrainer.wrap(net, conf)}: Adam 2e-3, batch 16, 2 epochs per experience, seeds 1 (model)
 * and 7 (trainer). The scenario holds positions only: a renamed folder makes training fail.
 */
class ImageFolderSplitMnistTest {
    @TempDir
    static Path dir;
    private static Path trainDir;
    private static Path testDir;
    private static ContinualResult naive;

    @BeforeAll
    static void writeTreesAndRunNaive() {
        DataSet train = SharedData.mnistTrain();
        DataSet test = SharedData.mnistTest();
        trainDir = MnistFiles.writePngTree(MnistFiles.rows(train, MnistFiles.firstPerClass(train, 200)),
                dir.resolve("train"), 1);
        testDir = MnistFiles.writePngTree(MnistFiles.rows(test, MnistFiles.firstPerClass(test, 100)),
                dir.resolve("test"), 1);
        naive = run(null);
    }

    /** A LeNet-style CNN as a DL4J user writes it. */
    static MultiLayerNetwork lenet() {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder()
                .seed(1).updater(new Adam(2e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(8).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.IDENTITY).build())
                .layer(new BatchNormalization.Builder().build())
                .layer(new ActivationLayer(Activation.RELU))
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(64).activation(Activation.RELU).dropOut(0.5).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(28, 28, 1))
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
    }

    static Scenario scenario(Path train, Path test) {
        return new ClassIncrementalScenario.Builder()
                .train(MnistFiles.imageIterator(train, 64)).test(MnistFiles.imageIterator(test, 100))
                .numExperiences(5).name("split-mnist-png").build();
    }

    static ContinualConfiguration conf(PluginConfiguration plugin) {
        ContinualConfiguration.Builder b = new ContinualConfiguration.Builder()
                .batchSize(16).epochsPerExperience(2).seed(7).progress(false);
        if (plugin != null) {
            b.plugin(plugin);
        }
        return b.build();
    }

    static ContinualResult run(PluginConfiguration plugin) {
        long t0 = System.currentTimeMillis();
        ContinualResult r = ContinualTrainer.wrap(lenet(), conf(plugin)).fit(scenario(trainDir, testDir));
        System.out.println(r.report());
        System.out.println((plugin == null ? "naive" : plugin.name()) + " class-IL "
                + r.classIncremental().finalAverageAccuracy() + " task-IL " + r.taskIncremental().finalAverageAccuracy()
                + " in " + (System.currentTimeMillis() - t0) + " ms");
        assertEquals(5, r.classIncremental().rows());
        for (int e = 0; e < 5; e++) {
            // 2 epochs over the experience's 400 images, read from the tree every epoch (plus replayed rows)
            long seen = r.experiences().get(e).examplesSeen();
            assertTrue(plugin == null ? seen == 800 : seen >= 800, "examples seen in experience " + e + ": " + seen);
        }
        return r;
    }

    @Test
    void naiveForgets() {
        // measured 0.17-0.18 class-IL (the last two classes only); task-IL 0.63-0.74
        double c = naive.classIncremental().finalAverageAccuracy();
        assertTrue(c <= 0.25, "Naive class-IL " + c);
        assertTrue(naive.classIncremental().forgetting(0) >= 0.8, "Naive forgetting of {0,1}: "
                + naive.classIncremental().forgetting(0));
    }

    @Test
    void experienceReplayBeatsNaive() {
        // measured (seed 7): class-IL 0.720, task-IL 0.976; Naive 0.172. Thresholds leave ~0.15 of margin.
        ContinualResult er = run(new ExperienceReplay.Builder().bufferSize(500).replayBatch(16).build());
        double c = er.classIncremental().finalAverageAccuracy();
        assertTrue(c >= 0.55, "ER class-IL " + c + " < 0.55");
        assertTrue(c >= naive.classIncremental().finalAverageAccuracy() + 0.3, "ER class-IL " + c
                + " not well above Naive's " + naive.classIncremental().finalAverageAccuracy());
        assertTrue(er.taskIncremental().finalAverageAccuracy() >= 0.9, "ER task-IL "
                + er.taskIncremental().finalAverageAccuracy());
    }

    @Test
    void derPlusPlusBeatsNaive() {
        ContinualResult der = run(new DarkExperienceReplay.Builder().bufferSize(500).replayBatch(16).alpha(0.3)
                .beta(0.5).build());
        // measured (seed 7): class-IL 0.776, task-IL 0.973; Naive 0.172. Thresholds leave ~0.2 of margin.
        double c = der.classIncremental().finalAverageAccuracy();
        assertTrue(c >= 0.55, "DER++ class-IL " + c + " < 0.55");
        assertTrue(c >= naive.classIncremental().finalAverageAccuracy() + 0.3, "DER++ class-IL " + c
                + " not well above Naive's " + naive.classIncremental().finalAverageAccuracy());
    }

    @Test
    void aRenamedFolderMakesTrainingFail() throws Exception {
        DataSet train = SharedData.mnistTrain();
        Path small = MnistFiles.writePngTree(MnistFiles.rows(train, MnistFiles.firstPerClass(train, 5)),
                dir.resolve("small-train"), 1);
        Scenario s = scenario(small, testDir);
        Path moved = Files.move(small, dir.resolve("small-train-moved"));
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(lenet(), conf(null));
        RuntimeException e = assertThrows(RuntimeException.class, () -> t.fit(s));
        System.out.println("renamed folder: " + e);
        String msg = e.getMessage();
        assertTrue(msg.contains("ImageRecordReader"), "the message should name the source: " + msg);
        Files.move(moved, small);
    }
}
