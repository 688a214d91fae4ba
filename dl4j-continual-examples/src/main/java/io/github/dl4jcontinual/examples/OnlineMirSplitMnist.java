package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.MaximallyInterferedRetrieval;
import io.github.dl4jcontinual.report.ContinualReport;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.OnlineStreams;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.File;

/**
 * Online continual learning: your MLP sees Split-MNIST once, 1 000 images per task in minibatches of 10, and is
 * never told where a task ends (a boundary-free run); MIR replays the 10 of 50 buffered images that the coming
 * update would hurt most. Anytime accuracy every 100 images, its area A_AUC and the usual matrices land in the
 * result and the HTML report. Arguments: {@code [data-dir] [out-dir]} (default {@code results/online-mir}).
 */
public final class OnlineMirSplitMnist {
    private OnlineMirSplitMnist() {
    }

    public static void main(String[] args) throws Exception {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        File out = new File(args.length > 1 ? args[1] : "results/online-mir");
        Scenario online = OnlineStreams.limitTraining(new ClassIncrementalScenario.Builder()
                .train(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN))
                .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).build(), 1000, 1);
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(1)
                .boundaryFree(true).anytimeEvaluationEvery(100)
                .plugin(new MaximallyInterferedRetrieval.Builder().bufferSize(500).replayBatch(10).subsample(50)
                        .virtualLearningRate(0.1).build())
                .build();
        MultiLayerNetwork net = OwnMlpExperienceReplay.myNetwork(); // 784-100-100-10, SGD 0.1
        ContinualResult result = ContinualTrainer.wrap(net, conf).fit(online);
        result.writeTo(out);
        File report = ContinualReport.from(result).writeTo(new File(out, "report.html"));
        System.out.printf("accuracy %.2f %%, forgetting %.2f points, A_AUC %.2f %%; report: %s%n",
                100 * result.classIncremental().finalAverageAccuracy(),
                100 * result.classIncremental().averageForgetting(), 100 * result.anytime().areaUnderCurve(), report);
    }
}
