package io.github.dl4jcontinual.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;

/**
 * Reads CIFAR-100 in its binary version from {@code <data dir>/cifar-100-binary/train.bin} and {@code test.bin}
 * (the two files inside {@code cifar-100-binary.tar.gz}): records of 1 coarse-label byte, 1 fine-label byte and
 * 3072 pixel bytes (1024 red, 1024 green, 1024 blue, row-major 32×32).
 */
public final class Cifar100Datasets {
    private static final String SOURCE = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz (extract the "
            + "archive and copy cifar-100-binary/train.bin and test.bin)";
    private static final int RECORD = 2 + 3072;

    private Cifar100Datasets() {
    }

    /**
     * @param dir   the data directory
     * @param split TRAIN (train.bin, 50 000 images) or TEST (test.bin, 10 000)
     * @return features [n, 3, 32, 32] in [0, 1] and one-hot fine labels [n, 100]
     * @throws MissingDataFileException naming the file, the directory and where to get it, if it is absent
     */
    public static DataSet load(DataDirectory dir, IdxDatasets.Split split) {
        String name = "cifar-100-binary/" + (split == IdxDatasets.Split.TRAIN ? "train.bin" : "test.bin");
        File f = dir.require(name, SOURCE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(f.toPath());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + f, e);
        }
        if (bytes.length % RECORD != 0 || bytes.length == 0) {
            throw new IllegalStateException(f + " has " + bytes.length + " bytes, not a multiple of the CIFAR-100 "
                    + "record size " + RECORD);
        }
        int n = bytes.length / RECORD;
        float[] x = new float[n * 3072];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int o = i * RECORD;
            y[i] = bytes[o + 1] & 0xFF;
            for (int k = 0; k < 3072; k++) {
                x[i * 3072 + k] = (bytes[o + 2 + k] & 0xFF) / 255f;
            }
        }
        INDArray features = Nd4j.createFromArray(x).reshape(n, 3, 32, 32).castTo(DataType.FLOAT);
        return new DataSet(features, DataSets.oneHot(y, 100));
    }
}
