package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code atlas} command's registration and its real pre-training data (the UCI digits in MNIST's layout). */
class AtlasExampleTest {
    @Test
    void commandIsRegistered() {
        assertTrue(BenchmarksMain.commandLine().getSubcommands().containsKey("atlas"));
    }

    @Test
    void sklearnDigitsAreReadUpsampledAndCentred() {
        DataSet d = AtlasExample.sklearnDigits(SharedData.dir());
        assertEquals(1797, d.numExamples());
        assertEquals(784, d.getFeatures().size(1));
        INDArray counts = d.getLabels().sum(0);
        for (int c = 0; c < 10; c++) {
            assertTrue(counts.getDouble(c) >= 170 && counts.getDouble(c) <= 185, "class " + c + ": " + counts);
        }
        assertTrue(d.getFeatures().minNumber().doubleValue() >= 0 && d.getFeatures().maxNumber().doubleValue() <= 1);
        INDArray first = d.getFeatures().getRow(0).reshape(28, 28);
        assertEquals(0.0, first.getRow(0).sumNumber().doubleValue(), 0.0, "the 4-pixel frame is empty");
        assertEquals(0.0, first.getColumn(27).sumNumber().doubleValue(), 0.0);
        assertTrue(first.sumNumber().doubleValue() > 10, "strokes inside the frame");
    }

    @Test
    void missingDigitsFileSaysWhereToPutIt(@TempDir File empty) {
        Exception e = assertThrows(RuntimeException.class, () -> AtlasExample.sklearnDigits(
                io.github.dl4jcontinual.data.DataDirectory.of(empty)));
        assertTrue(e.getMessage().contains("sklearn-digits/digits.csv.gz"), e.getMessage());
    }

    /**
     * The measurement command end to end at a tiny scale: the upstream scenario must not hold the Omniglot rows, and the
     * downstream controls (Omniglot relabelled 0..5, overlapping the upstream classes that have texts) carry no texts.
     */
    @Test
    void upstreamCommandRunsEndToEnd(@TempDir File tmp) throws java.io.IOException {
        File md = new File(tmp, "table.md");
        BenchmarksMain.run(new String[]{"atlas", "--data-dir", SharedData.dir().root().getAbsolutePath(), "--seeds", "1",
                "--train-per-class", "4", "--test-per-class", "4", "--stage1", "1", "--stage2", "1",
                "--down-stage1", "1", "--down-stage2", "1", "--omniglot-classes", "6", "--omniglot-train", "2",
                "--align-epochs", "1", "--quiet", "--markdown", md.getAbsolutePath()});
        String table = new String(java.nio.file.Files.readAllBytes(md.toPath()), java.nio.charset.StandardCharsets.UTF_8);
        for (String row : new String[]{"upstream final ATLAS", "upstream final sequential", "forgetting ATLAS",
                "downstream ATLAS after upstream", "downstream head only", "downstream ATLAS after an untrained"}) {
            assertTrue(table.contains("| " + row), row + " missing from\n" + table);
        }
    }
}
