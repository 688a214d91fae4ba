package io.github.dl4jcontinual.data;

import org.junit.jupiter.api.Test;
import io.github.dl4jcontinual.testutil.ChunkedMultiDataSetIterator;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link ReplayIterator}: replay rows joined after each minibatch, weighting by label masks, any rank. */
class ReplayIteratorTest {

    private static DataSet data(int n, float value) {
        INDArray x = Nd4j.valueArrayOf(new long[]{n, 3}, value, DataType.FLOAT);
        int[] c = new int[n];
        return new DataSet(x, DataSets.oneHot(c, 2));
    }

    private static MultiDataSetIterator base(int n, int batch) {
        return new MultiDataSetIteratorAdapter(new InMemoryDataSetIterator(data(n, 1f), batch, false, 1));
    }

    @Test
    void joinsReplayRowsAfterEveryMinibatchAndDelegatesTheRest() {
        AtomicInteger calls = new AtomicInteger();
        ReplayIterator it = new ReplayIterator(base(25, 10), 0, cur -> {
            calls.incrementAndGet();
            return calls.get() == 1 ? null : Batches.of(data(4, 7f));
        });
        assertFalse(it.asyncSupported());
        assertTrue(it.resetSupported());
        MultiDataSet first = it.next();
        assertEquals(10, Batches.size(first), "nothing to replay yet: the minibatch passes unchanged");
        assertNull(first.getLabelsMaskArrays());
        MultiDataSet second = it.next();
        assertEquals(14, Batches.size(second));
        assertEquals(1f, second.getFeatures(0).getFloat(0, 0));
        assertEquals(7f, second.getFeatures(0).getFloat(13, 0), "replayed rows come after the current ones");
        assertNull(second.getLabelsMaskArrays(), "unweighted joining adds no mask (plain mean over the rows)");
        MultiDataSet third = it.next();
        assertEquals(9, Batches.size(third));
        assertFalse(it.hasNext());
        it.reset();
        assertTrue(it.hasNext());
        assertEquals(8, it.replayedExamples());
        assertThrows(UnsupportedOperationException.class, () -> it.next(3));
        // the iterator's own pre-processor runs on the joined minibatch
        it.setPreProcessor(m -> m.getFeatures(0).muli(10));
        assertEquals(10f, it.next().getFeatures(0).getFloat(0, 0));
    }

    @Test
    void weightsMakeTheLossAWeightedSumOfTheTwoMeans() {
        ReplayIterator it = new ReplayIterator(base(10, 10), 0, cur -> Batches.of(data(5, 2f))).weighted(1.0, 0.5);
        MultiDataSet d = it.next();
        INDArray m = d.getLabelsMaskArray(0);
        assertEquals(15, m.rows());
        // DL4J divides the masked sum by 15 rows: current rows weigh 15/10, replayed 0.5 * 15/5
        assertEquals(1.5, m.getDouble(0, 0), 1e-6);
        assertEquals(1.5, m.getDouble(14, 0), 1e-6);
        assertEquals(15 * 1.0 / 15, m.get(NDArrayIndex.interval(0, 10)).sumNumber().doubleValue() / 15, 1e-6);
        assertEquals(0.5, m.get(NDArrayIndex.interval(10, 15)).sumNumber().doubleValue() / 15, 1e-6);
        // a minibatch with nothing to replay still carries the current part's weight
        MultiDataSet alone = new ReplayIterator(base(4, 4), 0, cur -> null).weighted(0.5, 1).next();
        assertEquals(4, alone.getLabelsMaskArray(0).rows());
        assertEquals(0.5, alone.getLabelsMaskArray(0).getDouble(3, 0), 1e-6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReplayIterator(base(2, 2), 0, c -> null).weighted(-1, 1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void perOutputMasksOfAPartAreKeptAndWidened() {
        ReplayIterator it = new ReplayIterator(base(4, 4), 0, cur -> {
            cur.setLabelsMaskArray(new INDArray[]{Nd4j.createFromArray(new float[][]{{1, 0}, {1, 0}, {1, 0}, {1, 0}})});
            return Batches.of(data(4, 2f));
        }).weighted(1.0, 1.0);
        INDArray m = it.next().getLabelsMaskArray(0);
        assertEquals(8, m.rows());
        assertEquals(2, m.columns());
        assertEquals(2.0, m.getDouble(0, 0), 1e-6);
        assertEquals(0.0, m.getDouble(0, 1), 1e-6);
        assertEquals(2.0, m.getDouble(7, 1), 1e-6);
    }

    @Test
    void replayedLabelsOfAnotherWidthAreRefused() {
        ReplayIterator it = new ReplayIterator(base(4, 4), 0,
                cur -> Batches.of(new DataSet(Nd4j.ones(DataType.FLOAT, 2, 3), DataSets.oneHot(new int[]{0, 2}, 3))));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, it::next);
        assertTrue(e.getMessage().contains("width 3") && e.getMessage().contains("have 2"), e.getMessage());
    }

    /** Sequences [n, F, T] with label masks and two outputs, the classification output being the second. */
    @Test
    void sequencesWithMasksAndSeveralOutputsAreJoinedOnEveryArray() {
        int t = 5;
        MultiDataSet cur = sequences(3, t, 1f);
        MultiDataSet rep = sequences(2, t, 9f);
        rep.getLabelsMaskArray(1).get(NDArrayIndex.point(0), NDArrayIndex.interval(0, 3)).assign(0);
        MultiDataSetIterator base = new ChunkedMultiDataSetIterator(cur, 3, true);
        MultiDataSet out = new ReplayIterator(base, 1, c -> rep).next();
        assertEquals(2, out.numFeatureArrays());
        assertEquals(2, out.numLabelsArrays());
        assertArrayEquals(new long[]{5, 4, t}, out.getFeatures(0).shape());
        assertArrayEquals(new long[]{5, 6}, out.getFeatures(1).shape());
        assertArrayEquals(new long[]{5, 3, t}, out.getLabels(1).shape());
        assertArrayEquals(new long[]{5, 2}, out.getLabels(0).shape());
        assertEquals(9f, out.getFeatures(0).getFloat(4, 3, t - 1));
        assertEquals(rep.getLabels(1), out.getLabels(1).get(NDArrayIndex.interval(3, 5), NDArrayIndex.all(),
                NDArrayIndex.all()));
        INDArray lm = out.getLabelsMaskArray(1);
        assertArrayEquals(new long[]{5, t}, lm.shape());
        assertEquals(0.0, lm.getDouble(3, 0), 0.0);
        assertEquals(1.0, lm.getDouble(3, 4), 0.0);
        assertEquals(1.0, lm.getDouble(0, 0), 0.0);
        assertNull(out.getLabelsMaskArray(0), "the other output had no mask on either side");
        assertSame(null, out.getFeaturesMaskArrays());
    }

    /** n sequences: input 0 [n, 4, t], input 1 [n, 6]; output 0 [n, 2], output 1 (classes) [n, 3, t] masked. */
    static MultiDataSet sequences(int n, int t, float value) {
        INDArray f0 = Nd4j.valueArrayOf(new long[]{n, 4, t}, value, DataType.FLOAT);
        INDArray f1 = Nd4j.valueArrayOf(new long[]{n, 6}, value, DataType.FLOAT);
        INDArray l0 = DataSets.oneHot(new int[n], 2);
        INDArray l1 = Nd4j.zeros(DataType.FLOAT, n, 3, t);
        for (int i = 0; i < n; i++) {
            l1.get(NDArrayIndex.point(i), NDArrayIndex.point(i % 3), NDArrayIndex.all()).assign(1);
        }
        INDArray m1 = Nd4j.ones(DataType.FLOAT, n, t);
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{f0, f1}, new INDArray[]{l0, l1}, null,
                new INDArray[]{null, m1});
    }
}
