package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.replay.selection.KMeansSelection;
import io.github.dl4jcontinual.replay.selection.RandomSelection;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.serde.ContinualJson;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Buffer mechanics on synthetic data (feature 0 of every example is its stream position). */
class ReplayBufferTest {

    /** n examples, 3 features: [position, class, 0], labels one-hot over numClasses. */
    static DataSet stream(int[] classes, int numClasses, int offset) {
        INDArray x = Nd4j.zeros(DataType.FLOAT, classes.length, 3);
        x.getColumn(0).assign(Nd4j.arange(offset, offset + classes.length).castTo(DataType.FLOAT));
        x.getColumn(1).assign(Nd4j.createFromArray(classes).castTo(DataType.FLOAT));
        return new DataSet(x, DataSets.oneHot(classes, numClasses));
    }

    static int[] classes(int n, int... perClass) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = perClass[i % perClass.length];
        }
        return c;
    }

    @Test
    void reservoirKeepsAUniformSampleOfDetachedCopies() {
        ReservoirReplayBuffer b = new ReservoirReplayBuffer(50, true);
        Random rng = new Random(3);
        for (int i = 0; i < 100; i++) {
            DataSet batch = stream(classes(10, 0, 1), 2, 10 * i);
            INDArray logits = batch.getFeatures().getColumns(0, 1).mul(2);
            b.observe(Batches.of(batch), logits, i / 50, rng);
            batch.getFeatures().assign(-1); // the buffer must hold copies
        }
        assertEquals(50, b.size());
        assertEquals(1000, b.seen());
        ReplayBatch all = b.contents(2);
        INDArray pos = all.features().getColumn(0);
        assertTrue(pos.minNumber().doubleValue() >= 0, "a stored row was modified through the source batch");
        double mean = pos.meanNumber().doubleValue();
        assertTrue(mean > 350 && mean < 650, "reservoir should be uniform over positions 0..999; mean " + mean);
        assertEquals(all.features().getColumns(0, 1).mul(2), all.logits(), "logits must stay with their rows");
        assertEquals(all.features().getColumn(1), Nd4j.argMax(all.labels(), 1).castTo(DataType.FLOAT),
                "labels must stay with their rows");
        assertTrue(b.countsPerExperience().get(1) > b.countsPerExperience().get(0) / 3);
        ReplayBatch s = b.sample(20, 2, new Random(1));
        assertEquals(20, s.size());
        assertEquals(20, s.features().getColumn(0).toDoubleVector().length);
        assertEquals(20, java.util.Arrays.stream(s.features().getColumn(0).toDoubleVector()).distinct().count(),
                "sampling is without replacement");
        b.resize(10);
        assertEquals(10, b.size());
        assertEquals(10, b.capacity());
    }

    @Test
    void lazyLogitsAreComputedOnlyWhenTheReservoirKeepsRowsAndEqualTheEagerPath() {
        ReservoirReplayBuffer lazy = new ReservoirReplayBuffer(20, true);
        ReservoirReplayBuffer eager = new ReservoirReplayBuffer(20, true);
        Random r1 = new Random(5);
        Random r2 = new Random(5);
        int calls = 0;
        int kept = 0;
        for (int i = 0; i < 200; i++) {
            DataSet batch = stream(classes(10, 0, 1), 2, 10 * i);
            INDArray logits = batch.getFeatures().getColumns(0, 1).mul(3);
            long before = lazy.seen();
            int[] called = {0};
            int sizeBefore = lazy.size();
            INDArray storedBefore = lazy.size() == 0 ? null : lazy.contents(2).features().dup();
            lazy.observeLazily(Batches.of(batch), () -> {
                called[0]++;
                return logits;
            }, 0, r1);
            eager.observe(Batches.of(batch), logits, 0, r2);
            assertEquals(before + 10, lazy.seen());
            boolean changed = lazy.size() != sizeBefore || !lazy.contents(2).features().equals(storedBefore);
            assertTrue(called[0] <= 1, "the supplier is called at most once");
            assertEquals(changed, called[0] == 1, "logits are computed exactly when rows are kept (batch " + i + ")");
            calls += called[0];
            kept += changed ? 1 : 0;
        }
        assertTrue(calls < 100, "late in the stream most minibatches keep nothing: " + calls + " of 200 computed");
        assertEquals(kept, calls);
        ReplayBatch a = lazy.contents(2);
        ReplayBatch b = eager.contents(2);
        assertEquals(b.features(), a.features());
        assertEquals(b.logits(), a.logits());
    }

    @Test
    void emptyBufferSamplesNothingAndBadInputIsNamed() {
        ReservoirReplayBuffer b = new ReservoirReplayBuffer(5, false);
        assertNull(b.sample(3, 2, new Random(1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.sample(0, 2, new Random(1)));
        assertTrue(e.getMessage().contains("should be > 0 (got: 0)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ReservoirReplayBuffer(-3, false));
        assertTrue(e.getMessage().contains("(got: -3)"), e.getMessage());
        ReservoirReplayBuffer withLogits = new ReservoirReplayBuffer(5, true);
        assertThrows(IllegalArgumentException.class,
                () -> withLogits.observe(Batches.of(stream(classes(2, 0), 2, 0)), null, 0, new Random(1)));
    }

    @Test
    void onlineClassBalancedReservoirEqualisesAnImbalancedStream() {
        ClassBalancedReplayBuffer b = new ClassBalancedReplayBuffer(100, 0, null, false);
        Random rng = new Random(5);
        // 90 % class 0, 10 % class 1, then class 2 arrives
        for (int i = 0; i < 100; i++) {
            b.observe(Batches.of(stream(classes(10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1), 3, 10 * i)), null, 0, rng);
        }
        Map<Integer, Integer> c = b.countsPerClass();
        assertEquals(100, b.size());
        assertEquals(50, c.get(0));
        assertEquals(50, c.get(1));
        for (int i = 0; i < 20; i++) {
            b.observe(Batches.of(stream(classes(10, 2), 3, 5000 + 10 * i)), null, 1, rng);
        }
        c = b.countsPerClass();
        assertTrue(Math.abs(c.get(0) - 33) <= 1 && Math.abs(c.get(1) - 33) <= 1 && Math.abs(c.get(2) - 33) <= 1,
                "three classes should share 100 slots: " + c);
    }

    private static Scenario scenario() {
        int n = 600;
        int[] cls = new int[n];
        for (int i = 0; i < n; i++) {
            cls[i] = i % 4;
        }
        DataSet d = stream(cls, 4, 0);
        d.getFeatures().getColumn(2).assign(Nd4j.rand(DataType.FLOAT, n));
        return new ClassIncrementalScenario.Builder().train(d).test(d.copy()).numExperiences(2).name("toy").build();
    }

    @Test
    void classBalancedSelectionShrinksOldClassesWhenNewOnesArrive() {
        Scenario s = scenario();
        ReplayBuffer b = new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED).capacity(100)
                .selection(new RandomSelection()).build().build(false);
        b.consolidate(s.trainStream().get(0), null, new Random(1));
        assertEquals(Map.of(0, 50, 1, 50), b.countsPerClass());
        ReplayBatch before = b.contents(4);
        b.consolidate(s.trainStream().get(1), null, new Random(1));
        assertEquals(Map.of(0, 25, 1, 25, 2, 25, 3, 25), b.countsPerClass());
        // the kept examples of class 0 are the first 25 of its earlier ranking
        ReplayBatch after = b.contents(4);
        INDArray keptBefore = before.features().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 100));
        int[] cls0Before = java.util.stream.IntStream.range(0, 100).filter(i -> before.labels().getDouble(i, 0) == 1)
                .limit(25).toArray();
        int[] cls0After = java.util.stream.IntStream.range(0, 100).filter(i -> after.labels().getDouble(i, 0) == 1)
                .toArray();
        for (int i = 0; i < 25; i++) {
            assertEquals(keptBefore.getDouble(cls0Before[i], 0), after.features().getDouble(cls0After[i], 0));
        }

        ReplayBuffer perClass = new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED)
                .perClass(20).selection(new RandomSelection()).build().build(false);
        perClass.consolidate(s.trainStream().get(0), null, new Random(1));
        perClass.consolidate(s.trainStream().get(1), null, new Random(1));
        assertEquals(Map.of(0, 20, 1, 20, 2, 20, 3, 20), perClass.countsPerClass());
        assertEquals(80, perClass.capacity());
    }

    @Test
    void experienceBalancedGivesEachExperienceAnEqualClassBalancedShare() {
        Scenario s = scenario();
        ReplayBuffer b = new ExperienceBalancedReplayBuffer(90, new RandomSelection());
        b.consolidate(s.trainStream().get(0), null, new Random(1));
        assertEquals(Map.of(0, 90), b.countsPerExperience());
        b.consolidate(s.trainStream().get(1), null, new Random(1));
        assertEquals(Map.of(0, 45, 1, 45), b.countsPerExperience());
        Map<Integer, Integer> c = b.countsPerClass();
        assertTrue(Math.abs(c.get(0) - c.get(1)) <= 1 && Math.abs(c.get(2) - c.get(3)) <= 1, c.toString());
        b.resize(30);
        assertEquals(Map.of(0, 15, 1, 15), b.countsPerExperience());
    }

    @Test
    void configurationRoundTripsThroughJsonAndRejectsInconsistentSettings() {
        for (BufferConfiguration c : new BufferConfiguration[]{
                new BufferConfiguration.Builder().capacity(200).build(),
                new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED).perClass(20)
                        .selection(new HerdingSelection("1")).build(),
                new BufferConfiguration.Builder().type(BufferConfiguration.Type.EXPERIENCE_BALANCED).capacity(90)
                        .selection(new KMeansSelection(null, 5)).build()}) {
            String json = c.toJson();
            BufferConfiguration back = BufferConfiguration.fromJson(json);
            assertEquals(c, back, json);
            assertEquals(c.hashCode(), back.hashCode());
            assertEquals(json, ContinualJson.toJson(back));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new BufferConfiguration.Builder().capacity(-3));
        assertTrue(e.getMessage().contains("capacity should be > 0 (got: -3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new BufferConfiguration.Builder().perClass(5).build());
        assertThrows(IllegalArgumentException.class, () -> new BufferConfiguration.Builder()
                .type(BufferConfiguration.Type.EXPERIENCE_BALANCED).build());
        assertThrows(IllegalArgumentException.class, () -> new KMeansSelection(null, 0));
        assertArrayEquals(new int[0], new RandomSelection().select(Nd4j.zeros(3, 2), 0, new Random(1)));
        assertThrows(IllegalArgumentException.class, () -> new RandomSelection().select(Nd4j.zeros(3, 2), 4,
                new Random(1)));
    }
}
