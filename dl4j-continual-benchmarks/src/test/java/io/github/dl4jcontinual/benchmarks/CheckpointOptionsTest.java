package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The commands' --checkpoint-dir / --resume / --stop-after: validation, and stop + resume = one whole run. */
class CheckpointOptionsTest {
    /** The mixin parsed on its own, and checked. */
    private static CheckpointOptions options(String... argv) {
        CheckpointOptions o = new CheckpointOptions();
        new picocli.CommandLine(o).parseArgs(argv);
        return o.check();
    }

    @Test
    void resumeAndStopNeedACheckpointDirectory() {
        picocli.CommandLine.ParameterException e = assertThrows(picocli.CommandLine.ParameterException.class,
                () -> options("--resume"));
        assertTrue(e.getMessage().contains("--checkpoint-dir"), e.getMessage());
        e = assertThrows(picocli.CommandLine.ParameterException.class, () -> options("--checkpoint-dir", "x",
                "--stop-after", "0"));
        assertTrue(e.getMessage().contains("'--stop-after': '0', expected an integer >= 1"), e.getMessage());
        // on the command line: exit code 2 and the message, no stack trace
        String err = Cli.error("split-mnist", "--stop-after", "2");
        assertTrue(err.contains("--checkpoint-dir") && !err.contains("\tat "), err);
    }

    @Test
    void stoppingAndResumingGivesTheWholeRun(@TempDir Path dir) {
        Scenario s = new ClassIncrementalScenario.Builder().train(SyntheticData.blobs(6, 20, 10, 1, 2))
                .test(SyntheticData.blobs(6, 10, 10, 1, 3)).numExperiences(3).name("blobs").build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(8).seed(5).progress(false)
                .plugin(new ExperienceReplay.Builder().bufferSize(20).build()).build();
        ContinualResult whole = options()
                .fit(Models.mlp(10, 16, 6, 0.1, 1), conf, s, "run");
        String d = dir.toString();
        ContinualResult part = options("--checkpoint-dir", d, "--stop-after", "1").fit(Models.mlp(10, 16, 6, 0.1, 1), conf, s, "run");
        assertEquals(1, part.classIncremental().rows());
        assertEquals(CheckpointFile.fileName(1), CheckpointFile.latestIn(dir.resolve("run")).orElseThrow()
                .getFileName().toString());
        // a network built with another learning rate (--lr 5.0 on a checkpoint of --lr 0.1) is refused by name
        io.github.dl4jcontinual.checkpoint.CheckpointException lr = assertThrows(
                io.github.dl4jcontinual.checkpoint.CheckpointException.class, () -> options("--checkpoint-dir", d, "--resume")
                        .fit(Models.mlp(10, 16, 6, 5.0, 1), conf, s, "run"));
        assertTrue(lr.getMessage().contains("another network") && lr.getMessage().contains(
                "learningRate: checkpoint 0.1, given 5.0"), lr.getMessage());
        // the network's weights (another initialisation seed) are not used: the run continues from its checkpoint
        ContinualResult resumed = options("--checkpoint-dir", d, "--resume").fit(Models.mlp(10, 16, 6, 0.1, 99), conf, s, "run");
        assertEquals(3, resumed.classIncremental().rows());
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(whole.classIncremental().get(i, j), resumed.classIncremental().get(i, j), 0.0,
                        "R[" + i + "][" + j + "]");
            }
        }
        assertTrue(Files.isRegularFile(dir.resolve("run").resolve(CheckpointFile.fileName(3))));
        // result.json records the network's settings (updater, learning rate) and the run's id
        assertTrue(resumed.toJson().contains("\"learningRate\" : 0.1") && resumed.runId() != null
                && resumed.runId().equals(part.runId()), resumed.runId() + " / " + part.runId());
        assertArrayEquals(new int[]{0, 1, 2}, resumed.experiences().stream().mapToInt(r -> r.experience()).toArray());
    }
}
