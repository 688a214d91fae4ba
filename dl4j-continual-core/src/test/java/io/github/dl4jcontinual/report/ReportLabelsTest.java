package io.github.dl4jcontinual.report;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Run labels name the settings that tell runs of one strategy apart. */
class ReportLabelsTest {
    private static ContinualResult run(String strategy, ContinualConfiguration conf) {
        AccuracyMatrix m = new AccuracyMatrix(new long[][]{{5}}, new long[]{10}, null);
        return new ContinualResult("s", "CLASS_INCREMENTAL", new int[]{0}, strategy, conf, m, m, List.of(), 1);
    }

    private static ContinualConfiguration er(int buffer, long seed) {
        return new ContinualConfiguration.Builder().seed(seed)
                .plugin(new ExperienceReplay.Builder().bufferSize(buffer).build()).build();
    }

    @Test
    void differingSettingsOfOneStrategyAreNamed() {
        ContinualConfiguration naive = new ContinualConfiguration.Builder().seed(1).build();
        List<String> labels = ContinualReport.labels(List.of(run("ER", er(200, 1)), run("ER", er(500, 1)),
                run("ER", er(500, 2)), run("naive", naive), run("naive", naive)));
        assertEquals(List.of("ER seed 1 (capacity=200)", "ER seed 1 (capacity=500)",
                "ER seed 2 (capacity=500)", "naive seed 1", "naive seed 1 #2"), labels);
    }

    @Test
    void seedsAloneDoNotMakeASetting() {
        assertEquals(List.of("ER seed 1", "ER seed 2"),
                ContinualReport.labels(List.of(run("ER", er(200, 1)), run("ER", er(200, 2)))));
    }
}
