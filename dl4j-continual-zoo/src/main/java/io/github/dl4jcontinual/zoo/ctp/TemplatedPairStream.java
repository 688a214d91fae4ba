package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.data.OmniglotDatasets;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The small-scale image–caption stream used by the tests and the {@code ctp} example: <b>real images</b> with
 * <b>templated captions</b> (not human-written), three domains of 28×28 grey images.
 *
 * <ol>
 *   <li>{@code digits}: MNIST, "a bold, right-slanted handwritten digit seven.";</li>
 *   <li>{@code clothing}: Fashion-MNIST T-shirt/top, trouser, pullover, dress, coat, shirt,
 *       "a photo of a large dark coat.";</li>
 *   <li>{@code footwear and bags}: Fashion-MNIST sandal, sneaker, bag, ankle boot, "a photo of a small light
 *       sneaker.".</li>
 * </ol>
 *
 * The class name is the real label; the two attribute words are measured on the image itself and binned in
 * tertiles whose thresholds come from the domain's training images: for digits, stroke weight (fraction of
 * pixels above 0.5: thin / regular / bold) and slant (sign and size of the ink's x–y covariance: left-slanted /
 * upright / right-slanted); for the Fashion-MNIST domains, size (fraction of pixels above 0.1: small / medium /
 * large) and tone (mean intensity of those pixels: dark / grey / light). A domain takes the first
 * {@code trainPerDomain} training and {@code testPerDomain} test images of its classes, balanced over classes.
 *
 * <p>{@link #omniglot} builds a second, related stream: four Omniglot alphabets as domains
 * ({@link #OMNIGLOT_DOMAINS}), every character with the caption "a bold drawing of the seventh character of the
 * Greek alphabet." (alphabet name, the character's ordinal within its alphabet as a word, and a stroke-weight word
 * measured on the image), split by drawer.</p>
 */
public final class TemplatedPairStream {
    /** Names of the three domains, in stream order. */
    public static final List<String> DOMAINS = List.of("digits", "clothing", "footwear and bags");
    private static final String[] DIGITS = {"zero", "one", "two", "three", "four", "five", "six", "seven",
            "eight", "nine"};
    private static final String[] FASHION = {"T-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt",
            "sneaker", "bag", "ankle boot"};
    private static final int[] CLOTHING = {0, 1, 2, 3, 4, 6};
    private static final int[] FOOTWEAR = {5, 7, 8, 9};

    /**
     * The Omniglot domains in stream order: the four alphabets of the small background sets with 22–26 characters
     * (all eight have 17–47), in alphabetical order. Similar sizes keep the domains balanced, and their ordinals
     * ("first" … "twenty-second") occur in every domain, so the domains share all caption words but the alphabet's
     * name.
     */
    public static final List<String> OMNIGLOT_DOMAINS = List.of("Balinese", "Early Aramaic", "Greek", "Latin");
    /** Drawings (drawers) per Omniglot character. */
    public static final int OMNIGLOT_DRAWINGS = 20;
    private static final String[] UNITS = {"", "first", "second", "third", "fourth", "fifth", "sixth", "seventh",
            "eighth", "ninth", "tenth", "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth",
            "seventeenth", "eighteenth", "nineteenth"};
    private static final String[] TENS = {"", "", "twent", "thirt", "fort", "fift", "sixt", "sevent", "eight",
            "ninet"};
    private static final String[] WEIGHT = {"thin", "regular", "bold"};

    private TemplatedPairStream() {
    }

    /**
     * Omniglot alphabets as domains: real 28×28 images (ink = 1, decoded by {@link OmniglotDatasets#characters})
     * with templated captions "a {thin|regular|bold} drawing of the {ordinal} character of the {alphabet}
     * alphabet.". The ordinal is the character's folder number ({@code character07}: "seventh"); the weight word
     * bins the drawing's total ink (mean pixel value) into tertiles whose thresholds come from the training
     * drawings <i>of the same character</i>, so every character has all three captions in training and the word
     * says how heavy this drawer's strokes are for this character. For each character the drawings sorted by file
     * name (drawers 01–20) give the first {@code trainDrawings} to training and the rest to test, so every test
     * image's character is seen in training, drawn by other people.
     *
     * @param dir           the shared data directory ({@code omniglot/images_background_small1.zip} and
     *                      {@code small2.zip})
     * @param trainDrawings training drawings per character, 3..19 (15: 1440 training and 480 test pairs)
     * @return the four-domain stream of {@link #OMNIGLOT_DOMAINS}
     * @throws io.github.dl4jcontinual.data.MissingDataFileException if a zip is absent
     * @throws IllegalArgumentException if {@code trainDrawings} is outside 3..19
     */
    public static PairStream omniglot(DataDirectory dir, int trainDrawings) {
        if (trainDrawings < 3 || trainDrawings >= OMNIGLOT_DRAWINGS) {
            throw new IllegalArgumentException("trainDrawings should be in [3, " + (OMNIGLOT_DRAWINGS - 1)
                    + "] (three tertiles need three training drawings, and one drawing is left for test; got: "
                    + trainDrawings + ")");
        }
        Map<String, List<float[]>> chars = OmniglotDatasets.characters(dir, 28);
        List<PairDataset> train = new ArrayList<>();
        List<PairDataset> test = new ArrayList<>();
        for (int d = 0; d < OMNIGLOT_DOMAINS.size(); d++) {
            String alphabet = OMNIGLOT_DOMAINS.get(d);
            String prefix = alphabet.replace(' ', '_') + "/character";
            List<float[]> trRows = new ArrayList<>();
            List<float[]> teRows = new ArrayList<>();
            List<String> trCap = new ArrayList<>();
            List<String> teCap = new ArrayList<>();
            for (Map.Entry<String, List<float[]>> e : chars.entrySet()) {
                if (!e.getKey().startsWith(prefix)) {
                    continue;
                }
                int ordinal = Integer.parseInt(e.getKey().substring(prefix.length()));
                List<float[]> dr = e.getValue();
                if (dr.size() != OMNIGLOT_DRAWINGS) {
                    throw new IllegalStateException("Character " + e.getKey() + " has " + dr.size()
                            + " drawings; expected " + OMNIGLOT_DRAWINGS);
                }
                double[] ink = new double[dr.size()];
                for (int k = 0; k < ink.length; k++) {
                    ink[k] = ink(dr.get(k));
                }
                double[] cuts = tertiles(Arrays.copyOf(ink, trainDrawings));
                for (int k = 0; k < dr.size(); k++) {
                    String c = omniglotCaption(alphabet, ordinal, bin(ink[k], cuts));
                    (k < trainDrawings ? trRows : teRows).add(dr.get(k));
                    (k < trainDrawings ? trCap : teCap).add(c);
                }
            }
            if (trRows.isEmpty()) {
                throw new IllegalStateException("No characters of the alphabet " + alphabet + " (folder "
                        + prefix.substring(0, prefix.indexOf('/')) + ") in " + Arrays.toString(OmniglotDatasets.ZIPS));
            }
            train.add(new PairDataset(Nd4j.create(trRows.toArray(new float[0][])), trCap, fill(trRows.size(), d)));
            test.add(new PairDataset(Nd4j.create(teRows.toArray(new float[0][])), teCap, fill(teRows.size(), d)));
        }
        return new PairStream(OMNIGLOT_DOMAINS, train, test);
    }

    /**
     * The caption of an Omniglot drawing, as {@link #omniglot} writes it.
     *
     * @param alphabet  the alphabet's name, e.g. "Greek"
     * @param ordinal   the character's number within the alphabet, 1..99
     * @param weightBin 0 (thin), 1 (regular) or 2 (bold)
     * @return e.g. "a bold drawing of the seventh character of the Greek alphabet."
     */
    public static String omniglotCaption(String alphabet, int ordinal, int weightBin) {
        if (weightBin < 0 || weightBin > 2) {
            throw new IllegalArgumentException("weightBin should be 0, 1 or 2 (got: " + weightBin + ")");
        }
        return "a " + WEIGHT[weightBin] + " drawing of the " + ordinal(ordinal) + " character of the " + alphabet
                + " alphabet.";
    }

    /**
     * @param n 1..99
     * @return the English ordinal word, e.g. "seventh", "twentieth", "twenty-first"
     */
    public static String ordinal(int n) {
        if (n < 1 || n > 99) {
            throw new IllegalArgumentException("ordinal needs 1..99 (got: " + n + ")");
        }
        if (n < 20) {
            return UNITS[n];
        }
        String tens = TENS[n / 10];
        if (n % 10 == 0) {
            return tens + "ieth";
        }
        return tens + "y-" + UNITS[n % 10];
    }

    private static double ink(float[] px) {
        double s = 0;
        for (float v : px) {
            s += v;
        }
        return s / px.length;
    }

    /**
     * @param dir            the shared data directory (MNIST and Fashion-MNIST IDX files)
     * @param trainPerDomain training pairs per domain (≥ number of classes of each domain)
     * @param testPerDomain  test pairs per domain (≥ number of classes of each domain)
     * @return the three-domain stream
     */
    public static PairStream load(DataDirectory dir, int trainPerDomain, int testPerDomain) {
        if (trainPerDomain < 10 || testPerDomain < 10) {
            throw new IllegalArgumentException("need at least 10 training and 10 test pairs per domain (got: "
                    + trainPerDomain + ", " + testPerDomain + ")");
        }
        DataSet mTr = IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN);
        DataSet mTe = IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        DataSet fTr = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN);
        DataSet fTe = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST);
        int[] all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        List<PairDataset> train = new ArrayList<>();
        List<PairDataset> test = new ArrayList<>();
        int[][] classes = {all, CLOTHING, FOOTWEAR};
        DataSet[][] src = {{mTr, mTe}, {fTr, fTe}, {fTr, fTe}};
        for (int d = 0; d < 3; d++) {
            int[] trIdx = balanced(src[d][0], classes[d], trainPerDomain);
            int[] teIdx = balanced(src[d][1], classes[d], testPerDomain);
            INDArray trImg = src[d][0].getFeatures().getRows(trIdx).castTo(DataType.FLOAT);
            INDArray teImg = src[d][1].getFeatures().getRows(teIdx).castTo(DataType.FLOAT);
            boolean digits = d == 0;
            double[][] trAttr = attributes(trImg, digits);
            double[][] cuts = {tertiles(column(trAttr, 0)), tertiles(column(trAttr, 1))};
            train.add(new PairDataset(trImg, captions(trAttr, labels(src[d][0], trIdx), cuts, digits), fill(trIdx.length, d)));
            test.add(new PairDataset(teImg, captions(attributes(teImg, digits), labels(src[d][1], teIdx), cuts, digits),
                    fill(teIdx.length, d)));
        }
        return new PairStream(DOMAINS, train, test);
    }

    /** The caption of one image with the given attribute bins (0..2 each) and class, as the stream writes it. */
    public static String caption(boolean digits, int label, int bin0, int bin1) {
        if (digits) {
            String[] weight = {"thin", "regular", "bold"};
            String[] slant = {"left-slanted", "upright", "right-slanted"};
            return "a " + weight[bin0] + ", " + slant[bin1] + " handwritten digit " + DIGITS[label] + ".";
        }
        String[] size = {"small", "medium", "large"};
        String[] tone = {"dark", "grey", "light"};
        return "a photo of a " + size[bin0] + " " + tone[bin1] + " " + FASHION[label] + ".";
    }

    private static List<String> captions(double[][] attr, int[] labels, double[][] cuts, boolean digits) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < labels.length; i++) {
            out.add(caption(digits, labels[i], bin(attr[i][0], cuts[0]), bin(attr[i][1], cuts[1])));
        }
        return out;
    }

    private static int bin(double v, double[] cuts) {
        return v < cuts[0] ? 0 : v < cuts[1] ? 1 : 2;
    }

    private static double[] tertiles(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return new double[]{s[s.length / 3], s[2 * s.length / 3]};
    }

    private static double[] column(double[][] a, int c) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i][c];
        }
        return out;
    }

    /** Two measured attributes per 28×28 image (see the class comment). */
    static double[][] attributes(INDArray images, boolean digits) {
        int n = (int) images.size(0);
        float[] px = images.dup('c').data().asFloat();
        double[][] out = new double[n][2];
        for (int i = 0; i < n; i++) {
            double count = 0;
            double sum = 0;
            double sx = 0;
            double sy = 0;
            double syy = 0;
            double sxy = 0;
            double thr = digits ? 0.5 : 0.1;
            for (int p = 0; p < 784; p++) {
                float v = px[i * 784 + p];
                if (v > thr) {
                    int x = p % 28;
                    int y = p / 28;
                    count++;
                    sum += v;
                    sx += x;
                    sy += y;
                    syy += (double) y * y;
                    sxy += (double) x * y;
                }
            }
            double c = Math.max(count, 1);
            if (digits) {
                double my = sy / c;
                double cov = sxy / c - (sx / c) * my;
                double vy = syy / c - my * my;
                // slant: dx/dy of the ink; image y grows downwards, so a right slant has negative covariance
                out[i][0] = count / 784.0;
                out[i][1] = -cov / Math.max(vy, 1e-6);
            } else {
                out[i][0] = count / 784.0;
                out[i][1] = sum / c;
            }
        }
        return out;
    }

    private static int[] labels(DataSet ds, int[] idx) {
        int[] l = new int[idx.length];
        INDArray arg = ds.getLabels().getRows(idx).argMax(1);
        for (int i = 0; i < idx.length; i++) {
            l[i] = arg.getInt(i);
        }
        return l;
    }

    /** The first examples of each class in file order, {@code total / classes} per class (remainder to the first). */
    private static int[] balanced(DataSet ds, int[] classes, int total) {
        int k = classes.length;
        int[] quota = new int[10];
        for (int c = 0; c < k; c++) {
            quota[classes[c]] = total / k + (c < total % k ? 1 : 0);
        }
        INDArray arg = ds.getLabels().argMax(1);
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < arg.length() && out.size() < total; i++) {
            int y = arg.getInt(i);
            if (quota[y] > 0) {
                quota[y]--;
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int[] fill(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }
}
