package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.nn.PerExampleLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.Objects;

/**
 * The loss of DER's joined step: one minibatch holds rows trained with the model's own loss (current and
 * label-replayed examples) and rows regressed onto stored logits (DER's α term), and this loss computes both
 * in the same forward/backward pass.
 *
 * <p>Labels are {@code [n, 2k + 2]} for a k-wide output: columns {@code [0, k)} are the targets of the wrapped
 * loss, {@code [k, 2k)} the stored logits, column {@code 2k} a flag (1 = logit row) and column {@code 2k + 1} the
 * row's weight. A logit row's score is {@code mean_k (z − ẑ)²} on the <em>pre-activations</em> z (the activation
 * is not applied: DER regresses logits), with gradient {@code 2(z − ẑ)/k}; any other row gets the wrapped loss;
 * both are multiplied by the row's weight. The weights travel in the labels, not in a DL4J label mask, because DL4J
 * multiplies an output layer's pre-activations by its label mask (a 0/1 mask's semantics), which would rescale
 * the logits. Labels exactly {@code k} wide are passed to the wrapped loss unchanged, so scoring ordinary data
 * during the experience still works.</p>
 */
public final class DerJointLoss extends PerExampleLoss {
    private static final long serialVersionUID = 1L;
    private ILossFunction base;
    /** Set by DER's runtime during an experience: receives the first rows' logits of the training forward. */
    private transient LogitCapture capture;

    /** For Jackson. */
    public DerJointLoss() {
    }

    /** @param base the model's own loss, used on the rows that are not logit rows */
    public DerJointLoss(ILossFunction base) {
        this.base = Objects.requireNonNull(base, "base");
    }

    /** @return the wrapped loss */
    public ILossFunction getBase() {
        return base;
    }

    /** @param base the wrapped loss (for Jackson) */
    public void setBase(ILossFunction base) {
        this.base = base;
    }

    /**
     * The logits of the first {@code rows} rows of a training forward (DER stores the current rows' logits from
     * the step itself, as Mammoth does, instead of a second forward pass).
     */
    static final class LogitCapture {
        long rows;
        INDArray logits;

        /** @param n rows to capture from the next gradient computation */
        void arm(long n) {
            rows = n;
            logits = null;
        }

        /** @return the captured logits (detached), or null; disarms */
        INDArray take() {
            INDArray l = logits;
            rows = 0;
            logits = null;
            return l;
        }
    }

    /** @param c the capture to fill from the next gradient computation, or null */
    void capture(LogitCapture c) {
        this.capture = c;
    }

    private void captureFrom(INDArray preOutput) {
        LogitCapture c = capture;
        if (c != null && c.rows > 0 && c.logits == null && preOutput.size(0) >= c.rows) {
            c.logits = preOutput.get(NDArrayIndex.interval(0, c.rows), NDArrayIndex.all()).detach();
        }
    }

    private static boolean joined(INDArray labels, INDArray preOutput) {
        long k = preOutput.size(1);
        if (labels.size(1) == k) {
            return false;
        }
        if (labels.size(1) != width(k)) {
            throw new IllegalArgumentException("DerJointLoss expects labels of width " + k + " or " + width(k)
                    + " for an output of width " + k + " (got: " + labels.size(1) + ")");
        }
        return true;
    }

    /**
     * @param k the output width
     * @return the width of the joined label layout, {@code 2k + 2}
     */
    public static long width(long k) {
        return 2 * k + 2;
    }

    private static void checkMask(INDArray mask) {
        if (mask != null) {
            throw new IllegalArgumentException("DerJointLoss carries its row weights in the labels; a DL4J label mask "
                    + "would rescale the logits (got a mask of shape " + java.util.Arrays.toString(mask.shape())
                    + ")");
        }
    }

    /** @return {targets, stored logits, flag [n,1], weight [n,1]} as views of the joined labels */
    private static INDArray[] parts(INDArray labels, INDArray preOutput, INDArray mask) {
        checkMask(mask);
        long k = preOutput.size(1);
        INDArray l = labels.castTo(preOutput.dataType());
        return new INDArray[]{l.get(NDArrayIndex.all(), NDArrayIndex.interval(0, k)),
                l.get(NDArrayIndex.all(), NDArrayIndex.interval(k, 2 * k)),
                l.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * k, 2 * k + 1)),
                l.get(NDArrayIndex.all(), NDArrayIndex.interval(2 * k + 1, 2 * k + 2))};
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (!joined(labels, preOutput)) {
            return base.computeScoreArray(labels, preOutput, activationFn, mask);
        }
        INDArray[] p = parts(labels, preOutput, mask);
        INDArray own = base.computeScoreArray(p[0], preOutput, activationFn, null);
        INDArray d = preOutput.sub(p[1]);
        INDArray mse = d.muli(d).sum(true, 1).divi(preOutput.size(1));
        return own.muli(p[2].rsub(1)).addi(mse.muli(p[2])).muli(p[3]);
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        if (!joined(labels, preOutput)) {
            return base.computeScore(labels, preOutput, activationFn, mask, average);
        }
        return super.computeScore(labels, preOutput, activationFn, mask, average);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        captureFrom(preOutput);
        if (!joined(labels, preOutput)) {
            return base.computeGradient(labels, preOutput, activationFn, mask);
        }
        INDArray[] p = parts(labels, preOutput, mask);
        INDArray own = base.computeGradient(p[0], preOutput, activationFn, null);
        return own.muliColumnVector(p[2].rsub(1)).addi(preOutput.sub(p[1]).muli(2.0 / preOutput.size(1))
                .muliColumnVector(p[2])).muliColumnVector(p[3]);
    }

    @Override
    public String name() {
        return "DerJointLoss(" + base.name() + ")";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DerJointLoss && Objects.equals(base, ((DerJointLoss) o).base);
    }

    @Override
    public int hashCode() {
        return Objects.hash(DerJointLoss.class, base);
    }

    @Override
    public String toString() {
        return name();
    }
}
