package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.model.ContinualModel;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.Objects;

/**
 * iCaRL's nearest-mean-of-exemplars classifier (Rebuffi et al. 2017, Algorithm 1): every example's feature vector
 * (the activations of a chosen layer, L2-normalised) is assigned to the class whose mean of normalised exemplar
 * features (normalised again) is nearest. Scores are the cosine similarities to the class means, so the arg-max is
 * the nearest mean; classes without exemplars score {@code -Infinity}.
 *
 * <p>The class means are fitted once, with the model's parameters at that moment, and copied; {@link #scores}
 * uses the model's parameters at the time of the call, so a classifier is meant to be used right after fitting
 * (the iCaRL plugin refits it after every experience).</p>
 */
public final class NearestMeanClassifier {
    private static final int CHUNK = 512;
    private final ContinualModel model;
    private final String layer;
    private final INDArray means;
    private final boolean[] present;

    private NearestMeanClassifier(ContinualModel model, String layer, INDArray means, boolean[] present) {
        this.model = model;
        this.layer = layer;
        this.means = means;
        this.present = present;
    }

    /**
     * Computes the class means of the exemplars.
     *
     * @param model     the network (MultiLayerNetwork or single-input ComputationGraph)
     * @param layer     the feature layer (name or MultiLayerNetwork index, graph vertex name), or null for the
     *                  layer feeding the output layer
     * @param exemplars the exemplars' inputs [n, ...]; read only
     * @param classIds  the class id of every exemplar, in [0, width)
     * @param width     the number of classes the classifier scores (columns of {@link #scores})
     * @return the classifier
     * @throws IllegalArgumentException if the class ids do not match the exemplars or lie outside [0, width)
     */
    public static NearestMeanClassifier fit(ContinualModel model, String layer, MultiDataSet exemplars,
                                            int[] classIds, int width) {
        Objects.requireNonNull(model, "model");
        if (exemplars.getFeatures(0).size(0) != classIds.length) {
            throw new IllegalArgumentException("Got " + exemplars.getFeatures(0).size(0) + " exemplars but "
                    + classIds.length + " class ids");
        }
        if (width < 1) {
            throw new IllegalArgumentException("width should be >= 1 (got: " + width + ")");
        }
        INDArray f = features(model, layer, exemplars);
        INDArray sums = Nd4j.zeros(DataType.DOUBLE, width, f.size(1));
        int[] counts = new int[width];
        for (int i = 0; i < classIds.length; i++) {
            int c = classIds[i];
            if (c < 0 || c >= width) {
                throw new IllegalArgumentException("class id " + c + " of exemplar " + i + " is outside [0, "
                        + width + ")");
            }
            sums.getRow(c).addi(f.getRow(i));
            counts[c]++;
        }
        boolean[] present = new boolean[width];
        for (int c = 0; c < width; c++) {
            present[c] = counts[c] > 0;
        }
        return new NearestMeanClassifier(model, layer, normalise(sums), present);
    }

    /**
     * @param model  the network
     * @param layer  the feature layer or null
     * @param inputs inputs [n, ...]
     * @return L2-normalised features [n, d] (double), computed in chunks
     */
    static INDArray features(ContinualModel model, String layer, MultiDataSet inputs) {
        long n = inputs.getFeatures(0).size(0);
        INDArray out = null;
        for (long from = 0; from < n; from += CHUNK) {
            long to = Math.min(n, from + CHUNK);
            int[] idx = new int[(int) (to - from)];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = (int) from + i;
            }
            MultiDataSet x = n <= CHUNK ? inputs : io.github.dl4jcontinual.data.Batches.rows(inputs, idx);
            INDArray f = model.features(layer, x.getFeatures(), x.getFeaturesMaskArrays()).castTo(DataType.DOUBLE);
            if (out == null) {
                out = Nd4j.create(DataType.DOUBLE, n, f.size(1));
            }
            out.get(NDArrayIndex.interval(from, to), NDArrayIndex.all()).assign(f);
        }
        return normalise(out);
    }

    private static INDArray normalise(INDArray rows) {
        INDArray norms = rows.norm2(true, 1).addi(1e-12);
        return rows.divColumnVector(norms);
    }

    /** @return the feature layer, or null for the layer before the output */
    public String layer() {
        return layer;
    }

    /** @return a copy of the normalised class means [width, d]; rows of classes without exemplars are 0 */
    public INDArray means() {
        return means.dup();
    }

    /** @return the number of classes scored */
    public int width() {
        return present.length;
    }

    /**
     * @param features a minibatch (its inputs are read)
     * @return cosine similarity to every class mean [n, width]; {@code -Infinity} for classes without exemplars
     */
    public INDArray scores(MultiDataSet features) {
        INDArray f = features(model, layer, features);
        INDArray s = f.mmul(means.transpose());
        for (int c = 0; c < present.length; c++) {
            if (!present[c]) {
                s.getColumn(c).assign(Double.NEGATIVE_INFINITY);
            }
        }
        return s;
    }

    /**
     * @param features a minibatch (its inputs are read)
     * @return the predicted class of every input
     */
    public int[] predict(MultiDataSet features) {
        INDArray idx = Nd4j.argMax(scores(features), 1);
        return Arrays.stream(idx.toLongVector()).mapToInt(v -> (int) v).toArray();
    }
}
