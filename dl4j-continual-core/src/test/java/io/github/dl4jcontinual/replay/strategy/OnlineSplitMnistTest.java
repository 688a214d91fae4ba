package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.OnlineStreams;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26 on real MNIST at small scale: online Split-MNIST (5 tasks of 2 classes, 300 training images per task,
 * one pass, batch 10, boundary-free), a 784-100-10 MLP at lr 0.1, memories of 20 per class. Fine-tuning ends near
 * 20 % (only the last task's classes are predicted); ER and MIR must keep the earlier tasks.
 */
class OnlineSplitMnistTest {

    private static ContinualResult run(Scenario s, PluginConfiguration... plugins) {
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(1).progress(false)
                .boundaryFree(true).anytimeEvaluationEvery(300).plugins(plugins).build();
        return ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.1, 1), conf).fit(s);
    }

    @Test
    void replayAndMirKeepTheEarlierTasksOfAnOnlineStream() {
        Scenario s = OnlineStreams.limitTraining(new ClassIncrementalScenario.Builder().train(SharedData.mnistTrain())
                .test(SharedData.head(SharedData.mnistTest(), 3000)).numExperiences(5).build(), 300, 1);
        double naive = run(s).classIncremental().finalAverageAccuracy();
        ContinualResult er = run(s, new ExperienceReplay.Builder().bufferSize(200).replayBatch(10).build());
        ContinualResult mir = run(s, new MaximallyInterferedRetrieval.Builder().bufferSize(200).replayBatch(10)
                .subsample(50).virtualLearningRate(0.1).build());
        assertTrue(naive < 0.3, "fine-tuning forgets: " + naive);
        for (ContinualResult r : new ContinualResult[]{er, mir}) {
            double acc = r.classIncremental().finalAverageAccuracy();
            assertTrue(acc > 0.6, r.strategy() + " keeps the earlier tasks: " + acc + " (naive " + naive + ")");
            assertEquals(5, r.anytime().size(), "an anytime point per 300 training images");
            assertTrue(r.anytime().areaUnderCurve() > acc - 0.05, r.strategy() + " A_AUC "
                    + r.anytime().areaUnderCurve());
        }
    }
}
