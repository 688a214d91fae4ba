package io.github.dl4jcontinual.data;

import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Omniglot PNG reader on the real zips, and the CIFAR-100 binary reader (format and missing files). */
class OmniglotCifarTest {

    @Test
    void readsTheRealOmniglotZipsAsDistinctCharacters() {
        Map<String, List<float[]>> chars = OmniglotDatasets.characters(SharedData.dir(), 28);
        assertEquals(242, chars.size(), "136 + 156 characters, Greek and Latin counted once");
        assertTrue(chars.keySet().stream().anyMatch(k -> k.startsWith("Korean/")));
        assertTrue(chars.keySet().stream().anyMatch(k -> k.startsWith("Tagalog/")));
        for (List<float[]> d : chars.values()) {
            assertEquals(20, d.size());
        }
        DataSet[] s = OmniglotDatasets.load(SharedData.dir(), 200, 15, 28, 1993);
        assertEquals(3000, s[0].numExamples());
        assertEquals(1000, s[1].numExamples());
        assertEquals(784, s[0].getFeatures().size(1));
        assertEquals(200, s[0].getLabels().size(1));
        double mean = s[0].getFeatures().meanNumber().doubleValue();
        // strokes are thin: a small fraction of ink, but some
        assertTrue(mean > 0.02 && mean < 0.3, "mean ink " + mean);
        assertTrue(s[0].getFeatures().maxNumber().doubleValue() > 0.5);
        int[] counts = new int[200];
        for (int id : DataSets.classIds(s[1].getLabels())) {
            counts[id]++;
        }
        for (int c : counts) {
            assertEquals(5, c);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OmniglotDatasets.load(SharedData.dir(), 300, 15, 28, 1));
        assertTrue(e.getMessage().contains("242") && e.getMessage().contains("300"), e.getMessage());
    }

    @Test
    void missingCifar100SaysWhichFileWhereAndFromWhere(@TempDir File dir) {
        MissingDataFileException e = assertThrows(MissingDataFileException.class,
                () -> Cifar100Datasets.load(DataDirectory.of(dir), IdxDatasets.Split.TRAIN));
        assertTrue(e.getMessage().contains("cifar-100-binary/train.bin"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.getPath()), e.getMessage());
        assertTrue(e.getMessage().contains("cifar-100-binary.tar.gz"), e.getMessage());
        assertEquals(new File(dir, "cifar-100-binary/train.bin"), e.getExpectedFile());
    }

    @Test
    void readsTheCifar100BinaryRecordLayout(@TempDir File dir) throws Exception {
        File d = new File(dir, "cifar-100-binary");
        assertTrue(d.mkdirs());
        byte[] b = new byte[2 * 3074];
        b[0] = 3;
        b[1] = 42;
        b[2] = (byte) 255;             // red (0, 0)
        b[2 + 1024 + 33] = (byte) 51;  // green (1, 1)
        b[3074] = 1;
        b[3075] = 99;
        b[3074 + 2 + 2048 + 1023] = (byte) 255; // blue (31, 31)
        Files.write(new File(d, "test.bin").toPath(), b);
        DataSet ds = Cifar100Datasets.load(DataDirectory.of(dir), IdxDatasets.Split.TEST);
        assertEquals(2, ds.numExamples());
        assertEquals(42, DataSets.classIds(ds.getLabels())[0]);
        assertEquals(99, DataSets.classIds(ds.getLabels())[1]);
        assertEquals(1.0, ds.getFeatures().getDouble(0, 0, 0, 0), 1e-6);
        assertEquals(0.2, ds.getFeatures().getDouble(0, 1, 1, 1), 1e-6);
        assertEquals(1.0, ds.getFeatures().getDouble(1, 2, 31, 31), 1e-6);
        Files.write(new File(d, "test.bin").toPath(), new byte[100]);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Cifar100Datasets.load(DataDirectory.of(dir), IdxDatasets.Split.TEST));
        assertTrue(e.getMessage().contains("3074"), e.getMessage());
    }
}
