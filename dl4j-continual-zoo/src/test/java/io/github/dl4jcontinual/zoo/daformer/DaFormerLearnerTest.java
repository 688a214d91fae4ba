package io.github.dl4jcontinual.zoo.daformer;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.zoo.ContinualLoop;
import io.github.dl4jcontinual.zoo.transformer.DaFormer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DAFormer recipe's invariants on a tiny synthetic stream (8×8 images, 6 classes, 3 experiences): growing keeps
 * old outputs, old key sets and heads stay bit-identical, -M grows by one key set per task and -S does not, the
 * divergence targets, and the configuration's JSON round trip.
 */
public class DaFormerLearnerTest {

    /** 6 classes of 8×8 images: class c lights up a class-specific pixel block plus noise. */
    public static Scenario synthetic(int perClass, long seed) {
        Random r = new Random(seed);
        int n = 6 * perClass;
        float[] x = new float[n * 64];
        float[] y = new float[n * 6];
        for (int i = 0; i < n; i++) {
            int c = i % 6;
            y[i * 6 + c] = 1f;
            for (int k = 0; k < 64; k++) {
                x[i * 64 + k] = (float) (0.3 * r.nextDouble());
            }
            for (int k = 0; k < 6; k++) {
                x[i * 64 + c * 8 + k + 1] += 0.7f;
            }
        }
        DataSet d = new DataSet(Nd4j.create(x, new long[]{n, 64}), Nd4j.create(y, new long[]{n, 6}));
        return new ClassIncrementalScenario.Builder().train(d).test(d.copy()).numExperiences(3).name("synthetic")
                .build();
    }

    static DaFormerConfiguration.Builder tiny(DaFormer.Edition e) {
        return new DaFormerConfiguration.Builder().edition(e).image(8, 8, 1).patchSize(4).embedDim(8).depth(2)
                .heads(2).mlpRatio(1.0).memorySize(12).epochs(2).batchSize(8).fineTuneEpochs(1).knnK(3)
                .evalBatchSize(50).seed(5);
    }

    private static INDArray key(DaFormerLearner l, String p) {
        return l.model().getLayer(DaFormer.DUAL).getParam(p).dup();
    }

    @Test
    void growingKeepsOldOutputsBothEditions() {
        for (DaFormer.Edition e : DaFormer.Edition.values()) {
            Scenario s = synthetic(10, 1);
            DaFormerLearner l = new DaFormerLearner(tiny(e).build());
            l.train(s.trainStream().get(0));
            INDArray x = ContinualLoop.inMemory(s.testStream().get(0)).getFeatures();
            INDArray before = l.logits(x);
            ComputationGraph grown = l.grow(2);
            INDArray after = grown.feedForward(x, false).get(DaFormer.HEADS);
            assertArrayEquals(new long[]{x.size(0), 4}, after.shape());
            assertTrue(before.equalsWithEps(after.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)), 1e-6),
                    e + ": old logits changed by growing");
            if (e == DaFormer.Edition.M) {
                assertEquals(0.0, grown.getLayer(DaFormer.DUAL).getParam("key1").amaxNumber().doubleValue());
                assertEquals(0.0, grown.getLayer(DaFormer.DUAL).getParam("kbias1").amaxNumber().doubleValue());
            }
        }
    }

    @Test
    void oldKeysAreBitIdenticalAfterLaterTasksAndFineTuning() {
        Scenario s = synthetic(10, 2);
        DaFormerLearner l = new DaFormerLearner(tiny(DaFormer.Edition.M).build());
        l.train(s.trainStream().get(0));
        INDArray key0 = key(l, "key0");
        INDArray bias0 = key(l, "kbias0");
        INDArray shared = l.model().getLayer(DaFormer.DUAL).getParam("wq").dup();
        l.train(s.trainStream().get(1));
        INDArray key1 = key(l, "key1");
        assertNotEquals(0.0, key1.amaxNumber().doubleValue(), "the new key set should train");
        l.train(s.trainStream().get(2));
        assertEquals(key0, key(l, "key0"), "key0 changed after later tasks");
        assertEquals(bias0, key(l, "kbias0"), "kbias0 changed after later tasks");
        assertEquals(key1, key(l, "key1"), "key1 changed after task 2");
        assertNotEquals(shared, l.model().getLayer(DaFormer.DUAL).getParam("wq"), "shared weights should train");
    }

    @Test
    void oldHeadsAreBitIdenticalWhileTrainingLaterTasks() {
        // heads are frozen while training later tasks; balanced fine-tuning (off here) retrains all heads
        Scenario s = synthetic(10, 2);
        DaFormerLearner l = new DaFormerLearner(tiny(DaFormer.Edition.S).fineTuneEpochs(0).build());
        l.train(s.trainStream().get(0));
        INDArray w0 = l.model().getLayer(DaFormer.HEADS).getParam("W0").dup();
        INDArray g0 = l.model().getLayer(DaFormer.HEADS).getParam("g0").dup();
        l.train(s.trainStream().get(1));
        l.train(s.trainStream().get(2));
        assertEquals(w0, l.model().getLayer(DaFormer.HEADS).getParam("W0"), "old head W0 changed");
        assertEquals(g0, l.model().getLayer(DaFormer.HEADS).getParam("g0"), "old head g0 changed");
        assertEquals(java.util.List.of(DaFormer.OUT), DaFormer.outputNames(l.model()));
    }

    @Test
    void parameterCountGrowsByOneKeySetPerTaskForMOnly() {
        int tokens = 4;
        int headDim = 4;
        long keySet = (long) tokens * headDim + tokens;
        for (DaFormer.Edition e : DaFormer.Edition.values()) {
            Scenario s = synthetic(6, 3);
            DaFormerLearner l = new DaFormerLearner(tiny(e).epochs(1).fineTuneEpochs(0).build());
            long prevDual = -1;
            long prevTotal = -1;
            for (Experience exp : s.trainStream()) {
                l.train(exp);
                long dual = l.model().getLayer(DaFormer.DUAL).numParams();
                long total = l.model().numParams();
                if (prevDual >= 0) {
                    long head = 2 * 8 + 8 * 2 + 2; // LayerNorm gain/bias, W [8, 2], bias
                    assertEquals(e == DaFormer.Edition.M ? keySet : 0, dual - prevDual, e + " dual block growth");
                    assertEquals((e == DaFormer.Edition.M ? keySet : 0) + head, total - prevTotal, e + " total growth");
                }
                prevDual = dual;
                prevTotal = total;
            }
        }
    }

    @Test
    void fitProducesAccuracyMatricesAndLearns() {
        ContinualResult r = new DaFormerLearner(tiny(DaFormer.Edition.S).epochs(4).build()).fit(synthetic(20, 4));
        assertEquals(3, r.classIncremental().rows());
        assertTrue(r.taskIncremental().finalAverageAccuracy() > 0.6, "task-IL " + r.taskIncremental());
        assertTrue(r.classIncremental().averageAccuracy(0) > 0.6, "first task " + r.classIncremental());
    }

    @Test
    void divergenceTargetsMapOldClassesToZero() {
        INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 5);
        int[] cls = {0, 2, 3, 4};
        for (int i = 0; i < 4; i++) {
            y.putScalar(i, cls[i], 1);
        }
        INDArray d = DaFormerLearner.divergenceTargets(y, 3, 2);
        assertArrayEquals(new long[]{0, 0, 1, 2}, d.argMax(1).toLongVector());
        assertEquals(3, d.size(1));
    }

    @Test
    void frozenSetNamesOldKeysAndHeads() {
        DaFormerLearner m = new DaFormerLearner(tiny(DaFormer.Edition.M).build());
        assertTrue(m.frozenForTask(2).containsAll(java.util.List.of("dual_key0", "dual_kbias1", "heads_W1",
                "heads_g0")));
        assertTrue(m.frozenForTask(0).isEmpty());
        DaFormerLearner s = new DaFormerLearner(tiny(DaFormer.Edition.S).build());
        assertTrue(s.frozenForTask(1).stream().noneMatch(k -> k.startsWith("dual_")), "S shares its key set");
    }

    @Test
    void configurationJsonRoundTripAndValidation() {
        DaFormerConfiguration c = DaFormerConfiguration.cifar100().edition(DaFormer.Edition.S).knnWeight(0.5).build();
        assertEquals(c, DaFormerConfiguration.fromJson(c.toJson()));
        assertEquals(384, c.getEmbedDim());
        assertEquals(c, c.toBuilder().build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new DaFormerConfiguration.Builder().embedDim(30).heads(4).build());
        assertTrue(e.getMessage().contains("30"));
        assertThrows(IllegalArgumentException.class, () -> new DaFormerConfiguration.Builder().depth(1));
        DaFormerLearner l = new DaFormerLearner(tiny(DaFormer.Edition.M).build());
        Scenario s = synthetic(4, 1);
        assertThrows(IllegalArgumentException.class, () -> l.train(s.trainStream().get(1)));
    }
}
