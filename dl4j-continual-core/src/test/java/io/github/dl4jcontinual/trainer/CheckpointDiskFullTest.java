package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.eval.ContinualResult;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A full disk while checkpointing: a child JVM ({@link #main}) runs the 8-experience ER stream of
 * {@link CheckpointKillTest} with a checkpoint directory under {@code ulimit -f} (writes past 1 MiB fail with
 * EFBIG, as on a full disk; a checkpoint of this network is about 2.5 MB). The run must finish with its result
 * (equal to the run without checkpoints), report every failed write, and leave no partial file.
 */
class CheckpointDiskFullTest {
    /**
     * The child: fits with checkpoints into {@code args[0]} and prints the class-IL correct counts and the failures.
     *
     * @param args the checkpoint directory
     */
    public static void main(String[] args) {
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(CheckpointKillTest.net(),
                CheckpointKillTest.conf()).setCheckpointDirectory(Paths.get(args[0]));
        ContinualResult r = t.fit(CheckpointKillTest.scenario());
        System.out.println("RESULT " + counts(r));
        System.out.println("FAILURES " + t.checkpointFailures().size());
        t.checkpointFailures().forEach(f -> System.out.println("FAILURE " + f));
    }

    static String counts(ContinualResult r) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < r.classIncremental().rows(); i++) {
            for (int j = 0; j < r.classIncremental().columns(); j++) {
                sb.append(r.classIncremental().correct(i, j)).append(j + 1 < r.classIncremental().columns() ? "," : ";");
            }
        }
        return sb.toString();
    }

    @Test
    void aFullDiskDuringCheckpointsKeepsTheRunAndReportsEveryFailedWrite(@TempDir Path root) throws Exception {
        ContinualResult expected = ContinualTrainer.wrap(CheckpointKillTest.net(), CheckpointKillTest.conf())
                .fit(CheckpointKillTest.scenario());
        Path dir = root.resolve("ckpt");
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        // SIGXFSZ ignored (as the JVM does), so that a write past the limit fails with EFBIG instead of killing
        String cmd = "ulimit -f 1024; trap '' XFSZ; exec \"$0\" -XX:-UsePerfData -Xmx512m -cp \"$1\" "
                + CheckpointDiskFullTest.class.getName() + " \"$2\"";
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", cmd, java, System.getProperty("java.class.path"),
                dir.toString()).redirectErrorStream(true);
        pb.environment().put("OMP_NUM_THREADS", "1");
        Process child = pb.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream in = child.getInputStream()) {
            in.transferTo(out); // a pipe: not limited by ulimit -f
        }
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child did not finish");
        String log = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), "the child failed:\n" + log);
        assertTrue(log.contains("RESULT " + counts(expected)),
                "the run's result is kept despite the failed writes:\n" + log);
        assertTrue(log.contains("FAILURES 8"), "every one of the 8 checkpoints failed and was reported:\n" + log);
        assertTrue(log.contains("File too large") && log.contains("training goes on without it"), log);
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(0, s.count(), "no partial checkpoint or temporary file is left");
        }
        assertTrue(CheckpointFile.latestIn(dir).isEmpty());
    }
}
