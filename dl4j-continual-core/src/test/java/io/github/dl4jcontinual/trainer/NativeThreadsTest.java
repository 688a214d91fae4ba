package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer's native thread setting: the rule, and that training uses it and the process's count comes back. */
class NativeThreadsTest {

    @Test
    void autoUsesOneThreadForSmallBatchesUnlessTheUserSetOmpNumThreads() {
        assertEquals(1, NativeThreads.threadsFor(0, 10, null));
        assertEquals(1, NativeThreads.threadsFor(0, 32, ""));
        assertEquals(0, NativeThreads.threadsFor(0, 33, null), "large batches keep the process's setting");
        assertEquals(0, NativeThreads.threadsFor(0, 10, "2"), "OMP_NUM_THREADS is the user's choice");
        assertEquals(0, NativeThreads.threadsFor(-1, 10, null));
        assertEquals(3, NativeThreads.threadsFor(3, 10, "2"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ContinualConfiguration.Builder().nativeThreads(-2));
        assertTrue(e.getMessage().contains("-2"), e.getMessage());
        ContinualConfiguration c = new ContinualConfiguration.Builder().nativeThreads(2).build();
        assertEquals(c, ContinualConfiguration.fromJson(c.toJson()));
    }

    @Test
    void trainingRunsWithTheConfiguredCountAndTheProcessCountIsPutBack() {
        Nd4j.scalar(0);
        int before = NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
        int wanted = before == 1 ? 2 : 1;
        Scenario s = new ClassIncrementalScenario.Builder()
                .train(new DataSet(Nd4j.rand(40, 6), oneHot(40))).test(new DataSet(Nd4j.rand(20, 6), oneHot(20)))
                .numExperiences(2).build();
        MultiLayerNetwork net = Models.mlp(6, 8, 4, 0.1, 1);
        Set<Integer> seen = new HashSet<>();
        net.setListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                seen.add(NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
            }
        });
        ContinualTrainer.wrap(net, new ContinualConfiguration.Builder().batchSize(10).progress(false)
                .nativeThreads(wanted).build()).fit(s);
        assertEquals(Set.of(wanted), seen, "threads during training");
        assertEquals(before, NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads(), "after");
    }

    @Test
    void evaluationOfTinyTestExperiencesUsesOneThreadInAutoModeOnly() {
        Nd4j.scalar(0);
        org.nd4j.nativeblas.NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        int before = ops.ompGetMaxThreads();
        ops.setOmpNumThreads(2);
        try {
            boolean userSet = System.getenv("OMP_NUM_THREADS") != null && !System.getenv("OMP_NUM_THREADS").isBlank();
            try (NativeThreads t = NativeThreads.forEvaluation(0, 10)) {
                assertEquals(userSet ? 2 : 1, ops.ompGetMaxThreads(), "10-row test experiences");
            }
            assertEquals(2, ops.ompGetMaxThreads(), "put back");
            try (NativeThreads t = NativeThreads.forEvaluation(0, 2000)) {
                assertEquals(2, ops.ompGetMaxThreads(), "large test experiences keep the process's setting");
            }
            try (NativeThreads t = NativeThreads.forEvaluation(-1, 10)) {
                assertEquals(2, ops.ompGetMaxThreads(), "-1 leaves ND4J alone");
            }
            try (NativeThreads t = NativeThreads.forEvaluation(3, 10)) {
                assertEquals(2, ops.ompGetMaxThreads(), "a fixed count applies to training only");
            }
        } finally {
            ops.setOmpNumThreads(before);
        }
    }

    @Test
    void holderSwitchesOnlyWhenAnotherCountIsWantedAndPutsTheProcessCountBack() {
        Nd4j.scalar(0);
        org.nd4j.nativeblas.NativeOps ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        int before = ops.ompGetMaxThreads();
        ops.setOmpNumThreads(2);
        try {
            try (NativeThreads.Holder h = NativeThreads.hold()) {
                h.use(1);
                assertEquals(1, ops.ompGetMaxThreads());
                h.use(1);
                assertEquals(1, ops.ompGetMaxThreads());
                h.use(0);
                assertEquals(2, ops.ompGetMaxThreads(), "0 is the process's count");
                h.use(3);
                assertEquals(3, ops.ompGetMaxThreads());
            }
            assertEquals(2, ops.ompGetMaxThreads(), "closing puts the process's count back");
            boolean userSet = System.getenv("OMP_NUM_THREADS") != null && !System.getenv("OMP_NUM_THREADS").isBlank();
            assertEquals(userSet ? 0 : 1, NativeThreads.evaluationThreads(0, 10));
            assertEquals(0, NativeThreads.evaluationThreads(0, 2000));
            assertEquals(0, NativeThreads.evaluationThreads(3, 10), "a fixed count applies to training only");
        } finally {
            ops.setOmpNumThreads(before);
        }
    }

    private static org.nd4j.linalg.api.ndarray.INDArray oneHot(int n) {
        org.nd4j.linalg.api.ndarray.INDArray y = Nd4j.zeros(n, 4);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % 4, 1);
        }
        return y;
    }
}
