package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitMnistExampleTest {

    @Test
    void runsOnRealFashionMnistAndWritesResults(@TempDir File out) throws Exception {
        File data = SharedData.dir().root();
        BenchmarksMain.run(new String[]{"split-mnist", "--data-dir", data.getPath(), "--dataset", "fashion-mnist",
            "--strategies", "naive", "--seeds", "3", "--out", out.getPath(), "--quiet"});
        File dir = new File(out, "naive-seed3");
        for (String f : new String[]{"result.json", "summary.csv", "accuracy-class-il.csv", "accuracy-task-il.csv",
            "experiences.csv"}) {
            assertTrue(new File(dir, f).isFile(), f);
        }
        ContinualResult r = ContinualResult.fromJson(Files.readString(new File(dir, "result.json").toPath()));
        assertEquals(5, r.classIncremental().rows());
        assertEquals(3, r.configuration().getSeed());
        assertTrue(r.classIncremental().finalAverageAccuracy() < 0.35, "naive forgets on Fashion-MNIST too");
        assertTrue(r.classIncremental().forgetting(0) > 0.8);
        String report = Files.readString(new File(dir, "report.html").toPath());
        assertTrue(report.contains("data-chart=\"run0-matrix-class-il\""), "the run's report is written by default");
        assertTrue(report.contains(r.toJson().substring(0, 40)), "with the results embedded");
    }

    @Test
    void missingDataFileSaysWhereToPutIt(@TempDir File empty) {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> BenchmarksMain.run(
                new String[]{"split-mnist", "--data-dir", empty.getPath(), "--quiet"}));
        assertTrue(e.getMessage().contains("mnist/train-images-idx3-ubyte.gz")
                && e.getMessage().contains(empty.getAbsolutePath()), e.getMessage());
    }

    @Test
    void unknownOptionsAndStrategiesAreRejected() {
        String err = Cli.error("split-mnist", "--sedes", "1");
        assertTrue(err.contains("--sedes") && err.contains("--seeds"), err);
        err = Cli.error("split-mnist", "--strategies", "naive,gem");
        assertTrue(err.contains("--strategies") && err.contains("'gem'") && err.contains("cumulative"), err);
        assertEquals("1.00 ± 1.41", SplitMnistExample.meanStd(new double[]{0, 2}));
    }
}
