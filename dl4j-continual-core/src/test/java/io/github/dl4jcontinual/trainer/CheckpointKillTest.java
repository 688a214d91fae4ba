package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SIGKILL while checkpointing: a child JVM ({@link #main}) trains an ER learner on a synthetic 8-experience stream
 * and writes checkpoints over and over (after every experience, then four more times on demand, so most of its time
 * is spent writing); the test kills it with {@link Process#destroyForcibly()} at random moments. After every kill
 * the newest checkpoint must load and, resumed here, reproduce the uninterrupted run's accuracy matrices exactly.
 */
class CheckpointKillTest {
    private static final int KILLS = 8;
    /** More kills, if none of the first ones hit a write. */
    private static final int MAX_KILLS = 14;

    static Scenario scenario() {
        return new ClassIncrementalScenario.Builder()
                .train(SyntheticData.blobs(16, 30, 64, 5, 6)).test(SyntheticData.blobs(16, 10, 64, 5, 7))
                .numExperiences(8).name("blobs").build();
    }

    static ContinualConfiguration conf() {
        return new ContinualConfiguration.Builder().batchSize(16).seed(9).progress(false)
                .plugin(new ExperienceReplay.Builder().bufferSize(64).replayBatch(8).build()).build();
    }

    static MultiLayerNetwork net() {
        return Models.mlp(64, 768, 16, 0.05, 4);
    }

    /**
     * The child: checkpoints into {@code args[0]} in a loop until killed.
     *
     * @param args the checkpoint directory
     */
    public static void main(String[] args) {
        Path dir = Paths.get(args[0]);
        Scenario s = scenario();
        while (true) {
            ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net(), conf()).setCheckpointDirectory(dir);
            t.addListener(new ContinualListener() {
                @Override
                public void onExperienceEnd(ExperienceResult r, AccuracyMatrix c, AccuracyMatrix ti) {
                    for (int i = 0; i < 4; i++) {
                        t.saveCheckpoint(dir.resolve(CheckpointFile.fileName(r.experience() + 1)));
                    }
                }
            });
            t.fit(s);
        }
    }

    @Test
    void theLastCompleteCheckpointSurvivesSigkill(@TempDir Path root) throws Exception {
        Scenario s = scenario();
        ContinualResult expected = ContinualTrainer.wrap(net(), conf()).fit(s);
        String java = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
        Random rnd = new Random(2024);
        int tmpLeft = 0;
        long t0 = System.currentTimeMillis();
        int kill;
        for (kill = 0; kill < KILLS || (tmpLeft == 0 && kill < MAX_KILLS); kill++) {
            Path dir = Files.createDirectories(root.resolve("run" + kill));
            ProcessBuilder pb = new ProcessBuilder(java, "-Xmx512m", "-Dorg.bytedeco.javacpp.maxbytes=1G",
                    "-Dorg.bytedeco.javacpp.maxphysicalbytes=2G", "-cp", System.getProperty("java.class.path"),
                    CheckpointKillTest.class.getName(), dir.toString())
                    .redirectErrorStream(true).redirectOutput(root.resolve("child" + kill + ".log").toFile());
            pb.environment().put("OMP_NUM_THREADS", "1");
            Process child = pb.start();
            try {
                long deadline = System.currentTimeMillis() + 60_000;
                while (CheckpointFile.latestIn(dir).isEmpty() && child.isAlive()
                        && System.currentTimeMillis() < deadline) {
                    Thread.sleep(20);
                }
                assertTrue(child.isAlive(), "the child died on its own; see " + root.resolve("child" + kill + ".log")
                        + ":\n" + Files.readString(root.resolve("child" + kill + ".log")));
                Thread.sleep(rnd.nextInt(1500));
            } finally {
                child.destroyForcibly();
                assertTrue(child.waitFor(30, TimeUnit.SECONDS), "the child did not die");
            }
            try (Stream<Path> files = Files.list(dir)) {
                tmpLeft += files.anyMatch(p -> p.toString().endsWith(".tmp")) ? 1 : 0;
            }
            Optional<Path> latest = CheckpointFile.latestIn(dir);
            assertTrue(latest.isPresent(), "a checkpoint was complete before the kill");
            Nd4j.getRandom().setSeed(kill);
            ContinualTrainer<MultiLayerNetwork> resumed = ContinualTrainer.resume(latest.get(), conf(),
                    MultiLayerNetwork.class);
            ContinualResult r = resumed.fit(s);
            CheckpointResumeTest.assertSameMatrix(expected.classIncremental(), r.classIncremental(),
                    "class-IL after kill " + kill + " (resumed from " + latest.get().getFileName() + ")");
            CheckpointResumeTest.assertSameMatrix(expected.taskIncremental(), r.taskIncremental(),
                    "task-IL after kill " + kill);
        }
        assertTrue(tmpLeft > 0, "none of the " + kill + " kills hit a checkpoint being written");
        System.out.println("CheckpointKillTest: " + kill + " kills, " + tmpLeft + " of them during a write (a .tmp "
                + "was left), " + (System.currentTimeMillis() - t0) + " ms");
    }
}
