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
