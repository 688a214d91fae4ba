package io.github.dl4jcontinual.data;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads the small Omniglot background sets ({@code omniglot/images_background_small1.zip} and
 * {@code images_background_small2.zip} of Lake et al.'s repository) straight from the zips: every PNG (105×105,
 * strokes black on white) is decoded with {@link ImageIO}, inverted so that ink is 1, and area-averaged down to
 * {@code size × size}. A character is a class, identified by {@code <Alphabet>/<characterNN>}; the Greek and Latin
 * folders that occur in both zips are read once, which leaves 242 distinct characters of 20 drawings each.
 *
 * <p>The split-Omniglot protocol of this project ({@link #load}): the 242 characters in sorted order are shuffled
 * with a given seed and the first {@code numClasses} kept (class id = position in that order); for every character
 * the drawings sorted by file name are split into the first {@code trainPerClass} for training and the rest for
 * testing.</p>
 */
public final class OmniglotDatasets {
    /** The zips, relative to the data directory. */
    public static final String[] ZIPS = {"omniglot/images_background_small1.zip",
        "omniglot/images_background_small2.zip"};
    private static final String SOURCE = "https://github.com/brendenlake/omniglot (python/images_background_small1.zip "
            + "and python/images_background_small2.zip)";
    private static final int DRAWINGS = 20;

    private OmniglotDatasets() {
    }

    /**
     * @param dir           the data directory
     * @param numClasses    characters to keep, 1..242
     * @param trainPerClass training drawings per character, 1..19
     * @param size          image side after downsampling (e.g. 28)
     * @param seed          the seed of the character order
     * @return {train, test}: features [n, size·size] in [0, 1] (ink = 1), one-hot labels [n, numClasses], ordered by
     *         class
     * @throws MissingDataFileException if a zip is absent
     * @throws IllegalArgumentException for out-of-range arguments
     */
    public static DataSet[] load(DataDirectory dir, int numClasses, int trainPerClass, int size, long seed) {
        if (trainPerClass < 1 || trainPerClass >= DRAWINGS) {
            throw new IllegalArgumentException("trainPerClass should be in [1, " + (DRAWINGS - 1) + "] (got: "
                    + trainPerClass + ")");
        }
        Map<String, List<float[]>> chars = characters(dir, size);
        if (numClasses < 1 || numClasses > chars.size()) {
            throw new IllegalArgumentException("numClasses should be in [1, " + chars.size() + "] (got: " + numClasses
                    + ")");
        }
        List<String> order = new ArrayList<>(chars.keySet());
        Collections.shuffle(order, new Random(seed));
        int d = size * size;
        int testPerClass = DRAWINGS - trainPerClass;
        INDArray xTrain = Nd4j.create(DataType.FLOAT, (long) numClasses * trainPerClass, d);
        INDArray xTest = Nd4j.create(DataType.FLOAT, (long) numClasses * testPerClass, d);
        int[] yTrain = new int[numClasses * trainPerClass];
        int[] yTest = new int[numClasses * testPerClass];
        for (int c = 0; c < numClasses; c++) {
            List<float[]> drawings = chars.get(order.get(c));
            if (drawings.size() != DRAWINGS) {
                throw new IllegalStateException("Character " + order.get(c) + " has " + drawings.size()
                        + " drawings; expected " + DRAWINGS);
            }
            for (int k = 0; k < DRAWINGS; k++) {
                INDArray row = Nd4j.createFromArray(drawings.get(k));
                if (k < trainPerClass) {
                    int r = c * trainPerClass + k;
                    xTrain.putRow(r, row);
                    yTrain[r] = c;
                } else {
                    int r = c * testPerClass + (k - trainPerClass);
                    xTest.putRow(r, row);
                    yTest[r] = c;
                }
            }
        }
        return new DataSet[]{new DataSet(xTrain, DataSets.oneHot(yTrain, numClasses)),
            new DataSet(xTest, DataSets.oneHot(yTest, numClasses))};
    }

    /**
     * Every distinct character of the two zips, decoded as {@link #load} does (ink = 1, area-averaged to
     * {@code size × size}); used by {@link #load} and by streams that need the alphabet of each character.
     *
     * @param dir  the data directory
     * @param size image side after downsampling
     * @return every distinct character (sorted key {@code Alphabet/characterNN}, e.g. {@code Greek/character07})
     *         with its drawings sorted by file name (drawer 01 first), each row-major in [0, 1]
     * @throws MissingDataFileException if a zip is absent (the message names it and where to put it)
     * @throws IllegalArgumentException if {@code size} is outside [1, 105]
     */
    public static Map<String, List<float[]>> characters(DataDirectory dir, int size) {
        if (size < 1 || size > 105) {
            throw new IllegalArgumentException("size should be in [1, 105] (got: " + size + ")");
        }
        Map<String, List<float[]>> out = new TreeMap<>();
        for (String zip : ZIPS) {
            File f = dir.require(zip, SOURCE);
            Map<String, TreeMap<String, float[]>> here = new TreeMap<>();
            try (ZipFile z = new ZipFile(f)) {
                for (ZipEntry e : Collections.list(z.entries())) {
                    String name = e.getName();
                    if (e.isDirectory() || !name.endsWith(".png")) {
                        continue;
                    }
                    String[] parts = name.split("/");
                    if (parts.length < 4) {
                        throw new IllegalStateException("Unexpected entry " + name + " in " + f
                                + " (expected <set>/<Alphabet>/<character>/<drawing>.png)");
                    }
                    String key = parts[parts.length - 3] + "/" + parts[parts.length - 2];
                    if (out.containsKey(key)) {
                        continue;
                    }
                    try (InputStream in = z.getInputStream(e)) {
                        here.computeIfAbsent(key, k -> new TreeMap<>()).put(parts[parts.length - 1],
                                decode(in, size, name));
                    }
                }
            } catch (IOException ex) {
                throw new UncheckedIOException("Cannot read " + f, ex);
            }
            here.forEach((k, v) -> out.put(k, new ArrayList<>(v.values())));
        }
        return out;
    }

    /**
     * Decodes a PNG and area-averages its ink (1 − brightness) to {@code size × size}.
     *
     * @param in   the PNG bytes
     * @param size output side
     * @param name for messages
     * @return the row-major pixels in [0, 1]
     * @throws IOException if the image cannot be decoded
     */
    static float[] decode(InputStream in, int size, String name) throws IOException {
        BufferedImage img = ImageIO.read(in);
        if (img == null) {
            throw new IOException("Not a readable image: " + name);
        }
        int w = img.getWidth();
        int h = img.getHeight();
        double[] acc = new double[size * size];
        double[] area = new double[size * size];
        for (int y = 0; y < h; y++) {
            int oy = (int) ((long) y * size / h);
            for (int x = 0; x < w; x++) {
                int ox = (int) ((long) x * size / w);
                int rgb = img.getRGB(x, y);
                double lum = (((rgb >> 16) & 0xFF) + ((rgb >> 8) & 0xFF) + (rgb & 0xFF)) / (3 * 255.0);
                acc[oy * size + ox] += 1 - lum;
                area[oy * size + ox] += 1;
            }
        }
        float[] out = new float[size * size];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (acc[i] / area[i]);
        }
        return out;
    }
}
