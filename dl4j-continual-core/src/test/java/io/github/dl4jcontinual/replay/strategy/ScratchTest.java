package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.junit.jupiter.api.Test;

class ScratchTest {
    @Test
    void scratch() {
        Scenario scenario = new ClassIncrementalScenario.Builder()
                .train(SharedData.mnistTrain()).test(SharedData.mnistTest())
                .numExperiences(5).name("split-mnist").build();
        String which = System.getProperty("scratch", "er");
        PluginConfiguration p;
        double lr;
        if (which.equals("er")) {
            p = new ExperienceReplay.Builder().bufferSize(500).replayBatch(10).build();
            lr = 0.1;
        } else if (which.equals("der")) {
            p = new DarkExperienceReplay.Builder().bufferSize(500).replayBatch(128).alpha(1.0).build();
            lr = 0.03;
        } else {
            p = new DarkExperienceReplay.Builder().bufferSize(500).replayBatch(10).alpha(1.0).beta(0.5).build();
            lr = 0.03;
        }
        long t = System.currentTimeMillis();
        ContinualResult r = ContinualTrainer.wrap(Models.mlp(784, 100, 10, lr, 1),
                new ContinualConfiguration.Builder().batchSize(10).seed(1).progress(false).plugin(p).build())
                .fit(scenario);
        System.out.println(r.report());
        System.out.println(which + " class-IL " + r.classIncremental().finalAverageAccuracy() + " task-IL "
                + r.taskIncremental().finalAverageAccuracy() + " in " + (System.currentTimeMillis() - t) + " ms");
    }
}
