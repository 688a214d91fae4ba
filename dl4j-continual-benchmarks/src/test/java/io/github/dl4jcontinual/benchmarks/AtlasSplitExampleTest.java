package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code atlas --stream split-fashion|split-mnist} mode: argument checks and a tiny real run. */
class AtlasSplitExampleTest {
    private static String error(String... argv) {
        String[] all = new String[argv.length + 1];
        all[0] = "atlas";
        System.arraycopy(argv, 0, all, 1, argv.length);
        return Cli.error(all);
    }

    @Test
    void badStreamIsNamedWithTheAcceptedValues() {
        String m = error("--stream", "split-cifar");
        assertTrue(m.contains("split-cifar") && m.contains("split-fashion") && m.contains("split-mnist")
                && m.contains("upstream"), m);
    }

    @Test
    void badMethodsAreNamed() {
        String m = error("--stream", "split-mnist", "--methods", "atlas,l2p");
        assertTrue(m.contains("l2p") && m.contains("atlas-shared") && m.contains("sequential"), m);
        m = error("--stream", "split-mnist", "--methods", "atlas,atlas");
        assertTrue(m.contains("distinct") && m.contains("atlas"), m);
    }

    @Test
    void optionsOfTheOtherModeAreRejected() {
        String m = error("--stream", "split-fashion", "--omniglot-classes", "5");
        assertTrue(m.contains("--omniglot-classes") && m.contains("split-fashion"), m);
        m = error("--methods", "atlas");
        assertTrue(m.contains("--methods") && m.contains("upstream"), m);
        m = error("--stream", "split-fashion", "--test-per-class", "-1");
        assertTrue(m.contains("--test-per-class") && m.contains("-1"), m);
        m = error("--stream", "split-fashion", "--weighting", "channel");
        assertTrue(m.contains("--weighting") && m.contains("channel") && m.contains("dimension"), m);
    }

    @Test
    void tinyRunGivesA5x5TaskIlMatrixAndItsCsv(@TempDir File out) {
        String[] argv = {"--stream", "split-mnist", "--data-dir", SharedData.dir().root().getPath(), "--seeds", "1",
                "--methods", "zero-shot,atlas", "--train-per-class", "4", "--test-per-class", "5", "--align-epochs",
                "1", "--stage1", "1", "--stage2", "1", "--weighting", "dimension", "--quiet", "--out", out.getPath()};
        picocli.CommandLine cl = BenchmarksMain.commandLine();
        String[] all = new String[argv.length + 1];
        all[0] = "atlas";
        System.arraycopy(argv, 0, all, 1, argv.length);
        cl.parseArgs(all);
        AtlasExample a = cl.getSubcommands().get("atlas").getCommand();
        Map<String, List<AccuracyMatrix>> r = AtlasSplitExample.run(a, AtlasSplitExample.stream(a));
        assertEquals(List.of("zero-shot", "atlas (dimension)"), List.copyOf(r.keySet()));
        AccuracyMatrix zero = r.get("zero-shot").get(0);
        for (int j = 0; j < 5; j++) {
            assertEquals(zero.get(j, j), zero.get(4, j), 0.0, "nothing trains in the zero-shot control");
        }
        assertTrue(new File(out, "zero-shot-seed1.csv").isFile());
        AccuracyMatrix m = r.get("atlas (dimension)").get(0);
        assertEquals(5, m.rows());
        assertEquals(5, m.columns());
        for (int i = 0; i < 5; i++) {
            assertEquals(10, m.total(i), "2 classes x 5 test images");
            for (int j = 0; j < 5; j++) {
                double v = m.get(i, j);
                // the trainer's matrix: tasks not learned yet are evaluated too (forward transfer)
                assertTrue(v >= 0 && v <= 1, i + "," + j + ": " + v);
            }
        }
        assertTrue(new File(out, "atlas-dimension-seed1.csv").isFile());
    }
}
