package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.testutil.MnistFiles;
import io.github.dl4jcontinual.testutil.SharedData;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code learn(experience)} in three separate JVMs — the first evaluating the baseline, learning experience 0,
 * evaluating and saving a checkpoint, the next two loading the previous checkpoint, learning the next experience,
 * evaluating and saving — equals one in-process {@code fit(scenario)} bit for bit: every matrix of the result JSON
 * (correct counts, totals, baselines) and the final parameters. Real MNIST (the first 100 training and 50 test
 * images of every class) read from PNG trees through an {@code ImageRecordReader} in each JVM; ER; an Adam MLP
 * with dropout, so the updater state, ND4J's generator, the buffer and its generators all cross the process
 * boundary. The children run {@link StepwiseRun} with this JVM's class path.
 */
class LearnAcrossJvmsTest {

    @Test
    void threeProcessesEqualOneFit(@TempDir Path dir) throws Exception {
        DataSet train = SharedData.mnistTrain();
        DataSet test = SharedData.mnistTest();
        MnistFiles.writePngTree(MnistFiles.rows(train, MnistFiles.firstPerClass(train, 100)), dir.resolve("train"), 1);
        MnistFiles.writePngTree(MnistFiles.rows(test, MnistFiles.firstPerClass(test, 50)), dir.resolve("test"), 1);

        Path in = null;
        Path json = null;
        for (int step = 0; step < 3; step++) {
            Path out = dir.resolve("step" + step + ".zip");
            json = dir.resolve("step" + step + ".json");
            fork(dir, step, in, out, json);
            in = out;
        }

        ContinualTrainer<MultiLayerNetwork> whole = ContinualTrainer.wrap(StepwiseRun.net(), StepwiseRun.conf());
        ContinualResult expected = whole.fit(StepwiseRun.scenario(dir));
        ContinualResult stepwise = ContinualResult.fromJson(Files.readString(json));

        assertEquals(expected.matrixNames(), stepwise.matrixNames());
        for (String name : expected.matrixNames()) {
            assertSame(expected.matrix(name), stepwise.matrix(name), name);
        }
        assertEquals(3, stepwise.classIncremental().rows());
        for (int e = 0; e < 3; e++) {
            assertEquals(expected.experiences().get(e).examplesSeen(), stepwise.experiences().get(e).examplesSeen(),
                    "examples seen in experience " + e);
        }
        MultiLayerNetwork last = ContinualTrainer.load(in, StepwiseRun.conf(), MultiLayerNetwork.class).getModel();
        assertArrayEquals(whole.getModel().params().toFloatVector(), last.params().toFloatVector(),
                "final parameters");
        // the run learned (measured 0.907 on classes {0,1,2} after experience 0)
        assertTrue(stepwise.classIncremental().get(0, 0) > 0.8, "accuracy on experience 0 after learning it: "
                + stepwise.classIncremental().get(0, 0));
    }

    static void assertSame(AccuracyMatrix a, AccuracyMatrix b, String what) {
        assertEquals(a.rows(), b.rows(), what + " rows");
        assertEquals(a.columns(), b.columns(), what + " columns");
        for (int j = 0; j < a.columns(); j++) {
            assertEquals(a.total(j), b.total(j), what + " total " + j);
            assertEquals(Double.doubleToLongBits(a.baseline(j)), Double.doubleToLongBits(b.baseline(j)),
                    what + " baseline " + j);
            for (int i = 0; i < a.rows(); i++) {
                assertEquals(a.correct(i, j), b.correct(i, j), what + " R[" + i + "][" + j + "]");
            }
        }
    }

    private static void fork(Path trees, int step, Path in, Path out, Path json) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java");
        cmd.add("-Xmx1g");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(StepwiseRun.class.getName());
        cmd.add(trees.toString());
        cmd.add(Integer.toString(step));
        cmd.add(in == null ? "-" : in.toString());
        cmd.add(out.toString());
        cmd.add(json.toString());
        Path log = trees.resolve("step" + step + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        if (!done) {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(done && p.exitValue() == 0, "step " + step + (done ? " exited with " + p.exitValue()
                : " timed out") + ":\n" + output);
        System.out.println(output.lines().filter(l -> l.startsWith("step ")).findFirst().orElse(""));
    }
}
