package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.ExampleSource;
import io.github.dl4jcontinual.data.ReplayIterator;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.replay.selection.RandomSelection;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.ClassOrder;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.ChunkedMultiDataSetIterator;
import io.github.dl4jcontinual.testutil.Reads;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sequences {@code [N, F, T]} (labels {@code [N, K, T]} with label masks, feature masks) and images
 * {@code [N, C, H, W]} flow unchanged through a scenario, its iterators, {@link ReplayIterator} and the buffers
 * (with their saved state); herding selects on a CNN's features. Feature (0, 0[, 0]) of every example is its
 * position in the source; the time dimension has the length of the class count (3), so a mixed-up time mask and
 * class dimension would show.
 */
class RanksThroughTheLibraryTest {
    static final int K = 3;
    static final int T = 3;

    /** n sequences [n, 2, T]: value (i, t); labels [n, K, T] of class i mod K; step 0 masked for odd i. */
    static MultiDataSet sequences(int n) {
        INDArray f = Nd4j.create(DataType.FLOAT, n, 2, T);
        INDArray l = Nd4j.zeros(DataType.FLOAT, n, K, T);
        INDArray lm = Nd4j.ones(DataType.FLOAT, n, T);
        INDArray fm = Nd4j.ones(DataType.FLOAT, n, T);
        for (int i = 0; i < n; i++) {
            f.get(NDArrayIndex.point(i), NDArrayIndex.point(0), NDArrayIndex.all()).assign(i);
            for (int t = 0; t < T; t++) {
                f.putScalar(new int[]{i, 1, t}, t + 0.5f * (i % 7));
            }
            l.get(NDArrayIndex.point(i), NDArrayIndex.point(i % K), NDArrayIndex.all()).assign(1);
            if (i % 2 == 1) {
                lm.putScalar(i, 0, 0);
                // the masked step's label is garbage: not one-hot, as a padded step may be
                l.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.point(0)).assign(0);
            }
            if (i % 5 == 0) {
                fm.putScalar(i, T - 1, 0);
            }
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{f}, new INDArray[]{l}, new INDArray[]{fm},
                new INDArray[]{lm});
    }

    /** n images [n, 1, 4, 4]: pixel (0, 0) is i, the others a class-dependent pattern; labels [n, K]. */
    static MultiDataSet images(int n) {
        INDArray f = Nd4j.create(DataType.FLOAT, n, 1, 4, 4);
        int[] c = new int[n];
        Random r = new Random(5);
        for (int i = 0; i < n; i++) {
            c[i] = i % K;
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 4; x++) {
                    f.putScalar(new int[]{i, 0, y, x}, (y == c[i] ? 1 : 0) + 0.3 * r.nextGaussian());
                }
            }
            f.putScalar(new int[]{i, 0, 0, 0}, i);
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(f, DataSets.oneHot(c, K));
    }

    static int id(MultiDataSet m, int row) {
        INDArray f = m.getFeatures(0);
        return f.rank() == 3 ? (int) f.getDouble(row, 0, 0) : (int) f.getDouble(row, 0, 0, 0);
    }

    static Map<Integer, Integer> rowsById(MultiDataSet m) {
        Map<Integer, Integer> at = new HashMap<>();
        for (int i = 0; i < Batches.size(m); i++) {
            at.put(id(m, i), i);
        }
        return at;
    }

    /** Every row of {@code got} equals the row with the same id in {@code all}: every array and mask. */
    static void assertRowsOf(MultiDataSet all, MultiDataSet got, String what) {
        Map<Integer, Integer> at = rowsById(all);
        for (int i = 0; i < Batches.size(got); i++) {
            Integer j = at.get(id(got, i));
            assertNotNull(j, what + ": unknown example " + id(got, i));
            MultiDataSet a = Batches.rows(all, new int[]{j});
            MultiDataSet b = Batches.rows(got, new int[]{i});
            for (int k = 0; k < a.numFeatureArrays(); k++) {
                assertEquals(a.getFeatures(k), b.getFeatures(k), what + ": features " + k + " of " + id(got, i));
            }
            for (int k = 0; k < a.numLabelsArrays(); k++) {
                assertEquals(a.getLabels(k), b.getLabels(k), what + ": labels " + k + " of " + id(got, i));
            }
            if (all.getFeaturesMaskArrays() != null) {
                assertEquals(a.getFeaturesMaskArray(0), b.getFeaturesMaskArray(0), what + ": feature mask");
            }
            if (all.getLabelsMaskArrays() != null) {
                assertEquals(a.getLabelsMaskArray(0), b.getLabelsMaskArray(0), what + ": label mask");
            }
        }
    }

    static Scenario scenario(ExampleSource train, MultiDataSet test) {
        return new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(K)
                .classOrder(ClassOrder.fixed(2, 0, 1)).shuffleBuffer(7).build();
    }

    @Test
    void sequencesKeepTheirShapeLabelsAndMasksThroughAScenario() {
        MultiDataSet data = sequences(60);
        for (ExampleSource src : List.of(ExampleSource.of(data),
                ExampleSource.of(new ChunkedMultiDataSetIterator(data, 8, true)))) {
            Scenario s = scenario(src, sequences(30));
            Experience e0 = s.trainStream().get(0);
            assertEquals(List.of(0), e0.classes());
            assertArrayEquals(new long[]{2, T}, e0.exampleShape(0));
            MultiDataSet all = Reads.all(e0);
            assertEquals(20, Batches.size(all));
            for (int i = 0; i < 20; i++) {
                int p = id(all, i);
                assertEquals(2, p % K, "experience 0 holds the source's class 2");
                INDArray want = Nd4j.zeros(DataType.FLOAT, K, T);
                want.getRow(0).assign(1);
                if (p % 2 == 1) {
                    want.putScalar(0, 0, 0);
                }
                assertEquals(want, all.getLabels(0).get(NDArrayIndex.point(i)), "relabelled: class 2 -> column 0");
                assertEquals(data.getLabelsMaskArray(0).getRow(p), all.getLabelsMaskArray(0).getRow(i),
                        "the time mask of example " + p + " is unchanged by the relabelling");
                assertEquals(data.getFeaturesMaskArray(0).getRow(p), all.getFeaturesMaskArray(0).getRow(i));
                assertEquals(data.getFeatures(0).get(NDArrayIndex.point(p)), all.getFeatures(0).get(
                        NDArrayIndex.point(i)));
            }
            MultiDataSet all2 = Reads.all(s.trainStream().get(2));
            MultiDataSetIterator it = s.trainStream().get(2).iterator(6, true, 3);
            int n = 0;
            while (it.hasNext()) {
                MultiDataSet m = it.next();
                assertArrayEquals(new long[]{Batches.size(m), 2, T}, m.getFeatures(0).shape());
                assertArrayEquals(new long[]{Batches.size(m), K, T}, m.getLabels(0).shape());
                assertArrayEquals(new long[]{Batches.size(m), T}, m.getLabelsMaskArray(0).shape());
                assertRowsOf(all2, m, "shuffled minibatch");
                n += Batches.size(m);
            }
            assertEquals(20, n);
        }
    }

    @Test
    void imagesFlowThroughAScenarioAndAReplayIterator() {
        MultiDataSet data = images(45);
        Scenario s = scenario(ExampleSource.of(new ChunkedMultiDataSetIterator(data, 10, true)), images(15));
        ReservoirReplayBuffer buffer = new ReservoirReplayBuffer(8, false);
        Random rng = new Random(1);
        Experience e0 = s.trainStream().get(0);
        MultiDataSetIterator it = e0.iterator(5, true, 1);
        while (it.hasNext()) {
            buffer.observe(it.next(), null, 0, rng);
        }
        assertEquals(8, buffer.size());
        ReplayBatch stored = buffer.contents(K);
        assertArrayEquals(new long[]{8, 1, 4, 4}, stored.features().shape());
        assertRowsOf(Reads.all(e0), stored.toMultiDataSet(), "reservoir of images");
        Experience e1 = s.trainStream().get(1);
        ReplayIterator ri = new ReplayIterator(e1.iterator(5, true, 2), 0,
                cur -> buffer.sample(3, (int) cur.getLabels(0).size(1), rng).toMultiDataSet());
        MultiDataSet joined = ri.next();
        assertArrayEquals(new long[]{8, 1, 4, 4}, joined.getFeatures(0).shape());
        assertRowsOf(Reads.all(e1), Batches.rows(joined, new int[]{0, 1, 2, 3, 4}), "current part");
        assertRowsOf(Reads.all(e0), Batches.rows(joined, new int[]{5, 6, 7}), "replayed part");
    }

    @Test
    void buffersStoreSequencesWithTheirMasksAndRestoreTheirState() throws Exception {
        MultiDataSet data = sequences(60);
        Scenario s = scenario(ExampleSource.of(new ChunkedMultiDataSetIterator(data, 8, true)), sequences(30));
        ReservoirReplayBuffer reservoir = new ReservoirReplayBuffer(12, true);
        ClassBalancedReplayBuffer balanced = new ClassBalancedReplayBuffer(9, 0, null, false);
        ReplayBuffer selected = new ClassBalancedReplayBuffer(9, 0, new RandomSelection(), false);
        Random rng = new Random(4);
        for (int x = 0; x < 2; x++) {
            Experience e = s.trainStream().get(x);
            MultiDataSetIterator it = e.iterator(5, true, x);
            while (it.hasNext()) {
                MultiDataSet m = it.next();
                INDArray logits = m.getFeatures(0).get(NDArrayIndex.all(), NDArrayIndex.point(1),
                        NDArrayIndex.all()).dup();
                reservoir.observe(m, logits, x, rng);
                balanced.observe(m, null, x, rng);
            }
            selected.consolidate(e, null, rng);
        }
        MultiDataSet seen = Reads.join(List.of(Reads.all(s.trainStream().get(0)), Reads.all(s.trainStream().get(1))));
        for (ReplayBuffer b : List.of(reservoir, balanced, selected)) {
            ReplayBatch c = b.contents(K);
            assertArrayEquals(new long[]{b.size(), 2, T}, c.features().shape(), b.getClass().getSimpleName());
            assertArrayEquals(new long[]{b.size(), K, T}, c.labels().shape());
            assertRowsOf(seen, c.toMultiDataSet(), b.getClass().getSimpleName());
        }
        assertEquals(Map.of(0, 4, 1, 5), balanced.countsPerClass(), "online class balance over two classes");
        assertEquals(Map.of(0, 5, 1, 4), selected.countsPerClass());
        ReplayBatch rc = reservoir.contents(K);
        assertEquals(rc.features().get(NDArrayIndex.all(), NDArrayIndex.point(1), NDArrayIndex.all()), rc.logits(),
                "logits stay with their rows");

        // saveState survives Java serialisation; the restored buffers go on exactly as the originals
        for (ReplayBuffer b : List.of(reservoir, balanced, selected)) {
            ReplayBuffer copy = b == reservoir ? new ReservoirReplayBuffer(12, true)
                    : b == balanced ? new ClassBalancedReplayBuffer(9, 0, null, false)
                    : new ClassBalancedReplayBuffer(9, 0, new RandomSelection(), false);
            copy.restoreState(roundTrip(b.saveState()));
            assertSameContents(b, copy);
            Random r1 = new Random(9);
            Random r2 = new Random(9);
            Experience e2 = s.trainStream().get(2);
            MultiDataSetIterator it = e2.iterator(5, false, 0);
            while (it.hasNext()) {
                MultiDataSet m = it.next();
                INDArray logits = Nd4j.zeros(DataType.FLOAT, Batches.size(m), T);
                b.observe(m, logits, 2, r1);
                copy.observe(m, logits, 2, r2);
            }
            b.consolidate(e2, null, r1);
            copy.consolidate(e2, null, r2);
            assertSameContents(b, copy);
        }
        assertEquals(reservoir.seen(), ((ReservoirReplayBuffer) restored(reservoir)).seen());
    }

    private static ReplayBuffer restored(ReservoirReplayBuffer b) throws Exception {
        ReservoirReplayBuffer r = new ReservoirReplayBuffer(1, true);
        r.restoreState(roundTrip(b.saveState()));
        return r;
    }

    static Serializable roundTrip(Serializable state) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(state);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (Serializable) in.readObject();
        }
    }

    static void assertSameContents(ReplayBuffer a, ReplayBuffer b) {
        String what = a.getClass().getSimpleName();
        assertEquals(a.size(), b.size(), what);
        assertEquals(a.capacity(), b.capacity(), what);
        assertEquals(a.countsPerClass(), b.countsPerClass(), what);
        assertEquals(a.countsPerExperience(), b.countsPerExperience(), what);
        ReplayBatch x = a.contents(K);
        ReplayBatch y = b.contents(K);
        MultiDataSet mx = x.toMultiDataSet();
        MultiDataSet my = y.toMultiDataSet();
        assertEquals(mx.getFeatures(0), my.getFeatures(0), what);
        assertEquals(mx.getLabels(0), my.getLabels(0), what);
        assertEquals(mx.getFeaturesMaskArray(0), my.getFeaturesMaskArray(0), what);
        assertEquals(mx.getLabelsMaskArray(0), my.getLabelsMaskArray(0), what);
        assertEquals(x.logits(), y.logits(), what);
        assertArrayEquals(x.experiences(), y.experiences(), what);
    }

    /** Sequences of 5 steps (longer than the 3 classes): the time mask must not be taken for class columns. */
    @Test
    void timeMasksOfSequencesLongerThanTheClassCountStayTimeMasks() {
        int steps = 5;
        INDArray f = Nd4j.create(DataType.FLOAT, 12, 2, steps);
        INDArray l = Nd4j.zeros(DataType.FLOAT, 12, K, steps);
        INDArray lm = Nd4j.ones(DataType.FLOAT, 12, steps);
        for (int i = 0; i < 12; i++) {
            f.get(NDArrayIndex.point(i)).assign(i);
            l.get(NDArrayIndex.point(i), NDArrayIndex.point(i % K), NDArrayIndex.all()).assign(1);
            lm.putScalar(i, i % steps, 0);
        }
        MultiDataSet data = new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{f}, new INDArray[]{l}, null,
                new INDArray[]{lm});
        ReservoirReplayBuffer b = new ReservoirReplayBuffer(12, false);
        b.observe(data, null, 0, new Random(1));
        for (int width : new int[]{K, 2, 6}) {
            MultiDataSet c = b.contents(width).toMultiDataSet();
            assertArrayEquals(new long[]{12, width, steps}, c.getLabels(0).shape(), "labels at width " + width);
            assertEquals(lm, c.getLabelsMaskArray(0), "the time mask at width " + width);
        }
        // weighting sequences without a mask gives a time mask [n, T], the shape DL4J's RNN output layers take
        MultiDataSet plain = new org.nd4j.linalg.dataset.MultiDataSet(f, l);
        MultiDataSet w = new ReplayIterator(new ChunkedMultiDataSetIterator(plain, 4, true), 0,
                cur -> Batches.rows(plain, new int[]{0, 1})).weighted(1.0, 0.5).next();
        assertArrayEquals(new long[]{6, steps}, w.getLabelsMaskArray(0).shape());
        assertEquals(1.5, w.getLabelsMaskArray(0).getDouble(0, 4), 1e-6);
        assertEquals(1.5, w.getLabelsMaskArray(0).getDouble(5, 0), 1e-6);
        MultiDataSet masked = new ReplayIterator(new ChunkedMultiDataSetIterator(data, 4, true), 0,
                cur -> Batches.rows(data, new int[]{0, 1})).weighted(1.0, 1.0).next();
        assertEquals(lm.get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()).mul(1.5),
                masked.getLabelsMaskArray(0).get(NDArrayIndex.interval(0, 4), NDArrayIndex.all()));
    }

    static MultiLayerNetwork cnn() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .updater(new Sgd(0.05)).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(6).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(K)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(4, 4, 1)).build());
        net.init();
        return net;
    }

    @Test
    void herdingSelectsOnTheFeaturesOfACnn() {
        MultiDataSet data = images(60);
        Scenario s = scenario(ExampleSource.of(new ChunkedMultiDataSetIterator(data, 10, true)), images(15));
        ContinualModel model = ContinualModel.of(cnn());
        Experience e = Experience.union(List.of(s.trainStream().get(0), s.trainStream().get(1)));
        model.fit(e.iterator(10, true, 1), 2);
        for (String layer : new String[]{null, "0"}) {
            ClassBalancedReplayBuffer b = new ClassBalancedReplayBuffer(10, 0, new HerdingSelection(layer), false);
            b.consolidate(e, model, new Random(1));
            assertEquals(Map.of(0, 5, 1, 5), b.countsPerClass(), "layer " + layer);
            MultiDataSet stored = b.contents(K).toMultiDataSet();
            assertRowsOf(Reads.all(e), stored, "herding on layer " + layer);
            for (int c = 0; c < 2; c++) {
                // the class's examples in the experience's order, their features, herding's ranking
                MultiDataSet rows = Reads.all(e.ofClasses(c));
                INDArray f = model.features(layer, rows.getFeatures(), null);
                assertEquals(layer == null ? 6 : 4 * 2 * 2, f.size(1), "features of layer " + layer);
                int[] want = Arrays.stream(new HerdingSelection(layer).select(f, 5, new Random(1)))
                        .map(i -> id(rows, i)).toArray();
                int cls = c;
                int[] got = java.util.stream.IntStream.range(0, Batches.size(stored))
                        .filter(i -> stored.getLabels(0).getDouble(i, cls) == 1).map(i -> id(stored, i)).toArray();
                assertArrayEquals(want, got, "class " + c + ", layer " + layer + ": herding's picks in its order");
            }
        }
    }
}
