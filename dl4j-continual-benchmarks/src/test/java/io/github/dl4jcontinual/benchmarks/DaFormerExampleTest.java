package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.MissingDataFileException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.nio.file.Files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DAFormer example's data handling: the CIFAR-100 configuration without its files, the readers. */
class DaFormerExampleTest {

    @Test
    void cifar100WithoutFilesNamesTheFileAndItsSource(@TempDir File dir) {
        MissingDataFileException e = assertThrows(MissingDataFileException.class, () -> BenchmarksMain.run(
                new String[]{"daformer", "--config", "cifar100", "--data-dir", dir.getAbsolutePath()}));
        assertTrue(e.getMessage().contains("cifar-100-binary"), e.getMessage());
        assertTrue(e.getMessage().contains("cs.toronto.edu"), e.getMessage());
        assertEquals(new File(dir, "cifar-100-binary/train.bin").getAbsoluteFile(), e.getExpectedFile()
                .getAbsoluteFile());
    }

    @Test
    void readsCifar100BinaryRecords(@TempDir File dir) throws Exception {
        byte[] data = new byte[2 * 3074];
        data[0] = 3;
        data[1] = 42;
        data[2] = (byte) 255;
        data[3074 + 1] = 99;
        data[3074 + 2 + 3071] = (byte) 51;
        File f = new File(dir, "test.bin");
        Files.write(f.toPath(), data);
        DataSet d = DaFormerExample.readCifar100(f);
        assertArrayEquals(new long[]{2, 3072}, d.getFeatures().shape());
        assertEquals(42, d.getLabels().getRow(0).argMax().getInt(0));
        assertEquals(99, d.getLabels().getRow(1).argMax().getInt(0));
        assertEquals(1.0, d.getFeatures().getDouble(0, 0), 1e-6);
        assertEquals(0.2, d.getFeatures().getDouble(1, 3071), 1e-6);
        Files.write(f.toPath(), new byte[100]);
        assertThrows(IllegalArgumentException.class, () -> DaFormerExample.readCifar100(f));
    }

    @Test
    void perClassSubsetsInFileOrder() {
        float[][] y = new float[6][2];
        for (int i = 0; i < 6; i++) {
            y[i][i % 2] = 1;
        }
        DataSet d = new DataSet(Nd4j.arange(6).reshape(6, 1).castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT),
                Nd4j.create(y));
        DataSet first = DataSets.perClass(d, 0, 2);
        assertArrayEquals(new float[]{0, 1, 2, 3}, first.getFeatures().toFloatVector(), 0f);
        DataSet rest = DataSets.perClass(d, 2, 5);
        assertArrayEquals(new float[]{4, 5}, rest.getFeatures().toFloatVector(), 0f);
    }
}
