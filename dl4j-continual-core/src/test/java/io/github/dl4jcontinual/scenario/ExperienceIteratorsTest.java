package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.ExampleSource;
import io.github.dl4jcontinual.data.InMemoryDataSetIterator;
import io.github.dl4jcontinual.testutil.ChunkedMultiDataSetIterator;
import io.github.dl4jcontinual.testutil.Reads;
import org.deeplearning4j.datasets.iterator.IteratorDataSetIterator;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Experience#iterator} over each kind of source (through the package's {@code ExperienceIterators}):
 * random-access sources in the order of {@link InMemoryDataSetIterator}, sources read in order once per epoch
 * through a bounded seeded shuffle buffer, unions, views and row reads. Synthetic data: feature 0 of every example
 * is its position in the source, feature 1 its class.
 */
class ExperienceIteratorsTest {
    private static final int N = 120;
    private static final int K = 4;

    /** n examples: [position, class, position²/1000], classes (7i mod k) one-hot over k. */
    static DataSet data(int n, int k) {
        INDArray x = Nd4j.create(DataType.FLOAT, n, 3);
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = (7 * i) % k;
            x.putScalar(i, 0, i);
            x.putScalar(i, 1, c[i]);
            x.putScalar(i, 2, i * i / 1000.0);
        }
        return new DataSet(x, DataSets.oneHot(c, k));
    }

    static ExampleSource memory(DataSet d) {
        return ExampleSource.of(d);
    }

    static ExampleSource list(DataSet d) {
        return ExampleSource.of(new ListDataSetIterator<>(d.asList(), 7));
    }

    static ExampleSource chunked(DataSet d) {
        return ExampleSource.of(new ChunkedMultiDataSetIterator(Batches.of(d), 9, true));
    }

    static Scenario scenario(ExampleSource train, int shuffleBuffer) {
        return new ClassIncrementalScenario.Builder().train(train).test(data(40, K)).numExperiences(2)
                .shuffleBuffer(shuffleBuffer).build();
    }

    static int[] ids(MultiDataSet m) {
        return Arrays.stream(m.getFeatures(0).getColumn(0).toDoubleVector()).mapToInt(v -> (int) v).toArray();
    }

    /** The positions of one epoch, the iterator reset after it. */
    static List<Integer> epoch(MultiDataSetIterator it, int batch) {
        List<Integer> out = new ArrayList<>();
        boolean last = false;
        while (it.hasNext()) {
            MultiDataSet m = it.next();
            assertFalse(last, "only the last minibatch may be smaller than the batch size");
            assertTrue(Batches.size(m) <= batch);
            last = Batches.size(m) < batch;
            Arrays.stream(ids(m)).forEach(out::add);
        }
        it.reset();
        return out;
    }

    static List<Integer> sorted(List<Integer> l) {
        return l.stream().sorted().collect(Collectors.toList());
    }

    /** The source positions of an experience, ascending. */
    static List<Integer> positions(Experience e) {
        return Arrays.stream(ids(Reads.all(e))).sorted().boxed().collect(Collectors.toList());
    }

    @Test
    void inMemoryExperiencesHaveTheOrderOfInMemoryDataSetIteratorBitForBit() {
        DataSet d = data(103, K);
        Experience all = Experience.of(memory(d), 0);
        Experience one = scenario(memory(data(N, K)), 100).trainStream().get(1);
        for (Experience e : List.of(all, one)) {
            DataSet rows = Reads.dataSet(e);
            MultiDataSetIterator it = e.iterator(10, true, 42);
            InMemoryDataSetIterator ref = new InMemoryDataSetIterator(rows, 10, true, 42);
            for (int epoch = 0; epoch < 3; epoch++) {
                int batches = 0;
                while (ref.hasNext()) {
                    assertTrue(it.hasNext());
                    DataSet want = ref.next();
                    MultiDataSet got = it.next();
                    assertEquals(want.getFeatures(), got.getFeatures(0), "epoch " + epoch + ", minibatch " + batches);
                    assertEquals(want.getLabels(), got.getLabels(0), "epoch " + epoch + ", minibatch " + batches);
                    batches++;
                }
                assertFalse(it.hasNext());
                assertEquals((e.numExamples() + 9) / 10, batches);
                it.reset();
                ref.reset();
            }
            assertFalse(it.asyncSupported());
            assertTrue(it.resetSupported());
        }
        // unshuffled, an in-memory experience is read in source order
        assertEquals(IntStream.range(0, 103).boxed().collect(Collectors.toList()),
                epoch(all.iterator(16, false, 1), 16));
    }

    @Test
    void aSourceReadInOrderGivesEveryExampleOncePerEpochWithAndWithoutShuffling() {
        for (Supplier<ExampleSource> kind : List.<Supplier<ExampleSource>>of(() -> list(data(N, K)),
                () -> chunked(data(N, K)))) {
            for (int buffer : new int[]{5, 10_000}) {
                Experience e = scenario(kind.get(), buffer).trainStream().get(1);
                List<Integer> want = positions(e);
                assertEquals(N / 2, want.size());
                assertEquals(want, epoch(e.iterator(8, false, 3), 8), "unshuffled: the source's order");
                MultiDataSetIterator it = e.iterator(8, true, 3);
                List<Integer> first = epoch(it, 8);
                List<Integer> second = epoch(it, 8);
                assertEquals(want, sorted(first), "every example exactly once (buffer " + buffer + ")");
                assertEquals(want, sorted(second), "every example exactly once in the second epoch too");
                assertNotEquals(want, first, "shuffled (buffer " + buffer + ")");
                assertNotEquals(first, second, "reshuffled at every epoch");
                MultiDataSetIterator again = e.iterator(8, true, 3);
                assertEquals(first, epoch(again, 8), "reproducible with the seed");
                assertEquals(second, epoch(again, 8), "reproducible with the seed, epoch after epoch");
                assertNotEquals(first, epoch(e.iterator(8, true, 4), 8), "another seed, another order");
                if (buffer == 5) {
                    // a bounded buffer delays an example by at most its size: rank r comes out at r - 5 or later
                    for (int i = 0; i < first.size(); i++) {
                        assertTrue(i >= want.indexOf(first.get(i)) - 5, "position " + first.get(i) + " came out at "
                                + i + " with a buffer of 5");
                    }
                }
            }
        }
    }

    @Test
    void aSourceReadInOrderIsResetOncePerEpochAndItsArraysKeepTheirShapes() {
        ChunkedMultiDataSetIterator src = new ChunkedMultiDataSetIterator(Batches.of(data(N, K)), 9, true);
        Scenario s = scenario(ExampleSource.of(src), 16);
        int afterBuild = src.resets();
        assertEquals(1, afterBuild, "the builder reads the (train) source once to index it");
        Experience e = s.trainStream().get(0);
        MultiDataSetIterator it = e.iterator(10, true, 5);
        for (int epoch = 0; epoch < 3; epoch++) {
            MultiDataSet m = it.next();
            assertArrayEquals(new long[]{10, 3}, m.getFeatures(0).shape());
            assertArrayEquals(new long[]{10, K}, m.getLabels(0).shape());
            while (it.hasNext()) {
                it.next();
            }
            it.reset();
        }
        // the constructor's pass plus one per reset
        assertEquals(afterBuild + 4, src.resets());
        assertEquals(Experience.DEFAULT_SHUFFLE_BUFFER, 10_000);
        assertThrows(IllegalArgumentException.class, () -> e.withShuffleBuffer(0));
        assertEquals(positions(e), sorted(epoch(e.withShuffleBuffer(1).iterator(7, true, 1), 7)));
        assertEquals(positions(e), epoch(e.withShuffleBuffer(1).iterator(7, true, 1), 7),
                "a buffer of one example keeps the source's order");
    }

    @Test
    void twoPassesOverOneSequentialSourceCannotRunAtOnce() {
        Scenario s = scenario(chunked(data(N, K)), 100);
        MultiDataSetIterator a = s.trainStream().get(0).iterator(5, false, 0);
        a.next();
        MultiDataSetIterator b = s.trainStream().get(1).iterator(5, false, 0);
        b.next();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
            while (a.hasNext()) {
                a.next();
            }
        });
        assertTrue(e.getMessage().contains("two iterators cannot read one source at once")
                && e.getMessage().contains("ChunkedMultiDataSetIterator"), e.getMessage());
        // an in-memory source has no such limit
        Scenario m = scenario(memory(data(N, K)), 100);
        MultiDataSetIterator x = m.trainStream().get(0).iterator(5, false, 0);
        MultiDataSetIterator y = m.trainStream().get(1).iterator(5, false, 0);
        x.next();
        y.next();
        assertEquals(N / 2, 5 + epoch(x, 5).size());
    }

    @Test
    void aSourceThatShrankAfterIndexingFailsWithAMessage() {
        for (boolean shuffle : new boolean[]{false, true}) {
            ChunkedMultiDataSetIterator src = new ChunkedMultiDataSetIterator(Batches.of(data(N, K)), 9, true);
            Scenario s = scenario(ExampleSource.of(src), 16);
            src.truncate(N / 2);
            MultiDataSetIterator it = s.trainStream().get(0).iterator(10, shuffle, 1);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> {
                while (it.hasNext()) {
                    it.next();
                }
            });
            assertTrue(e.getMessage().contains("yielded " + N / 2 + " examples")
                    && e.getMessage().contains("fewer than when the scenario was built"), e.getMessage());
        }
    }

    @Test
    void aSourceThatCannotBeResetIsRefusedWhenTheScenarioIsBuilt() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new ClassIncrementalScenario
                .Builder().train(new ChunkedMultiDataSetIterator(Batches.of(data(N, K)), 9, false))
                .test(data(40, K)).numExperiences(2).build());
        assertTrue(e.getMessage().contains("ChunkedMultiDataSetIterator") && e.getMessage().contains("reset()"),
                e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> Experience.of(ExampleSource.of(
                new IteratorDataSetIterator(data(N, K).asList().iterator(), 10)), 0));
        assertTrue(e.getMessage().contains("IteratorDataSetIterator") && e.getMessage().contains("resettable"),
                e.getMessage());
    }

    @Test
    void unionsMergeOneSourceAndInterleaveSeveral() {
        for (Supplier<ExampleSource> kind : List.<Supplier<ExampleSource>>of(() -> memory(data(N, K)),
                () -> chunked(data(N, K)))) {
            Scenario s = scenario(kind.get(), 1000);
            Experience e0 = s.trainStream().get(0);
            Experience e1 = s.trainStream().get(1);
            Experience u = Experience.union(List.of(e0, e1));
            assertEquals(N, u.numExamples());
            assertEquals(List.of(0, 1, 2, 3), u.classes());
            assertEquals(1, u.index());
            assertEquals(e1.seenClasses(), u.seenClasses());
            assertEquals(IntStream.range(0, N).boxed().collect(Collectors.toList()), sorted(epoch(u.iterator(9, true,
                    2), 9)), "every example of both, once");
            for (int c = 0; c < K; c++) {
                assertEquals((c < 2 ? e0 : e1).count(c), u.count(c));
            }
        }
        // one sequential source: one pass per epoch for the whole union
        ChunkedMultiDataSetIterator src = new ChunkedMultiDataSetIterator(Batches.of(data(N, K)), 9, true);
        Scenario s = scenario(ExampleSource.of(src), 1000);
        Experience u = Experience.union(List.of(s.trainStream().get(0), s.trainStream().get(1)));
        int before = src.resets();
        MultiDataSetIterator it = u.iterator(9, false, 0);
        assertEquals(IntStream.range(0, N).boxed().collect(Collectors.toList()), epoch(it, 9),
                "merged: read in the source's order");
        assertEquals(before + 2, src.resets(), "one pass when created, one at the reset");
        // two sources: mixed row by row
        DataSet other = data(N, K);
        other.getFeatures().getColumn(0).addi(1000);
        Scenario t = scenario(list(other), 1000);
        Experience mixed = Experience.union(List.of(s.trainStream().get(0), t.trainStream().get(1)));
        assertEquals(N, mixed.numExamples());
        assertEquals(s.trainStream().get(0).describeSource() + " + " + t.trainStream().get(1).describeSource(),
                mixed.describeSource());
        MultiDataSetIterator mi = mixed.iterator(10, true, 8);
        int[] firstIds = ids(mi.next());
        assertTrue(Arrays.stream(firstIds).anyMatch(i -> i >= 1000) && Arrays.stream(firstIds).anyMatch(i -> i < 1000),
                "the first minibatch mixes both sources: " + Arrays.toString(firstIds));
        mi.reset();
        List<Integer> mixedEpoch = epoch(mi, 10);
        List<Integer> want = new ArrayList<>(positions(s.trainStream().get(0)));
        want.addAll(positions(t.trainStream().get(1)));
        assertEquals(sorted(want), sorted(mixedEpoch));
        // (one iterator at a time: the union reads a sequential source)
        MultiDataSetIterator m1 = mixed.iterator(10, true, 8);
        List<Integer> m1first = epoch(m1, 10);
        List<Integer> m1second = epoch(m1, 10);
        MultiDataSetIterator m2 = mixed.iterator(10, true, 8);
        assertEquals(m1first, epoch(m2, 10), "reproducible with the seed");
        assertEquals(m1second, epoch(m2, 10), "reproducible with the seed, epoch after epoch");
        assertNotEquals(m1first, m1second);
        assertEquals(sorted(want), sorted(m1second));
        List<Integer> plain = epoch(mixed.iterator(10, false, 8), 10);
        assertEquals(want, plain, "unshuffled: the first experience, then the second");
        assertThrows(IllegalArgumentException.class, () -> Experience.union(List.of()));
        assertTrue(Experience.union(List.of(u)) == u);
        Experience wide = Experience.of(memory(data(20, K + 1)), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Experience.union(List.of(s.trainStream().get(0), wide)));
        assertTrue(e.getMessage().contains(K + " and " + (K + 1)) || e.getMessage().contains((K + 1) + " and " + K),
                e.getMessage());
    }

    @Test
    void aUnionHoldsAnExampleOnceWhateverTheSource() {
        for (Supplier<ExampleSource> kind : List.<Supplier<ExampleSource>>of(() -> memory(data(N, K)),
                () -> chunked(data(N, K)))) {
            Scenario s = scenario(kind.get(), 1000);
            Experience e0 = s.trainStream().get(0);
            Experience e1 = s.trainStream().get(1);
            Experience twice = Experience.union(List.of(e0, e0));
            assertEquals(e0.numExamples(), twice.numExamples());
            assertEquals(positions(e0), sorted(epoch(twice.iterator(7, true, 1), 7)));
            Experience overlap = Experience.union(List.of(e0.subset(IntStream.range(0, 40).toArray()),
                    Experience.union(List.of(e0.subset(IntStream.range(20, 60).toArray()), e1))));
            assertEquals(N, overlap.numExamples());
            assertEquals(IntStream.range(0, N).boxed().collect(Collectors.toList()),
                    sorted(epoch(overlap.iterator(9, true, 2), 9)));
            int[] order = ids(Reads.all(overlap));
            int[] ask = {N - 1, 45, 3, 45};
            assertArrayEquals(Arrays.stream(ask).map(i -> order[i]).toArray(), ids(overlap.rows(ask)),
                    "rows of a union of overlapping selections");
        }
    }

    @Test
    void viewsReadNothingAndRowsComeInTheOrderAsked() {
        for (Supplier<ExampleSource> kind : List.<Supplier<ExampleSource>>of(() -> memory(data(N, K)),
                () -> list(data(N, K)))) {
            Scenario s = scenario(kind.get(), 1000);
            Experience e = s.trainStream().get(0);
            int[] unshuffled = ids(Reads.all(e));
            int[] classIds = e.classIdsInOrder();
            assertArrayEquals(DataSets.classIds(Reads.all(e).getLabels(0)), classIds);
            assertArrayEquals(Arrays.stream(unshuffled).map(p -> (7 * p) % K).toArray(), classIds,
                    "natural order: relabelled ids are the source's");
            Experience sub = e.subset(new int[]{9, 2, 5});
            assertEquals(3, sub.numExamples());
            assertArrayEquals(new int[]{unshuffled[2], unshuffled[5], unshuffled[9]}, ids(Reads.all(sub)),
                    "a subset keeps the ascending order");
            assertEquals(e.classes(), sub.classes());
            assertThrows(IndexOutOfBoundsException.class, () -> e.subset(new int[]{e.numExamples()}));
            assertThrows(IllegalArgumentException.class, () -> e.subset(new int[0]));
            Experience ones = e.ofClasses(1);
            assertEquals(List.of(1), ones.classes());
            assertEquals(e.count(1), ones.numExamples());
            assertTrue(Arrays.stream(ones.classIdsInOrder()).allMatch(c -> c == 1));
            assertTrue(Arrays.stream(ids(Reads.all(ones))).allMatch(p -> (7 * p) % K == 1));
            IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> e.ofClasses(3));
            assertTrue(none.getMessage().contains("[3]") && none.getMessage().contains("[0, 1]"),
                    none.getMessage());
            MultiDataSet r = e.rows(new int[]{17, 3, 17, 0});
            assertArrayEquals(new int[]{unshuffled[17], unshuffled[3], unshuffled[17], unshuffled[0]}, ids(r));
            assertEquals(Reads.all(e).getLabels(0).getRow(17), r.getLabels(0).getRow(0));
            assertThrows(IndexOutOfBoundsException.class, () -> e.rows(new int[]{-1}));
            assertThrows(IllegalArgumentException.class, () -> e.rows(new int[0]));
        }
        // rows of a union across an in-memory and a sequential source, in the order asked
        Experience a = scenario(memory(data(N, K)), 1000).trainStream().get(0);
        DataSet other = data(N, K);
        other.getFeatures().getColumn(0).addi(1000);
        Experience b = scenario(list(other), 1000).trainStream().get(1);
        Experience u = Experience.union(List.of(a, b));
        int[] order = ids(Reads.all(u));
        int[] ask = {N / 2 + 3, 1, N - 1, 0, N / 2 + 3};
        assertArrayEquals(Arrays.stream(ask).map(i -> order[i]).toArray(), ids(u.rows(ask)));
        assertArrayEquals(IntStream.concat(Arrays.stream(a.classIdsInOrder()), Arrays.stream(b.classIdsInOrder()))
                .toArray(), u.classIdsInOrder());
    }

    @Test
    void anExperienceOfAWholeSourceKeepsItsLabels() {
        DataSet d = data(30, 6);
        // classes 0, 1, 2, 3, 4, 5 but with class 3 removed: the label width stays 6
        int[] keep = IntStream.range(0, 30).filter(i -> (7 * i) % 6 != 3).toArray();
        DataSet gap = new DataSet(d.getFeatures().getRows(keep), d.getLabels().getRows(keep));
        for (ExampleSource src : List.of(memory(gap), list(gap))) {
            Experience e = Experience.of(src, 0);
            assertEquals(-1, e.index());
            assertEquals(List.of(0, 1, 2, 4, 5), e.classes());
            assertEquals(e.classes(), e.seenClasses());
            assertEquals(6, e.numClasses());
            assertEquals(0, e.classificationOutput());
            assertEquals(1, e.numInputs());
            assertArrayEquals(new long[]{3}, e.exampleShape(0));
            assertEquals(keep.length, e.numExamples());
            assertEquals(gap.getLabels(), Reads.all(e).getLabels(0), "no relabelling outside a scenario");
            Experience placed = e.at(4, new int[]{0, 1, 2, 4, 5});
            assertEquals(4, placed.index());
            assertEquals(e.numExamples(), placed.numExamples());
        }
        Experience im = Experience.inMemory(Batches.of(gap), 0, 3);
        assertEquals(3, im.index());
        assertTrue(im.toString().contains("experience 3"), im.toString());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Experience.of(memory(gap), 1));
        assertTrue(e.getMessage().contains("1 label arrays") && e.getMessage().contains("index 1"), e.getMessage());
    }
}
