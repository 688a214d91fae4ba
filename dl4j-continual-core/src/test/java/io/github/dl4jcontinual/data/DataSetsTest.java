package io.github.dl4jcontinual.data;

import io.github.dl4jcontinual.testutil.SharedData;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.split.InputStreamInputSplit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.FileInputStream;
import java.util.HashSet;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataSetsTest {

    @Test
    void readsTheRealSklearnDigitsCsvThroughDataVec() throws Exception {
        CSVRecordReader rr = new CSVRecordReader();
        rr.initialize(new InputStreamInputSplit(new GZIPInputStream(new FileInputStream(
                SharedData.dir().require("sklearn-digits/digits.csv.gz", "scikit-learn")))));
        DataSet ds = DataSets.fromRecordReader(rr, 64, 10);
        assertEquals(1797, ds.numExamples());
        assertEquals(64, ds.getFeatures().size(1));
        assertEquals(16.0, ds.getFeatures().maxNumber().doubleValue(), 0.0);
    }

    @Test
    void stratifiedSplitHoldsOutTheFractionOfEveryClassAndLosesNothing() {
        int[] labels = new int[100];
        for (int i = 0; i < 100; i++) {
            labels[i] = i < 70 ? 0 : (i < 90 ? 1 : 2);
        }
        org.nd4j.linalg.api.ndarray.INDArray x = Nd4j.arange(100).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT)
                .reshape(100, 1);
        org.nd4j.linalg.dataset.DataSet all = new org.nd4j.linalg.dataset.DataSet(x, DataSets.oneHot(labels, 3));
        org.nd4j.linalg.dataset.DataSet[] parts = DataSets.splitStratified(all, 0.2, 7);
        int[] held = DataSets.classIds(parts[1].getLabels());
        assertEquals(14 + 4 + 2, held.length);
        assertEquals(14, java.util.Arrays.stream(held).filter(c -> c == 0).count());
        assertEquals(2, java.util.Arrays.stream(held).filter(c -> c == 2).count());
        // every example is in exactly one part, and its label travelled with it
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (org.nd4j.linalg.dataset.DataSet p : parts) {
            int[] ids = DataSets.classIds(p.getLabels());
            for (int i = 0; i < ids.length; i++) {
                int v = p.getFeatures().getInt(i, 0);
                assertTrue(seen.add(v), "example " + v + " twice");
                assertEquals(labels[v], ids[i]);
            }
        }
        assertEquals(100, seen.size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataSets.splitStratified(all, 1.0, 1));
        assertTrue(e.getMessage().contains("1.0"), e.getMessage());
    }

    @Test
    void classIdsRejectsRowsThatAreNotOneHot() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataSets.classIds(Nd4j.createFromArray(new float[][]{{0, 1, 0}, {0.5f, 0.5f, 0}})));
        assertTrue(e.getMessage().contains("Label row 1"), e.getMessage());
        assertArrayEquals(new int[]{2, 0}, DataSets.classIds(Nd4j.createFromArray(new float[][]{{0, 0, 1}, {1, 0, 0}})));
    }

    @Test
    void oneHotNamesAnIdOutOfRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DataSets.oneHot(new int[]{1, 12}, 10));
        assertTrue(e.getMessage().contains("Class id 12") && e.getMessage().contains("[0, 10)"), e.getMessage());
    }

    @Test
    void inMemoryIteratorCoversEveryExampleOncePerEpochAndReshuffles() {
        int n = 23;
        float[][] x = new float[n][1];
        for (int i = 0; i < n; i++) {
            x[i][0] = i;
        }
        DataSet ds = new DataSet(Nd4j.createFromArray(x), DataSets.oneHot(new int[n], 2));
        InMemoryDataSetIterator it = new InMemoryDataSetIterator(ds, 5, true, 3);
        assertEquals(false, it.asyncSupported());
        float[] first = epoch(it, n);
        it.reset();
        float[] second = epoch(it, n);
        assertNotEquals(java.util.Arrays.toString(first), java.util.Arrays.toString(second));
        InMemoryDataSetIterator again = new InMemoryDataSetIterator(ds, 5, true, 3);
        assertArrayEquals(first, epoch(again, n), 0f);
    }

    private static float[] epoch(InMemoryDataSetIterator it, int n) {
        float[] order = new float[n];
        int k = 0;
        Set<Float> seen = new HashSet<>();
        while (it.hasNext()) {
            DataSet b = it.next();
            assertTrue(b.numExamples() <= 5);
            for (float v : b.getFeatures().toFloatVector()) {
                order[k++] = v;
                seen.add(v);
            }
        }
        assertEquals(n, k);
        assertEquals(n, seen.size());
        return order;
    }
}
