package io.github.dl4jcontinual.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReplayDataSetIteratorTest {

    private static DataSet data(int n, float value) {
        INDArray x = Nd4j.valueArrayOf(new long[]{n, 3}, value, DataType.FLOAT);
        int[] c = new int[n];
        return new DataSet(x, DataSets.oneHot(c, 2));
    }

    @Test
    void joinsReplayRowsAfterEveryMinibatchAndDelegatesTheRest() {
        AtomicInteger calls = new AtomicInteger();
        InMemoryDataSetIterator base = new InMemoryDataSetIterator(data(25, 1f), 10, false, 1);
        ReplayDataSetIterator it = new ReplayDataSetIterator(base, cur -> {
            calls.incrementAndGet();
            return calls.get() == 1 ? null : data(4, 7f);
        });
        assertFalse(it.asyncSupported());
        assertEquals(10, it.batch());
        assertEquals(3, it.inputColumns());
        assertEquals(2, it.totalOutcomes());
        DataSet first = it.next();
        assertEquals(10, first.numExamples(), "nothing to replay yet: the minibatch passes unchanged");
        assertNull(first.getLabelsMaskArray());
        DataSet second = it.next();
        assertEquals(14, second.numExamples());
        assertEquals(1f, second.getFeatures().getFloat(0, 0));
        assertEquals(7f, second.getFeatures().getFloat(13, 0), "replayed rows come after the current ones");
        assertNull(second.getLabelsMaskArray(), "unweighted joining adds no mask (plain mean over the rows)");
        DataSet third = it.next();
        assertEquals(9, third.numExamples());
        assertFalse(it.hasNext());
        it.reset();
        assertTrue(it.hasNext());
        assertEquals(8, it.replayedExamples());
        assertThrows(UnsupportedOperationException.class, () -> it.next(3));
    }

    @Test
    void weightsMakeTheLossAWeightedSumOfTheTwoMeans() {
        ReplayDataSetIterator it = new ReplayDataSetIterator(new InMemoryDataSetIterator(data(10, 1f), 10, false, 1),
                cur -> data(5, 2f)).weighted(1.0, 0.5);
        DataSet d = it.next();
        INDArray m = d.getLabelsMaskArray();
        assertEquals(15, m.rows());
        // DL4J divides the masked sum by 15 rows: current rows weigh 15/10, replayed 0.5 * 15/5
        assertEquals(1.5, m.getDouble(0, 0), 1e-6);
        assertEquals(1.5, m.getDouble(14, 0), 1e-6);
        assertEquals(15 * 1.0 / 15, m.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 10)).sumNumber()
                .doubleValue() / 15, 1e-6);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ReplayDataSetIterator(new InMemoryDataSetIterator(data(2, 1f), 2, false, 1), c -> null)
                        .weighted(-1, 1));
        assertTrue(e.getMessage().contains("-1"), e.getMessage());
    }

    @Test
    void perOutputMasksOfAPartAreKeptAndWidened() {
        ReplayDataSetIterator it = new ReplayDataSetIterator(new InMemoryDataSetIterator(data(4, 1f), 4, false, 1),
                cur -> {
                    cur.setLabelsMaskArray(Nd4j.createFromArray(new float[][]{{1, 0}, {1, 0}, {1, 0}, {1, 0}}));
                    return data(4, 2f);
                }).weighted(1.0, 1.0);
        INDArray m = it.next().getLabelsMaskArray();
        assertEquals(8, m.rows());
        assertEquals(2, m.columns());
        assertEquals(2.0, m.getDouble(0, 0), 1e-6);
        assertEquals(0.0, m.getDouble(0, 1), 1e-6);
        assertEquals(2.0, m.getDouble(7, 1), 1e-6);
    }
}
