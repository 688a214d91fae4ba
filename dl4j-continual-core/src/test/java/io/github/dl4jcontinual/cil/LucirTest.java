package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.impl.IterationBudget;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LUCIR: configuration, error messages, adaptive λ, and a short real Split-MNIST run with an expanding head. */
class LucirTest {

    @Test
    void configurationRoundTripsAndValidates() {
        LucirConfiguration c = new LucirConfiguration.Builder().exemplarsPerClass(30).lambdaBase(3).margin(0.4)
                .hardNegatives(1).rankingWeight(0.5).build();
        assertEquals(c, LucirConfiguration.fromJson(c.toJson()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new LucirConfiguration.Builder().margin(3));
        assertTrue(e.getMessage().contains("margin") && e.getMessage().contains("3.0"), e.getMessage());
        assertEquals(5 * Math.sqrt(4.0 / 2), LucirConfiguration.lambda(5, 4, 2), 1e-12);
    }

    @Test
    void rejectsANetworkWithoutACosineLayer() {
        Scenario s = new ClassIncrementalScenario.Builder().train(SharedData.head(SharedData.mnistTrain(), 500))
                .test(SharedData.head(SharedData.mnistTest(), 200)).numExperiences(5).build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().progress(false)
                .plugin(new LucirConfiguration.Builder().build()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(CilModels.mlp(784, 10, 10, false, 1e-3, 1), conf).fit(s));
        assertTrue(e.getMessage().contains("CosineOutputLayer") && e.getMessage().contains("layer 1")
                && e.getMessage().contains("OutputLayer"), e.getMessage());
    }

    @Test
    void keepsOldAndNewWeightNormsWithinTenPercentOnRealSplitMnist() {
        // 4 experiences of MNIST (2, 2, 2 and 4 classes of the first 6000 training images), expanding cosine head
        Scenario s = new ClassIncrementalScenario.Builder().train(SharedData.head(SharedData.mnistTrain(), 6000))
                .test(SharedData.head(SharedData.mnistTest(), 3000)).classesPerExperience(2, 2, 2, 4)
                .name("split-mnist-3").build();
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(100).activation(Activation.RELU).build())
                .layer(new CosineOutputLayer.Builder().nIn(100).nOut(2).build()).build());
        net.init();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(128).epochsPerExperience(1)
                .seed(1).progress(false).headPolicy(HeadPolicy.EXPANDING)
                .plugin(new LucirConfiguration.Builder().exemplarsPerClass(20).build())
                .plugin(new IterationBudget(100)).build();
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net, conf);
        ContinualResult r = t.fit(s);
        System.out.println(r.report());
        ContinualModel m = t.continualModel();
        assertEquals(10, ((CosineOutputLayer) m.headConf()).getNOut());
        INDArray eff = CosineOutputLayer.effectiveWeights(m.headParams());
        int[] old = {0, 1, 2, 3, 4, 5};
        int[] neu = {6, 7, 8, 9};
        double effOld = WeightAligning.meanNorm(eff, old);
        double effNew = WeightAligning.meanNorm(eff, neu);
        INDArray raw = m.headParams().get(CosineOutputLayer.WEIGHT_KEY);
        System.out.printf("effective class-vector norms: old %.4f new %.4f; raw W column norms: old %.4f new %.4f%n",
                effOld, effNew, WeightAligning.meanNorm(raw, old), WeightAligning.meanNorm(raw, neu));
        assertTrue(Math.abs(effOld / effNew - 1) <= 0.10, "old " + effOld + " vs new " + effNew);
        double rawOld = WeightAligning.meanNorm(raw, old);
        double rawNew = WeightAligning.meanNorm(raw, neu);
        assertTrue(Math.abs(rawOld / rawNew - 1) <= 0.10, "raw W norms: old " + rawOld + " vs new " + rawNew);
        // the cosine classifier learned the current experience and kept part of the old ones
        assertTrue(r.classIncremental().get(2, 2) > 0.8, r.classIncremental().toString());
        assertTrue(r.classIncremental().averageAccuracy(2) > 0.5, r.classIncremental().toString());
    }
}
