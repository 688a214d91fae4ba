package io.github.dl4jcontinual.eval;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Recall@K of cross-modal retrieval from a query × gallery similarity matrix. A query is a hit at K when at least
 * one of its relevant gallery items is among its K best-scored items; ties are resolved in the query's disfavour
 * (every non-relevant item scoring at least as high as the best relevant one is ranked above it, and the hit needs
 * fewer than K such items), so the value does not depend on the gallery order.
 *
 * <p>{@link #crossModal} gives the six recalls of image→text (TR@1/5/10) and text→image (IR@1/5/10) retrieval
 * and their mean R_m, CTP's headline number.</p>
 */
public final class RetrievalMetrics {
    /** The K of the six recalls, in order. */
    public static final int[] KS = {1, 5, 10};

    private RetrievalMetrics() {
    }

    /**
     * @param similarity [queries, gallery] scores, higher is more similar
     * @param relevant   for each query, the gallery indices that count as a correct answer (non-empty)
     * @param k          K ≥ 1
     * @return the fraction of queries with a relevant item in their top K, in [0, 1]
     */
    public static double recallAtK(INDArray similarity, int[][] relevant, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("k should be >= 1 (got: " + k + ")");
        }
        if (similarity.rank() != 2 || similarity.size(0) != relevant.length) {
            throw new IllegalArgumentException("similarity should be [queries=" + relevant.length
                    + ", gallery] (got shape " + java.util.Arrays.toString(similarity.shape()) + ")");
        }
        int n = relevant.length;
        int g = (int) similarity.size(1);
        double[] s = similarity.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int hits = 0;
        for (int q = 0; q < n; q++) {
            if (relevant[q] == null || relevant[q].length == 0) {
                throw new IllegalArgumentException("query " + q + " has no relevant gallery item");
            }
            double best = Double.NEGATIVE_INFINITY;
            java.util.BitSet rel = new java.util.BitSet(g);
            for (int r : relevant[q]) {
                if (r < 0 || r >= g) {
                    throw new IllegalArgumentException("relevant index " + r + " of query " + q
                            + " outside the gallery [0, " + g + ")");
                }
                best = Math.max(best, s[q * g + r]);
                rel.set(r);
            }
            int above = 0;
            for (int j = 0; j < g; j++) {
                if (!rel.get(j) && s[q * g + j] >= best) {
                    above++;
                }
            }
            if (above < k) {
                hits++;
            }
        }
        return (double) hits / n;
    }

    /**
     * @param imageToText      [images, texts] similarities
     * @param textsOfImage     for each image, the texts that describe it
     * @param imagesOfText     for each text, the images it describes
     * @return {TR@1, TR@5, TR@10, IR@1, IR@5, IR@10, R_m} as fractions
     */
    public static double[] crossModal(INDArray imageToText, int[][] textsOfImage, int[][] imagesOfText) {
        double[] r = new double[7];
        INDArray t2i = imageToText.transpose();
        double sum = 0;
        for (int i = 0; i < KS.length; i++) {
            r[i] = recallAtK(imageToText, textsOfImage, KS[i]);
            r[3 + i] = recallAtK(t2i, imagesOfText, KS[i]);
            sum += r[i] + r[3 + i];
        }
        r[6] = sum / 6;
        return r;
    }
}
