package io.github.dl4jcontinual.report;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;

import java.io.File;
import java.util.ArrayList;
import java.util.List;

/**
 * Not a test: the small real Split-MNIST runs (6000 training, 2000 test examples, 5 experiences, MLP 784-64-64-10,
 * naive and ER with a buffer of 200, seeds 1 to 3, class names "zero".."nine") whose report gave
 * {@code docs/report-seeds.png}, {@code docs/report-model.png} and {@code docs/report-classes.png} (see docs/report.md).
 * Argument: the report file to write.
 */
public final class ScreenshotRuns {
    private ScreenshotRuns() {
    }

    /**
     * @param a the report file
     * @throws Exception on failure
     */
    public static void main(String[] a) throws Exception {
        Scenario s = new ClassIncrementalScenario.Builder()
                .train(SharedData.head(SharedData.mnistTrain(), 6000)).test(SharedData.head(SharedData.mnistTest(), 2000))
                .numExperiences(5).name("split-mnist-small")
                .classNames(List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"))
                .build();
        List<ContinualResult> rs = new ArrayList<>();
        for (String strategy : new String[]{"er", "naive"}) {
            for (long seed = 1; seed <= 3; seed++) {
                ContinualConfiguration.Builder c = new ContinualConfiguration.Builder().batchSize(32).seed(seed)
                        .progress(false);
                if (strategy.equals("er")) {
                    c.plugin(new ExperienceReplay.Builder().bufferSize(200).build());
                }
                rs.add(ContinualTrainer.wrap(Models.mlp(784, 64, 10, 0.05, seed), c.build()).fit(s));
            }
        }
        ContinualReport.from(rs).withTitle("Split-MNIST (6000/2000 examples), naive vs ER, seeds 1-3")
                .writeTo(new File(a[0]));
    }
}
