package io.github.dl4jcontinual.spark;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.solvers.accumulation.encoding.threshold.AdaptiveThresholdAlgorithm;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gradient sharing ({@code SharedTrainingMaster} of {@code dl4j-spark-parameterserver} M2, UDP on 127.0.0.1) under
 * the continual trainer. Tagged "long" (excluded by default): the parameter server is optional and was found
 * unreliable in {@code local} mode (see docs/spark.md).
 */
@Tag("long")
class GradientSharingTest {

    @Test
    void erTrainsUnderGradientSharing() {
        // Aeron 1.32 (the parameter server's transport) refuses DL4J's settings: the publication unblock timeout
        // (Aeron's default, 15 s) must exceed the client liveness timeout (DL4J sets 30 s)
        System.setProperty("aeron.publication.unblock.timeout", "60000000000");
        Scenario scenario = new ClassIncrementalScenario.Builder()
                .train(SharedData.head(SharedData.mnistTrain(), 5000))
                .test(SharedData.head(SharedData.mnistTest(), 1000)).numExperiences(5).name("split-mnist-small")
                .build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(3).progress(false)
                .plugin(new ExperienceReplay.Builder().bufferSize(200).replayBatch(10).build()).build();
        VoidConfiguration voidConf = VoidConfiguration.builder().unicastPort(40123).networkMask("127.0.0.0/8")
                .controllerAddress("127.0.0.1").build();
        SharedTrainingMaster tm = new SharedTrainingMaster.Builder(voidConf, 2, new AdaptiveThresholdAlgorithm(1e-3),
                20).batchSizePerWorker(20).workersPerNode(2).build();
        MultiLayerNetwork net = LocalSpark.mlp(3, 0.05, 10);
        ContinualResult r = SparkContinualTrainer.wrap(LocalSpark.context(), net, conf, tm).fit(scenario);
        System.out.println(r.report());
        assertTrue(r.classIncremental().finalAverageAccuracy() > 0.5,
                "class-IL final accuracy " + r.classIncremental().finalAverageAccuracy());
    }
}
