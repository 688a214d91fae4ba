package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportOutputTest {

    private static ContinualResult result(String strategy, long seed) {
        AccuracyMatrix m = new AccuracyMatrix(new long[][]{{9, -1}, {4, 8}}, new long[]{10, 10}, null);
        List<ExperienceResult> ex = List.of(new ExperienceResult(0, new int[]{0}, true, 10, 1, 1, 0.5, 3, 1, 1, 1),
                new ExperienceResult(1, new int[]{1}, true, 10, 1, 1, 0.4, 3, 1, 1, 1));
        return new ContinualResult("toy", "CLASS_INCREMENTAL", new int[]{0, 1}, strategy,
                new ContinualConfiguration.Builder().seed(seed).build(), m, m, ex, 10);
    }

    @Test
    void writesEachRunsReportAndTheComparisonUnlessTurnedOff(@TempDir File out) throws Exception {
        ReportOutput on = new ReportOutput(true);
        on.write(result("naive", 1), new File(out, "a"));
        on.write(result("<joint>", 2), new File(out, "b"));
        on.compare(out);
        assertTrue(new File(out, "a/result.json").isFile());
        assertTrue(Files.readString(new File(out, "a/report.html").toPath()).contains("naive seed 1"));
        String comparison = Files.readString(new File(out, "report.html").toPath());
        assertTrue(comparison.contains("id=\"comparison\"") && comparison.contains("&lt;joint&gt; seed 2"));

        File quiet = new File(out, "quiet");
        ReportOutput off = new ReportOutput(false);
        off.write(result("naive", 1), new File(quiet, "a"));
        off.write(result("naive", 2), new File(quiet, "b"));
        off.compare(quiet);
        assertTrue(new File(quiet, "a/result.json").isFile());
        assertFalse(new File(quiet, "a/report.html").exists());
        assertFalse(new File(quiet, "report.html").exists());

        File later = new File(out, "later.html");
        BenchmarksMain.run(new String[]{"report", "--in", out.getPath(), "--out", later.getPath(), "--title", "Later"});
        String page = Files.readString(later.toPath());
        assertTrue(page.contains("<h1>Later</h1>") && page.contains("naive seed 1") && page.contains("&lt;joint&gt;"));
    }
}
