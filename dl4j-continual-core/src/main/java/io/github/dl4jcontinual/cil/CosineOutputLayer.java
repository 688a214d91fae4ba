package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.model.ExpandableOutputLayer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * LUCIR's cosine-normalised classifier (Hou et al., CVPR 2019) as a DL4J output layer: with input features f
 * [n, nIn] and class weights W [nIn, nOut], the logits are {@code s · cos(f, W_c) = s · f̄ · W̄_c} (f̄, W̄_c
 * L2-normalised), the output is their softmax and the loss is the softmax cross-entropy with one-hot labels. The
 * scale {@code s} is a learnable scalar (parameter {@code "s"}, initialised to {@link #getInitialScale()}); W
 * (parameter {@code "W"}) is initialised like DL4J's Xavier. Because every class vector is normalised, old and new
 * classes have the same weight norm, which removes the magnitude part of the bias toward new classes.
 *
 * <p>Usable as the last layer of a {@code MultiLayerNetwork} and as an output layer of a {@code ComputationGraph};
 * serialises with the network's JSON and {@code ModelSerializer}; grows with
 * {@link io.github.dl4jcontinual.trainer.HeadPolicy#EXPANDING} ({@link ExpandableOutputLayer}: W gains columns, s
 * is kept). As DL4J expects of output layers, the loss is summed over the minibatch (DL4J divides by its size). The
 * norms use {@code sqrt(Σx² + 1e-12)} so that all-zero features (e.g. after ReLU) have finite gradients.</p>
 */
public class CosineOutputLayer extends SameDiffOutputLayer implements ExpandableOutputLayer {
    private static final long serialVersionUID = 1L;
    /** Key of the class-weight parameter [nIn, nOut]. */
    public static final String WEIGHT_KEY = "W";
    /** Key of the scale parameter [1, 1]. */
    public static final String SCALE_KEY = "s";
    /** Name of the softmax output variable. */
    public static final String OUTPUT_NAME = "cosine_softmax";
    private static final double EPS = 1e-12;

    private long nIn;
    private long nOut;
    private double initialScale = 10.0;

    /** For JSON; use the {@link Builder}. */
    public CosineOutputLayer() {
    }

    /**
     * @param b the builder
     */
    protected CosineOutputLayer(Builder b) {
        this.nIn = b.nIn;
        this.nOut = b.nOut;
        this.initialScale = b.initialScale;
        setLayerName(b.name);
        setUpdater(b.updater);
    }

    /** @return number of input features */
    public long getNIn() {
        return nIn;
    }

    /** @param nIn number of input features (drops cached parameter shapes) */
    public void setNIn(long nIn) {
        this.nIn = nIn;
        setLayerParams(null);
    }

    /** {@inheritDoc} */
    @Override
    public long getNOut() {
        return nOut;
    }

    /** {@inheritDoc} */
    @Override
    public void setNOut(long nOut) {
        this.nOut = nOut;
        setLayerParams(null);
    }

    /** @return the initial value of the learnable scale s */
    public double getInitialScale() {
        return initialScale;
    }

    /** @param initialScale the initial value of s, more than 0 */
    public void setInitialScale(double initialScale) {
        this.initialScale = initialScale;
    }

    /** {@inheritDoc} */
    @Override
    public List<String> perClassParams() {
        return List.of(WEIGHT_KEY);
    }

    /** {@inheritDoc} */
    @Override
    public void defineParameters(SDLayerParams params) {
        params.addWeightParam(WEIGHT_KEY, nIn, nOut);
        params.addBiasParam(SCALE_KEY, 1, 1);
    }

    /** {@inheritDoc} */
    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        initWeights((int) nIn, (int) nOut, WeightInit.XAVIER, params.get(WEIGHT_KEY));
        params.get(SCALE_KEY).assign(initialScale);
    }

    /**
     * @param sd SameDiff instance
     * @param x  [n, d]
     * @param dim the dimension to normalise over (1: rows, 0: columns)
     * @return x divided by its L2 norm along {@code dim}, with {@code sqrt(Σx² + 1e-12)} as the norm
     */
    static SDVariable normalise(SameDiff sd, SDVariable x, int dim) {
        return x.div(sd.math().sqrt(x.mul(x).sum(true, dim).add(EPS)));
    }

    /**
     * The cosine similarities of the normalised input rows with the normalised class columns.
     *
     * @param sd     SameDiff instance
     * @param input  features [n, nIn]
     * @param params parameters
     * @return cos [n, nOut]
     */
    static SDVariable cosine(SameDiff sd, SDVariable input, Map<String, SDVariable> params) {
        return normalise(sd, input, 1).mmul(normalise(sd, params.get(WEIGHT_KEY), 0));
    }

    /**
     * {@code −Σ_rows Σ_c y_c log softmax(z)_c}, with a max-shifted log-sum-exp.
     *
     * @param sd     SameDiff instance
     * @param logits [n, k]
     * @param labels one-hot [n, k]
     * @return the summed cross-entropy (scalar)
     */
    static SDVariable softmaxCrossEntropy(SameDiff sd, SDVariable logits, SDVariable labels) {
        SDVariable m = logits.max(true, 1);
        SDVariable shifted = logits.sub(m);
        SDVariable lse = sd.math().log(sd.math().exp(shifted).sum(true, 1));
        return labels.mul(shifted.sub(lse)).sum().neg();
    }

    /** {@inheritDoc} */
    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> params) {
        SDVariable logits = cosine(sd, input, params).mul(params.get(SCALE_KEY));
        sd.nn().softmax(OUTPUT_NAME, logits, 1);
        SDVariable loss = softmaxCrossEntropy(sd, logits, labels);
        loss.markAsLoss();
        return loss;
    }

    /** {@inheritDoc} */
    @Override
    public String activationsVertexName() {
        return OUTPUT_NAME;
    }

    /** {@inheritDoc} */
    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(nOut);
    }

    /** {@inheritDoc} */
    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            if (!(inputType instanceof InputType.InputTypeFeedForward)) {
                throw new IllegalArgumentException("CosineOutputLayer '" + getLayerName() + "' needs feed-forward "
                        + "input (got: " + inputType + ")");
            }
            setNIn(((InputType.InputTypeFeedForward) inputType).getSize());
        }
    }

    /**
     * The effective class vectors {@code s · W̄_c}, what multiplies the normalised features, from a parameter
     * table of this layer.
     *
     * @param params the layer's parameters (W and s)
     * @return [nIn, nOut], every column of norm s (a copy)
     */
    public static INDArray effectiveWeights(Map<String, INDArray> params) {
        INDArray w = params.get(WEIGHT_KEY).castTo(DataType.DOUBLE);
        INDArray norms = Transforms.sqrt(w.mul(w).sum(true, 0).addi(EPS), false);
        return w.divRowVector(norms).muli(params.get(SCALE_KEY).getDouble(0));
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CosineOutputLayer) || o.getClass() != getClass() || !super.equals(o)) {
            return false;
        }
        CosineOutputLayer c = (CosineOutputLayer) o;
        return nIn == c.nIn && nOut == c.nOut && Double.compare(initialScale, c.initialScale) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), nIn, nOut, initialScale);
    }

    @Override
    public String toString() {
        return "CosineOutputLayer(nIn=" + nIn + ", nOut=" + nOut + ", initialScale=" + initialScale + ")";
    }

    /** Builder; required: nOut (nIn may come from the network's input type). */
    public static class Builder {
        private long nIn;
        private long nOut;
        private double initialScale = 10.0;
        private String name;
        private IUpdater updater;

        /**
         * @param nIn number of input features, at least 1
         * @return this builder
         */
        public Builder nIn(long nIn) {
            if (nIn < 1) {
                throw new IllegalArgumentException("nIn should be >= 1 (got: " + nIn + ")");
            }
            this.nIn = nIn;
            return this;
        }

        /**
         * @param nOut number of classes, at least 1
         * @return this builder
         */
        public Builder nOut(long nOut) {
            if (nOut < 1) {
                throw new IllegalArgumentException("nOut should be >= 1 (got: " + nOut + ")");
            }
            this.nOut = nOut;
            return this;
        }

        /**
         * @param s initial value of the learnable scale, more than 0 (default 10; LUCIR's code starts at 1, which
         *          with Adam's small steps makes the softmax nearly uniform for many iterations)
         * @return this builder
         */
        public Builder initialScale(double s) {
            if (!(s > 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("initialScale should be > 0 and finite (got: " + s + ")");
            }
            this.initialScale = s;
            return this;
        }

        /**
         * @param name the layer name
         * @return this builder
         */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * @param updater an updater for this layer only (default: the network's)
         * @return this builder
         */
        public Builder updater(IUpdater updater) {
            this.updater = updater;
            return this;
        }

        /**
         * @return the layer configuration
         * @throws IllegalStateException if nOut was not set
         */
        public CosineOutputLayer build() {
            if (nOut < 1) {
                throw new IllegalStateException("CosineOutputLayer needs nOut (the number of classes)");
            }
            return new CosineOutputLayer(this);
        }
    }
}
