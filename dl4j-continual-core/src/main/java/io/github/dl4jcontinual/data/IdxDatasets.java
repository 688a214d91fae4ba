package io.github.dl4jcontinual.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.zip.GZIPInputStream;

/**
 * Readers for the gzipped IDX files of MNIST and Fashion-MNIST, producing DL4J {@link DataSet}s.
 *
 * <p>Features are {@code [n, rows*cols]} float arrays scaled to [0, 1] (pixel / 255, as torchvision's
 * {@code ToTensor}); labels are one-hot {@code [n, 10]}. The files are the official ones, unrenamed and still
 * gzipped, in {@code <data-dir>/mnist/} and {@code <data-dir>/fashion-mnist/}.</p>
 */
public final class IdxDatasets {
    private static final int IMAGE_MAGIC = 0x00000803;
    private static final int LABEL_MAGIC = 0x00000801;
    private static final String MNIST_SOURCE = "http://yann.lecun.com/exdb/mnist/ (or any mirror of the official "
            + "MNIST files, e.g. the ones torchvision downloads)";
    private static final String FASHION_SOURCE = "https://github.com/zalandoresearch/fashion-mnist (data/fashion/), "
            + "or Debian's dataset-fashion-mnist package";

    private IdxDatasets() {
    }

    /** Which split of an IDX dataset to read. */
    public enum Split {
        /** the 60 000 training images ({@code train-*}) */
        TRAIN("train"),
        /** the 10 000 test images ({@code t10k-*}) */
        TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }
    }

    /**
     * Reads MNIST from {@code <dir>/mnist/}.
     *
     * @param dir   the data directory
     * @param split train or test
     * @return features [n, 784] in [0, 1] and one-hot labels [n, 10]
     * @throws MissingDataFileException if a file is absent
     */
    public static DataSet mnist(DataDirectory dir, Split split) {
        return read(dir, "mnist", split, MNIST_SOURCE);
    }

    /**
     * Reads Fashion-MNIST from {@code <dir>/fashion-mnist/}.
     *
     * @param dir   the data directory
     * @param split train or test
     * @return features [n, 784] in [0, 1] and one-hot labels [n, 10]
     * @throws MissingDataFileException if a file is absent
     */
    public static DataSet fashionMnist(DataDirectory dir, Split split) {
        return read(dir, "fashion-mnist", split, FASHION_SOURCE);
    }

    private static DataSet read(DataDirectory dir, String folder, Split split, String source) {
        File images = dir.require(folder + "/" + split.prefix + "-images-idx3-ubyte.gz", source);
        File labels = dir.require(folder + "/" + split.prefix + "-labels-idx1-ubyte.gz", source);
        INDArray x = readImages(images);
        int[] y = readLabels(labels);
        if (x.rows() != y.length) {
            throw new IllegalStateException("IDX files disagree: " + images + " has " + x.rows() + " images but "
                    + labels + " has " + y.length + " labels");
        }
        return new DataSet(x, DataSets.oneHot(y, 10));
    }

    /**
     * Reads a gzipped IDX3 image file.
     *
     * @param file the {@code *-images-idx3-ubyte.gz} file
     * @return a float array [count, rows*cols] with values pixel/255
     * @throws IllegalArgumentException if the magic number or the length is wrong
     */
    public static INDArray readImages(File file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != IMAGE_MAGIC) {
                throw new IllegalArgumentException("Not an IDX3 image file: " + file + " has magic number 0x"
                        + Integer.toHexString(magic) + ", expected 0x00000803 (is it gzipped and unmodified?)");
            }
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            long need = (long) n * rows * cols;
            if (n < 0 || rows < 0 || cols < 0 || need > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("The IDX image file " + file + " has a forged or corrupt header: "
                        + "it declares " + n + " images of " + rows + "x" + cols + " pixels (" + need + " bytes), "
                        + "expected non-negative sizes of at most " + (Integer.MAX_VALUE - 8) + " bytes in all");
            }
            int d = rows * cols;
            byte[] raw = new byte[(int) need];
            int got = in.readNBytes(raw, 0, raw.length);
            if (got < raw.length) {
                throw new IllegalArgumentException("The IDX image file " + file + " is shorter than its header "
                        + "declares: " + n + " images of " + rows + "x" + cols + " pixels need " + need
                        + " bytes but the file holds " + got + " (a truncated file or a forged header)");
            }
            if (raw.length == 0) {
                return Nd4j.create(DataType.FLOAT, n, d);
            }
            // written straight into the array's native buffer: no float[] copy of the file on the heap
            INDArray x = Nd4j.createUninitialized(DataType.FLOAT, n, d);
            java.nio.FloatBuffer values = x.data().asNioFloat();
            for (int i = 0; i < raw.length; i++) {
                values.put(i, (raw[i] & 0xFF) / 255f);
            }
            return x;
        } catch (EOFException e) {
            throw new IllegalArgumentException("Truncated IDX image file: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    /**
     * Reads a gzipped IDX1 label file.
     *
     * @param file the {@code *-labels-idx1-ubyte.gz} file
     * @return the labels, one int per example
     * @throws IllegalArgumentException if the magic number or the length is wrong
     */
    public static int[] readLabels(File file) {
        try (DataInputStream in = open(file)) {
            int magic = in.readInt();
            if (magic != LABEL_MAGIC) {
                throw new IllegalArgumentException("Not an IDX1 label file: " + file + " has magic number 0x"
                        + Integer.toHexString(magic) + ", expected 0x00000801 (is it gzipped and unmodified?)");
            }
            int n = in.readInt();
            if (n < 0 || n > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("The IDX label file " + file + " has a forged or corrupt header: "
                        + "it declares " + n + " labels, expected a non-negative count");
            }
            byte[] raw = new byte[n];
            int got = in.readNBytes(raw, 0, n);
            if (got < n) {
                throw new IllegalArgumentException("The IDX label file " + file + " is shorter than its header "
                        + "declares: " + n + " labels need " + n + " bytes but the file holds " + got
                        + " (a truncated file or a forged header)");
            }
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = raw[i] & 0xFF;
            }
            return labels;
        } catch (EOFException e) {
            throw new IllegalArgumentException("Truncated IDX label file: " + file, e);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    private static DataInputStream open(File file) throws IOException {
        InputStream raw = new BufferedInputStream(new FileInputStream(file), 1 << 16);
        return new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
    }
}
