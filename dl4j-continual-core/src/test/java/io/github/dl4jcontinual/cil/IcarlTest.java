package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.IterationBudget;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** iCaRL: configuration, error messages, the NME classifier, and a short real Split-MNIST run. */
class IcarlTest {
    private static Scenario scenario;

    @BeforeAll
    static void load() {
        // 1000 training images per experience on average (the first 5000 of MNIST's training set), full test set
        scenario = new ClassIncrementalScenario.Builder().train(SharedData.head(SharedData.mnistTrain(), 5000))
                .test(SharedData.mnistTest()).numExperiences(5).name("split-mnist-small").build();
    }

    @Test
    void configurationRoundTripsThroughJson() {
        IcarlConfiguration c = new IcarlConfiguration.Builder().exemplarsPerClass(100).distillation(false)
                .featureLayer("1").build();
        IcarlConfiguration back = IcarlConfiguration.fromJson(c.toJson());
        assertEquals(c, back);
        assertEquals(c, ContinualJson.fromJson(ContinualJson.toJson(c), PluginConfiguration.class));
        assertEquals(100, back.getBuffer().getPerClass());
        ContinualConfiguration conf = new ContinualConfiguration.Builder().plugin(c).build();
        assertEquals(conf, ContinualConfiguration.fromJson(conf.toJson()));
    }

    @Test
    void rejectsABufferWithoutSelectionAndASoftmaxHeadWithDistillation() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new IcarlConfiguration.Builder().buffer(new BufferConfiguration.Builder().capacity(200).build()));
        assertTrue(e.getMessage().contains("selection policy"), e.getMessage());
        MultiLayerNetwork softmax = CilModels.mlp(784, 20, 10, false, 1e-3, 1);
        ContinualConfiguration conf = new ContinualConfiguration.Builder().progress(false)
                .plugin(new IcarlConfiguration.Builder().build()).build();
        e = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(softmax, conf).fit(scenario));
        assertTrue(e.getMessage().contains("SIGMOID") && e.getMessage().contains("layer 1")
                && e.getMessage().contains("softmax"), e.getMessage());
    }

    @Test
    void nearestMeanClassifierAssignsToTheNearestNormalisedMean() {
        ContinualModel net = ContinualModel.of(CilModels.mlp(3, 4, 2, true, 1e-3, 7));
        // feature layer "0" = the hidden layer; build exemplars whose features we know through the network itself
        INDArray x = Nd4j.rand(DataType.FLOAT, 6, 3);
        MultiDataSet in = new org.nd4j.linalg.dataset.MultiDataSet(x, Nd4j.zeros(DataType.FLOAT, 6, 2));
        int[] ids = {0, 0, 0, 1, 1, 1};
        NearestMeanClassifier nme = NearestMeanClassifier.fit(net, "0", in, ids, 3);
        INDArray f = NearestMeanClassifier.features(net, "0", in);
        INDArray scores = nme.scores(in);
        assertEquals(3, scores.size(1));
        assertTrue(Double.isInfinite(scores.getDouble(0, 2)), "class 2 has no exemplars");
        INDArray m0 = f.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)).mean(0);
        m0.divi(m0.norm2Number());
        assertEquals(f.getRow(0).mul(m0).sumNumber().doubleValue(), scores.getDouble(0, 0), 1e-5);
        assertThrows(IllegalArgumentException.class, () -> NearestMeanClassifier.fit(net, "0", in, new int[]{0, 5, 0, 0,
                0, 0}, 3));
    }

    private static ContinualResult run(HeadPolicy head, int budget) {
        MultiLayerNetwork net = CilModels.mlp(784, 100, head == HeadPolicy.EXPANDING ? 2 : 10, true, 1e-3, 1);
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(128).epochsPerExperience(1)
                .seed(1).progress(false).headPolicy(head)
                .plugin(new IcarlConfiguration.Builder().exemplarsPerClass(budget).build())
                .plugin(new IterationBudget(150)).build();
        return ContinualTrainer.wrap(net, conf).fit(scenario);
    }

    @Test
    void icarlOnRealSplitMnistReportsCnnAndNmeAccuracies() {
        ContinualResult r = run(HeadPolicy.FIXED, 20);
        System.out.println(r.report());
        assertEquals(java.util.Set.of("nme"), r.heads());
        double nme = r.classIncremental("nme").finalAverageAccuracy();
        double cnn = r.classIncremental().finalAverageAccuracy();
        // naive fine-tuning ends near 0.2 on this protocol; iCaRL with 20 exemplars per class stays far above
        assertTrue(nme >= 0.75, "NME class-IL " + nme);
        assertTrue(cnn >= 0.5, "CNN class-IL " + cnn);
        ContinualResult back = ContinualResult.fromJson(r.toJson());
        assertEquals(r.classIncremental("nme"), back.classIncremental("nme"));
        assertThrows(IllegalArgumentException.class, () -> r.classIncremental("ncm"));
    }

    @Test
    void icarlWorksWithAnExpandingHead() {
        ContinualResult r = run(HeadPolicy.EXPANDING, 20);
        double nme = r.classIncremental("nme").finalAverageAccuracy();
        assertTrue(nme >= 0.75, "NME class-IL with an expanding head " + nme);
    }
}
