package io.github.dl4jcontinual.data;

import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.io.FileOutputStream;
import java.nio.file.Files;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IdxDatasetsTest {

    private static int[] counts(DataSet ds) {
        int[] c = new int[10];
        for (int id : DataSets.classIds(ds.getLabels())) {
            c[id]++;
        }
        return c;
    }

    @Test
    void readsRealMnistWithThePublishedLabelCounts() {
        DataSet test = SharedData.mnistTest();
        assertEquals(10000, test.numExamples());
        assertEquals(784, test.getFeatures().size(1));
        assertArrayEquals(new int[]{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}, counts(test));
        DataSet train = SharedData.mnistTrain();
        assertArrayEquals(new int[]{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}, counts(train));
        assertEquals(0.0, test.getFeatures().minNumber().doubleValue(), 0.0);
        assertEquals(1.0, test.getFeatures().maxNumber().doubleValue(), 1e-6);
    }

    @Test
    void readsRealFashionMnist() {
        DataSet test = IdxDatasets.fashionMnist(SharedData.dir(), IdxDatasets.Split.TEST);
        int[] c = counts(test);
        for (int v : c) {
            assertEquals(1000, v);
        }
    }

    @Test
    void missingFileNamesTheFileTheDirectoryAndTheSource(@TempDir File dir) {
        MissingDataFileException e = assertThrows(MissingDataFileException.class,
                () -> IdxDatasets.mnist(DataDirectory.of(dir), IdxDatasets.Split.TRAIN));
        assertTrue(e.getMessage().contains("mnist/train-images-idx3-ubyte.gz"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.getAbsolutePath()), e.getMessage());
        assertTrue(e.getMessage().contains("yann.lecun.com"), e.getMessage());
        assertEquals(new File(dir, "mnist/train-images-idx3-ubyte.gz").getAbsolutePath(),
                e.getExpectedFile().getAbsolutePath());
    }

    @Test
    void wrongMagicNumberIsRejected(@TempDir File dir) throws Exception {
        File f = new File(dir, "bad.gz");
        try (GZIPOutputStream out = new GZIPOutputStream(new FileOutputStream(f))) {
            out.write(new byte[]{0, 0, 8, 1, 0, 0, 0, 1, 7});
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdxDatasets.readImages(f));
        assertTrue(e.getMessage().contains("0x801"), e.getMessage());
        assertEquals(1, IdxDatasets.readLabels(f).length);
    }

    @Test
    void truncatedFileIsRejected(@TempDir File dir) throws Exception {
        File f = new File(dir, "short.gz");
        try (GZIPOutputStream out = new GZIPOutputStream(new FileOutputStream(f))) {
            out.write(new byte[]{0, 0, 8, 1, 0, 0, 0, 5, 7});
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> IdxDatasets.readLabels(f));
        assertTrue(e.getMessage().contains("shorter than its header declares: 5 labels need 5 bytes but the file "
                + "holds 1"), e.getMessage());
        assertTrue(Files.exists(f.toPath()));
    }

    @Test
    void dataDirectoryPrefersTheExplicitFlag() {
        DataDirectory d = DataDirectory.resolve("/tmp/some-data");
        assertEquals(new File("/tmp/some-data").getAbsoluteFile(), d.root());
        assertTrue(d.origin().contains("--data-dir"));
        DataDirectory def = DataDirectory.resolve(null);
        assertTrue(def.origin().contains(DataDirectory.ENV_VAR) || def.origin().contains("default")
                || def.origin().contains(DataDirectory.SYSTEM_PROPERTY), def.origin());
    }
}
