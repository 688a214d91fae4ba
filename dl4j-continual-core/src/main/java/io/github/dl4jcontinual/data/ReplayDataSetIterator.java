package io.github.dl4jcontinual.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Objects;

/**
 * Joins replayed examples to every minibatch of a wrapped iterator: {@code next()} takes the wrapped iterator's
 * minibatch (B rows, its pre-processor applied), asks the {@link ReplaySource} for replay rows (M, possibly 0)
 * and returns the B + M rows, current first. Everything else (hasNext, reset, batch, …) is delegated.
 *
 * <p>Weighted joining: with {@link #weighted(double, double)} the joined batch carries a label mask with the
 * weights {@code wCurrent·(B+M)/B} and {@code wReplay·(B+M)/M}, meant to make the loss (a sum divided by the B + M
 * rows) {@code wCurrent · mean(loss over current) + wReplay · mean(loss over replay)} — ER-ACE's form. Caution:
 * DL4J multiplies an output layer's pre-activations by its label mask (a 0/1 mask's semantics), so weights other
 * than 0 and 1 are exact only with a loss that divides the mask back out, as
 * {@link io.github.dl4jcontinual.replay.strategy.AsymmetricCrossEntropy} does; with DL4J's built-in losses they
 * would rescale the logits. Without weights the loss is the plain mean over the B + M rows (ER). Label masks the
 * parts already carry (per-example [n,1] or per-output [n,k]) are kept and multiplied by the weights.</p>
 *
 * <p>{@link #asyncSupported()} is false: what is replayed depends on when {@code next()} is called (the buffer
 * changes during training), so DL4J must not prefetch.</p>
 */
public class ReplayDataSetIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    /** Supplies the replay part of each minibatch. Called on the training thread, once per minibatch. */
    @FunctionalInterface
    public interface ReplaySource {
        /**
         * @param current the current minibatch (after the wrapped iterator's pre-processor); its arrays are read
         *                only, but the source may set its label mask (e.g. ER-ACE's per-output mask)
         * @return replay examples with labels of the same width, or null / an empty DataSet for none
         */
        DataSet replayFor(DataSet current);
    }

    private final DataSetIterator base;
    private final ReplaySource source;
    private double currentWeight = Double.NaN;
    private double replayWeight = Double.NaN;
    private DataSetPreProcessor preProcessor;
    private long replayed;

    /**
     * @param base   the current experience's iterator
     * @param source the replay rows of each minibatch
     */
    public ReplayDataSetIterator(DataSetIterator base, ReplaySource source) {
        this.base = Objects.requireNonNull(base, "base");
        this.source = Objects.requireNonNull(source, "source");
    }

    /**
     * Makes the loss a weighted sum of the two parts' means.
     *
     * @param currentWeight weight of the current part's mean loss, ≥ 0
     * @param replayWeight  weight of the replay part's mean loss, ≥ 0
     * @return this iterator
     */
    public ReplayDataSetIterator weighted(double currentWeight, double replayWeight) {
        if (!(currentWeight >= 0) || !(replayWeight >= 0)) {
            throw new IllegalArgumentException("weights should be >= 0 (got: " + currentWeight + ", "
                    + replayWeight + ")");
        }
        this.currentWeight = currentWeight;
        this.replayWeight = replayWeight;
        return this;
    }

    /** @return the number of replayed rows served since construction */
    public long replayedExamples() {
        return replayed;
    }

    @Override
    public DataSet next() {
        DataSet cur = base.next();
        DataSet rep = source.replayFor(cur);
        DataSet out = rep == null || rep.isEmpty() ? weighOnly(cur) : join(cur, rep);
        if (preProcessor != null) {
            preProcessor.preProcess(out);
        }
        return out;
    }

    private DataSet weighOnly(DataSet cur) {
        if (Double.isNaN(currentWeight) || currentWeight == 1.0) {
            return cur;
        }
        INDArray m = maskOf(cur, currentWeight);
        return new DataSet(cur.getFeatures(), cur.getLabels(), cur.getFeaturesMaskArray(), m);
    }

    private DataSet join(DataSet cur, DataSet rep) {
        if (cur.getLabels().size(1) != rep.getLabels().size(1)) {
            throw new IllegalArgumentException("Replayed labels have width " + rep.getLabels().size(1)
                    + " but the current minibatch's have " + cur.getLabels().size(1));
        }
        long b = cur.numExamples();
        long m = rep.numExamples();
        replayed += m;
        INDArray x = Nd4j.concat(0, cur.getFeatures(), rep.getFeatures().castTo(cur.getFeatures().dataType()));
        INDArray y = Nd4j.concat(0, cur.getLabels(), rep.getLabels().castTo(cur.getLabels().dataType()));
        boolean weighted = !Double.isNaN(currentWeight);
        INDArray mask = null;
        if (weighted || cur.getLabelsMaskArray() != null || rep.getLabelsMaskArray() != null) {
            double wc = weighted ? currentWeight * (b + m) / b : 1.0;
            double wr = weighted ? replayWeight * (b + m) / m : 1.0;
            INDArray mc = maskOf(cur, wc);
            INDArray mr = maskOf(rep, wr).castTo(mc.dataType());
            if (mc.size(1) != mr.size(1)) {
                long w = Math.max(mc.size(1), mr.size(1));
                mc = widen(mc, w);
                mr = widen(mr, w);
            }
            mask = Nd4j.concat(0, mc, mr);
        }
        return new DataSet(x, y, null, mask);
    }

    private static INDArray maskOf(DataSet d, double w) {
        INDArray m = d.getLabelsMaskArray();
        if (m == null) {
            return Nd4j.valueArrayOf(new long[]{d.numExamples(), 1}, w, d.getLabels().dataType());
        }
        return m.mul(w);
    }

    private static INDArray widen(INDArray m, long w) {
        return m.size(1) == w ? m : Nd4j.ones(m.dataType(), m.size(0), w).muliColumnVector(m);
    }

    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("ReplayDataSetIterator serves the wrapped iterator's minibatches; "
                + "next(num) is not supported");
    }

    @Override
    public int inputColumns() {
        return base.inputColumns();
    }

    @Override
    public int totalOutcomes() {
        return base.totalOutcomes();
    }

    @Override
    public boolean resetSupported() {
        return base.resetSupported();
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        base.reset();
    }

    @Override
    public int batch() {
        return base.batch();
    }

    @Override
    public void setPreProcessor(DataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public DataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public List<String> getLabels() {
        return base.getLabels();
    }

    @Override
    public boolean hasNext() {
        return base.hasNext();
    }
}
