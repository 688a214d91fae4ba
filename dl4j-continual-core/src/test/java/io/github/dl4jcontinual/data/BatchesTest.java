package io.github.dl4jcontinual.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static io.github.dl4jcontinual.data.RowStoreTest.rows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Batches}: row selection and joining of minibatches of any rank, inputs, outputs and masks. */
class BatchesTest {

    private static MultiDataSet mds(INDArray[] f, INDArray[] l, INDArray[] fm, INDArray[] lm) {
        return new org.nd4j.linalg.dataset.MultiDataSet(f, l, fm, lm);
    }

    private static INDArray labels(int n, int k, int offset) {
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = (i + offset) % k;
        }
        return DataSets.oneHot(c, k);
    }

    @Test
    void rowsOfEveryRankInAnyOrderWithRepeats() {
        int[] idx = {2, 0, 2};
        for (long[] shape : new long[][]{{4}, {3, 5}, {2, 3, 4}}) {
            INDArray a = rows(4, 10, shape);
            INDArray r = Batches.rows(a, idx);
            long[] want = new long[shape.length + 1];
            want[0] = 3;
            System.arraycopy(shape, 0, want, 1, shape.length);
            assertArrayEquals(want, r.shape());
            assertEquals(a.get(NDArrayIndex.point(2)), r.get(NDArrayIndex.point(0)));
            assertEquals(a.get(NDArrayIndex.point(0)), r.get(NDArrayIndex.point(1)));
            assertEquals(a.get(NDArrayIndex.point(2)), r.get(NDArrayIndex.point(2)));
            r.assign(-1);
            assertEquals(12f, a.get(NDArrayIndex.point(2)).getFloat(0), "rows are new arrays");
            assertArrayEquals(new long[]{0, shape[0]}, java.util.Arrays.copyOf(Batches.rows(a, new int[0]).shape(),
                    2));
        }
        assertArrayEquals(new long[]{2, 1}, Batches.rows(Nd4j.createFromArray(1f, 2f, 3f), new int[]{0, 2}).shape());
        assertNull(Batches.rows((INDArray) null, idx));
    }

    @Test
    void rowsOfAMinibatchTakeEveryArrayAndMask() {
        MultiDataSet m = mds(new INDArray[]{rows(4, 0, 3, 5), rows(4, 100, 2)},
                new INDArray[]{labels(4, 3, 0), rows(4, 0, 1)},
                new INDArray[]{rows(4, 1, 5), null}, new INDArray[]{rows(4, 7, 1), null});
        MultiDataSet r = Batches.rows(m, new int[]{3, 1});
        assertEquals(2, Batches.size(r));
        assertEquals(103f, r.getFeatures(1).getFloat(0, 0));
        assertEquals(m.getLabels(0).getRow(1), r.getLabels(0).getRow(1));
        assertEquals(4f, r.getFeaturesMaskArray(0).getFloat(0, 4));
        assertNull(r.getFeaturesMaskArray(1));
        assertEquals(8f, r.getLabelsMaskArray(0).getFloat(1, 0));
    }

    @Test
    void concatJoinsEveryArrayAndMakesMissingMasksOnes() {
        MultiDataSet a = mds(new INDArray[]{rows(2, 0, 3)}, new INDArray[]{labels(2, 3, 0)}, null, null);
        MultiDataSet b = mds(new INDArray[]{rows(3, 10, 3)}, new INDArray[]{labels(3, 3, 1)}, null, null);
        MultiDataSet ab = Batches.concat(a, b);
        assertEquals(5, Batches.size(ab));
        assertNull(ab.getFeaturesMaskArrays());
        assertNull(ab.getLabelsMaskArrays());
        assertEquals(12f, ab.getFeatures(0).getFloat(4, 2));
        // a per-output mask [n, k] on one side only: the other side's rows get ones
        MultiDataSet masked = mds(new INDArray[]{rows(3, 10, 3)}, new INDArray[]{labels(3, 3, 1)}, null,
                new INDArray[]{Nd4j.createFromArray(new float[][]{{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})});
        INDArray m = Batches.concat(a, masked).getLabelsMaskArray(0);
        assertArrayEquals(new long[]{5, 3}, m.shape());
        assertEquals(Nd4j.ones(DataType.FLOAT, 2, 3), m.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()));
        assertEquals(masked.getLabelsMaskArray(0), m.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all()));
    }

    @Test
    void aPerExampleLabelMaskJoinedWithAPerOutputOneIsBroadcast() {
        MultiDataSet perExample = mds(new INDArray[]{rows(2, 0, 3)}, new INDArray[]{labels(2, 3, 0)}, null,
                new INDArray[]{Nd4j.createFromArray(new float[][]{{2}, {0.5f}})});
        MultiDataSet perOutput = mds(new INDArray[]{rows(1, 0, 3)}, new INDArray[]{labels(1, 3, 0)}, null,
                new INDArray[]{Nd4j.createFromArray(new float[][]{{0, 1, 1}})});
        INDArray m = Batches.concat(perExample, perOutput).getLabelsMaskArray(0);
        assertEquals(Nd4j.createFromArray(new float[][]{{2, 2, 2}, {0.5f, 0.5f, 0.5f}, {0, 1, 1}}), m);
        m = Batches.concat(perOutput, perExample).getLabelsMaskArray(0);
        assertEquals(Nd4j.createFromArray(new float[][]{{0, 1, 1}, {2, 2, 2}, {0.5f, 0.5f, 0.5f}}), m);
        INDArray both = Batches.concat(perExample, perExample).getLabelsMaskArray(0);
        assertArrayEquals(new long[]{4, 1}, both.shape(), "two per-example masks stay per example");
        // one side without a mask, the other per example: ones of the per-example shape
        MultiDataSet none = mds(new INDArray[]{rows(1, 0, 3)}, new INDArray[]{labels(1, 3, 0)}, null, null);
        assertEquals(Nd4j.createFromArray(new float[][]{{1}, {2}, {0.5f}}),
                Batches.concat(none, perExample).getLabelsMaskArray(0));
    }

    @Test
    void sequencesAndImagesJoinAndSequencesOfDifferentLengthsArePadded() {
        MultiDataSet s1 = mds(new INDArray[]{rows(2, 0, 3, 4)}, new INDArray[]{labels(2, 2, 0)},
                new INDArray[]{Nd4j.ones(DataType.FLOAT, 2, 4)}, null);
        MultiDataSet s2 = mds(new INDArray[]{rows(1, 5, 3, 4)}, new INDArray[]{labels(1, 2, 0)},
                new INDArray[]{Nd4j.createFromArray(new float[][]{{1, 1, 0, 0}})}, null);
        MultiDataSet j = Batches.concat(s1, s2);
        assertArrayEquals(new long[]{3, 3, 4}, j.getFeatures(0).shape());
        assertEquals(Nd4j.createFromArray(new float[][]{{1, 1, 1, 1}, {1, 1, 1, 1}, {1, 1, 0, 0}}),
                j.getFeaturesMaskArray(0));
        MultiDataSet longer = mds(new INDArray[]{rows(1, 9, 3, 6)}, new INDArray[]{labels(1, 2, 0)}, null, null);
        MultiDataSet p = Batches.concat(s1, longer);
        assertArrayEquals(new long[]{3, 3, 6}, p.getFeatures(0).shape());
        INDArray mask = p.getFeaturesMaskArray(0);
        assertArrayEquals(new long[]{3, 6}, mask.shape());
        assertEquals(0.0, mask.getDouble(0, 5), 0.0, "padded steps are masked out");
        assertEquals(1.0, mask.getDouble(2, 5), 0.0);
        assertEquals(9f, p.getFeatures(0).getFloat(2, 1, 5));
        MultiDataSet img = mds(new INDArray[]{rows(2, 0, 1, 4, 4)}, new INDArray[]{labels(2, 2, 0)}, null, null);
        MultiDataSet img2 = Batches.concat(img, img);
        assertArrayEquals(new long[]{4, 1, 4, 4}, img2.getFeatures(0).shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Batches.concat(img,
                mds(new INDArray[]{rows(2, 0, 1, 5, 4)}, new INDArray[]{labels(2, 2, 0)}, null, null)));
        assertTrue(e.getMessage().contains("input 0") && e.getMessage().contains("[1, 4, 4]")
                && e.getMessage().contains("[1, 5, 4]"), e.getMessage());
    }

    @Test
    void minibatchesOfDifferentArraysOrTypesAreRefusedOrCast() {
        MultiDataSet one = mds(new INDArray[]{rows(2, 0, 3)}, new INDArray[]{labels(2, 3, 0)}, null, null);
        MultiDataSet two = mds(new INDArray[]{rows(2, 0, 3), rows(2, 0, 2)}, new INDArray[]{labels(2, 3, 0)}, null,
                null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Batches.concat(one, two));
        assertTrue(e.getMessage().contains("1 inputs") && e.getMessage().contains("2 inputs"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Batches.concat(one,
                mds(new INDArray[]{rows(2, 0, 3)}, new INDArray[]{labels(2, 4, 0)}, null, null)));
        assertTrue(e.getMessage().contains("output 0") && e.getMessage().contains("[3]")
                && e.getMessage().contains("[4]"), e.getMessage());
        MultiDataSet dbl = mds(new INDArray[]{rows(1, 0, 3).castTo(DataType.DOUBLE)},
                new INDArray[]{labels(1, 3, 0).castTo(DataType.DOUBLE)}, null, null);
        assertEquals(DataType.FLOAT, Batches.concat(one, dbl).getFeatures(0).dataType(), "cast to the first's type");
        // several inputs and outputs, a mask on one input only
        MultiDataSet multi = mds(new INDArray[]{rows(2, 0, 3), rows(2, 0, 2, 5)},
                new INDArray[]{labels(2, 3, 0), rows(2, 0, 1)},
                new INDArray[]{null, Nd4j.ones(DataType.FLOAT, 2, 5)}, null);
        MultiDataSet mm = Batches.concat(multi, multi);
        assertEquals(2, mm.numFeatureArrays());
        assertEquals(2, mm.numLabelsArrays());
        assertNull(mm.getFeaturesMaskArray(0));
        assertArrayEquals(new long[]{4, 5}, mm.getFeaturesMaskArray(1).shape());
    }

    @Test
    void classColumnsNarrowsOrPadsTheClassDimensionAtAnyRank() {
        INDArray l = labels(3, 4, 0);
        assertSame(l, Batches.classColumns(l, 4));
        assertEquals(l.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)), Batches.classColumns(l, 2));
        INDArray wide = Batches.classColumns(l, 6);
        assertArrayEquals(new long[]{3, 6}, wide.shape());
        assertEquals(l, wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 4)));
        assertEquals(0.0, wide.get(NDArrayIndex.all(), NDArrayIndex.interval(4, 6)).sumNumber().doubleValue(), 0.0);
        INDArray seq = Nd4j.zeros(DataType.FLOAT, 2, 3, 5);
        seq.get(NDArrayIndex.point(1), NDArrayIndex.point(2), NDArrayIndex.all()).assign(1);
        INDArray seq5 = Batches.classColumns(seq, 5);
        assertArrayEquals(new long[]{2, 5, 5}, seq5.shape());
        assertEquals(seq, seq5.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 3), NDArrayIndex.all()));
        assertArrayEquals(new long[]{2, 2, 5}, Batches.classColumns(seq, 2).shape());
    }

    @Test
    void dataSetConversionsMasksAndLabelReplacement() {
        DataSet ds = new DataSet(rows(3, 0, 4), labels(3, 2, 0), null, Nd4j.ones(DataType.FLOAT, 3, 1));
        MultiDataSet m = Batches.of(ds);
        assertSame(ds.getFeatures(), m.getFeatures(0));
        DataSet back = Batches.toDataSet(m);
        assertSame(ds.getLabelsMaskArray(), back.getLabelsMaskArray());
        assertNull(back.getFeaturesMaskArray());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Batches.toDataSet(
                mds(new INDArray[]{rows(2, 0, 3), rows(2, 0, 2)}, new INDArray[]{labels(2, 3, 0)}, null, null)));
        assertTrue(e.getMessage().contains("2 inputs and 1 outputs"), e.getMessage());
        MultiDataSet noMasks = mds(new INDArray[]{rows(2, 0, 3)}, new INDArray[]{labels(2, 3, 0), rows(2, 0, 1)},
                null, null);
        Batches.setLabelMask(noMasks, 1, Nd4j.zeros(DataType.FLOAT, 2, 1));
        assertNull(noMasks.getLabelsMaskArray(0));
        assertEquals(Nd4j.zeros(DataType.FLOAT, 2, 1), noMasks.getLabelsMaskArray(1));
        INDArray other = labels(2, 3, 1);
        MultiDataSet w = Batches.withLabels(noMasks, 0, other);
        assertSame(other, w.getLabels(0));
        assertSame(noMasks.getLabels(1), w.getLabels(1));
        assertSame(noMasks.getFeatures(0), w.getFeatures(0));
        assertEquals(labels(2, 3, 0), noMasks.getLabels(0), "the original keeps its labels");
        MultiDataSet c = Batches.copy(noMasks);
        c.getFeatures(0).assign(-1);
        assertEquals(0f, noMasks.getFeatures(0).getFloat(0, 0));
    }
}
