package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.WordPieceTokenizer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ATLAS on real MNIST through the trainer, on a network built with DL4J's builders (a random frozen MLP stands for
 * the tower): two image tasks both clearly learn and the first is kept exactly; an image-text task matched against
 * MiniLM's embeddings of the digit names learns above chance; a stopped and resumed run gives bit-identical
 * matrices and parameters. Data from {@code ../shared/data} (skipped without it, failing under {@code CI=true}).
 */
class AtlasRealDataTest {

    static MultiLayerNetwork tower(int width) {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(42).weightInit(WeightInit.XAVIER)
                .updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(64).activation(Activation.RELU).name("hidden").build())
                .layer(new DenseLayer.Builder().nIn(64).nOut(width).activation(Activation.IDENTITY).name("proj")
                        .build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(width).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(c);
        n.init();
        return n;
    }

    static Scenario mnist(int train, int test, int[]... groups) {
        return new ClassIncrementalScenario.Builder().train(SharedData.head(SharedData.mnistTrain(), train))
                .test(SharedData.head(SharedData.mnistTest(), test)).experienceClasses(groups).taskLabels(true)
                .name("mnist-tasks").build();
    }

    static ContinualConfiguration trainer(AtlasConfiguration atlas) {
        return new ContinualConfiguration.Builder().batchSize(32).seed(7).progress(false).plugin(atlas).build();
    }

    @Test
    void twoRealMnistTasksLearnAndTheFirstIsKeptExactly() {
        AtlasConfiguration conf = new AtlasConfiguration.Builder().bottleneck(16).stage1Epochs(2).stage2Epochs(4)
                .learningRate(3e-3).build();
        ContinualResult r = ContinualTrainer.wrap(tower(64), trainer(conf))
                .fit(mnist(3000, 2000, new int[]{0, 1, 2, 3, 4}, new int[]{5, 6, 7, 8, 9}));
        AccuracyMatrix m = r.taskIncremental();
        // chance is 0.2; a frozen random MLP after 300 images per class is a weak tower, so the bar is "clearly learned"
        assertTrue(m.get(0, 0) > 0.7 && m.get(1, 1) > 0.7, "task accuracies " + m);
        assertEquals(m.get(0, 0), m.get(1, 0), "the first task is kept exactly");
        // stage 1 for 2 epochs, stage 2 for 4 epochs over the same minibatches
        double s1 = r.experiences().get(1).metrics().get("atlas.stage1_updates");
        assertTrue(s1 > 0);
        assertEquals(2 * s1, r.experiences().get(1).metrics().get("atlas.stage2_updates"));
    }

    @Test
    void anImageTextTaskMatchesTheDigitNamesAboveChance() throws Exception {
        Map<Integer, String> names = new LinkedHashMap<>();
        String[] digits = {"zero", "one", "two", "three", "four"};
        for (int c = 0; c < 5; c++) {
            names.put(c, digits[c]);
        }
        AtlasConfiguration.Builder b = new AtlasConfiguration.Builder().bottleneck(16).stage1Epochs(2)
                .stage2Epochs(4).learningRate(3e-3);
        try (WordPieceTokenizer tok = WordPieceTokenizer.allMiniLmL6V2()) {
            b.classTexts(BertTextEncoder.allMiniLmL6V2(), tok, names, "a photo of a %s.");
        }
        ContinualResult r = ContinualTrainer.wrap(tower(384), trainer(b.build()))
                .fit(mnist(3000, 1000, new int[]{0, 1, 2, 3, 4}, new int[]{5, 6, 7, 8, 9}));
        assertEquals(1.0, r.experiences().get(0).metrics().get("atlas.matching"));
        assertEquals(0.0, r.experiences().get(1).metrics().get("atlas.matching"));
        assertTrue(r.taskIncremental().get(0, 0) > 0.4, "matching accuracy " + r.taskIncremental());
        assertEquals(r.taskIncremental().get(0, 0), r.taskIncremental().get(1, 0));
    }

    @Test
    void aResumedRunIsBitIdentical(@TempDir Path dir) throws Exception {
        Scenario s = mnist(1500, 500, new int[]{0, 1, 2, 3}, new int[]{4, 5, 6}, new int[]{7, 8, 9});
        // one stop point per weighting (after the first and after the second experience): each resume path is
        // covered without running every configuration twice
        Map<AtlasConfiguration, Integer> stops = new LinkedHashMap<>();
        stops.put(new AtlasConfiguration.Builder().bottleneck(8).stage1Epochs(1).stage2Epochs(1).build(), 1);
        stops.put(new AtlasConfiguration.Builder().bottleneck(8).stage1Epochs(1).stage2Epochs(1).queryPerTask(false)
                .weighting(AtlasConfiguration.Weighting.DIMENSION).querySlots(4).build(), 2);
        for (Map.Entry<AtlasConfiguration, Integer> e : stops.entrySet()) {
            AtlasConfiguration conf = e.getKey();
            int k = e.getValue();
            ContinualTrainer<MultiLayerNetwork> whole = ContinualTrainer.wrap(tower(64), trainer(conf));
            ContinualResult expected = whole.fit(s);
            Path d = Files.createDirectories(dir.resolve(conf.getWeighting() + "-k" + k));
            ContinualTrainer.wrap(tower(64), trainer(conf)).setCheckpointDirectory(d).fit(s, k);
            Path ckpt = CheckpointFile.latestIn(d).orElseThrow();
            Nd4j.getRandom().setSeed(12345 + k);
            ContinualTrainer<MultiLayerNetwork> second = ContinualTrainer.resume(ckpt, trainer(conf),
                    MultiLayerNetwork.class);
            ContinualResult resumed = second.fit(s);
            io.github.dl4jcontinual.testutil.Matrices.assertBitIdentical(expected, resumed, "k=" + k);
            assertArrayEquals(whole.getModel().params().toFloatVector(), second.getModel().params().toFloatVector(),
                    "final parameters, k=" + k);
        }
    }
}
