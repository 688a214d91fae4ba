package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.IdxDatasets;
import org.nd4j.linalg.dataset.DataSet;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;

/**
 * Writes MNIST as the PNG folder tree most image projects keep, {@code out/train/<digit>/<n>.png} and
 * {@code out/test/<digit>/<n>.png} (8-bit grayscale, 28×28), so that {@link OwnCnnFromPngFolders} can be tried
 * without images of your own.
 * <p>
 * Arguments: {@code [data-dir] [out-dir] [train-per-class] [test-per-class]}, defaults: the resolved data
 * directory, {@code results/mnist-png}, 1000 and 200.
 */
public final class MnistToPngFolders {
    private MnistToPngFolders() {
    }

    public static void main(String[] args) throws IOException {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        File out = new File(args.length > 1 ? args[1] : "results/mnist-png");
        int train = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int test = args.length > 3 ? Integer.parseInt(args[3]) : 200;
        write(DataSets.perClass(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN), 0, train), new File(out, "train"));
        write(DataSets.perClass(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST), 0, test), new File(out, "test"));
        System.out.println("wrote " + out);
    }

    /**
     * @param data images {@code [n, 784]} in [0, 1] with one-hot labels
     * @param root the folder that gets one sub-folder per class
     */
    static void write(DataSet data, File root) throws IOException {
        int[] classes = DataSets.classIds(data.getLabels());
        float[] pixels = data.getFeatures().dup('c').data().asFloat();
        for (int i = 0; i < classes.length; i++) {
            BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
            int[] gray = new int[784];
            for (int p = 0; p < 784; p++) {
                gray[p] = Math.round(pixels[i * 784 + p] * 255f);
            }
            img.getRaster().setSamples(0, 0, 28, 28, 0, gray);
            File folder = new File(root, Integer.toString(classes[i]));
            if (!folder.isDirectory() && !folder.mkdirs()) {
                throw new IOException("Cannot create " + folder);
            }
            ImageIO.write(img, "png", new File(folder, i + ".png"));
        }
    }
}
