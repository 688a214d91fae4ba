package io.github.dl4jcontinual.testutil;

import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.split.FileSplit;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Real MNIST written the way users keep image data: a PNG folder tree with one folder per class
 * ({@code root/<digit>/<n>.png}, 8-bit grayscale), read back through DataVec's {@link ImageRecordReader} with a
 * {@link ParentPathLabelGenerator} and DL4J's {@link RecordReaderDataSetIterator} with an
 * {@link ImagePreProcessingScaler}, as in DL4J's own examples.
 */
public final class MnistFiles {
    private MnistFiles() {
    }

    /**
     * @param ds       examples with one-hot labels
     * @param perClass examples wanted per class
     * @return the positions of the first {@code perClass} examples of every class, in dataset order
     */
    public static int[] firstPerClass(DataSet ds, int perClass) {
        int k = (int) ds.getLabels().size(1);
        int[] cls = ds.getLabels().argMax(1).toIntVector();
        int[] count = new int[k];
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < cls.length; i++) {
            if (count[cls[i]] < perClass) {
                count[cls[i]]++;
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * @param ds        MNIST-shaped examples ({@code [n, 784]} in [0, 1])
     * @param positions the examples to write
     * @return those examples as a detached dataset
     */
    public static DataSet rows(DataSet ds, int[] positions) {
        return new DataSet(ds.getFeatures().getRows(positions).dup(), ds.getLabels().getRows(positions).dup());
    }

    /**
     * Writes the examples as PNGs, {@code copies} times each (file names {@code <n>_<copy>.png}), under
     * {@code root/<class>/}.
     *
     * @param ds     examples {@code [n, 784]} with values pixel/255 and one-hot labels
     * @param root   the tree's root (created)
     * @param copies how many times each example is written (1 = once)
     * @return {@code root}
     */
    public static Path writePngTree(DataSet ds, Path root, int copies) {
        try {
            INDArray f = ds.getFeatures();
            int[] cls = ds.getLabels().argMax(1).toIntVector();
            int k = (int) ds.getLabels().size(1);
            for (int c = 0; c < k; c++) {
                Files.createDirectories(root.resolve(Integer.toString(c)));
            }
            float[] px = new float[784];
            int[] gray = new int[784];
            for (int i = 0; i < cls.length; i++) {
                INDArray row = f.getRow(i);
                for (int p = 0; p < 784; p++) {
                    px[p] = row.getFloat(p);
                    gray[p] = Math.round(px[p] * 255f);
                }
                BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
                WritableRaster r = img.getRaster();
                r.setSamples(0, 0, 28, 28, 0, gray);
                for (int copy = 0; copy < copies; copy++) {
                    Path file = root.resolve(cls[i] + "/" + i + "_" + copy + ".png");
                    if (!ImageIO.write(img, "png", file.toFile())) {
                        throw new IOException("No PNG writer");
                    }
                }
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A user's image pipeline over a PNG tree: {@code ImageRecordReader(28, 28, 1)} with a
     * {@link ParentPathLabelGenerator} over a {@link FileSplit} (file-system order, the same on every pass),
     * {@link RecordReaderDataSetIterator} (label index 1, 10 classes) and {@link ImagePreProcessingScaler}(0, 1) as
     * its pre-processor. Features are {@code [n, 1, 28, 28]}.
     *
     * @param root  the tree
     * @param batch examples per read
     * @return the iterator
     */
    public static DataSetIterator imageIterator(Path root, int batch) {
        try {
            ImageRecordReader rr = new ImageRecordReader(28, 28, 1, new ParentPathLabelGenerator());
            rr.initialize(new FileSplit(root.toFile(), NativeImageLoader.ALLOWED_FORMATS));
            DataSetIterator it = new RecordReaderDataSetIterator(rr, batch, 1, 10);
            it.setPreProcessor(new ImagePreProcessingScaler(0, 1));
            return it;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @param ds MNIST-shaped examples ({@code [n, 784]})
     * @return the same examples as sequences {@code [n, 28, 28]}: 28 features (a row's pixels) at each of 28 time
     *         steps (the rows, top to bottom), DL4J's {@code [n, nIn, T]} layout
     */
    public static DataSet rowSequences(DataSet ds) {
        long n = ds.getFeatures().size(0);
        INDArray seq = ds.getFeatures().reshape('c', n, 28, 28).permute(0, 2, 1).dup('c');
        return new DataSet(seq, ds.getLabels().dup());
    }
}
