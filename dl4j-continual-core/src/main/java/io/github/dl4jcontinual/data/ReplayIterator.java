package io.github.dl4jcontinual.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Objects;

/**
 * Joins replayed examples to every minibatch of a wrapped iterator: {@code next()} takes the wrapped iterator's
 * minibatch (B rows, its pre-processor applied), asks the {@link ReplaySource} for replay rows (M, possibly 0)
 * and returns the B + M rows, current first, for every input and output (masks joined, see
 * {@link Batches#concat}). Everything else (hasNext, reset, …) is delegated ({@link MappedMultiDataSetIterator}).
 * Examples may have any rank.
 *
 * <p>Weighted joining: with {@link #weighted(double, double)} the joined batch carries a label mask on the
 * classification output with the weights {@code wCurrent·(B+M)/B} and {@code wReplay·(B+M)/M}, meant to make the
 * loss (a sum divided by the B + M rows) {@code wCurrent · mean(loss over current) + wReplay · mean(loss over
 * replay)} — ER-ACE's form. Caution: DL4J multiplies an output layer's pre-activations by its label mask (a 0/1
 * mask's semantics), so weights other than 0 and 1 are exact only with a loss that divides the mask back out, as
 * {@link io.github.dl4jcontinual.replay.strategy.AsymmetricCrossEntropy} does; with DL4J's built-in losses they
 * would rescale the logits. Without weights the loss is the plain mean over the B + M rows (ER). Label masks the
 * parts already carry (per-example [n,1] or per-output [n,k]) are kept and multiplied by the weights.</p>
 *
 * <p>{@link #asyncSupported()} is false: what is replayed depends on when {@code next()} is called (the buffer
 * changes during training), so DL4J must not prefetch.</p>
 */
public class ReplayIterator extends MappedMultiDataSetIterator {
    private static final long serialVersionUID = 1L;

    /** Supplies the replay part of each minibatch. Called on the training thread, once per minibatch. */
    @FunctionalInterface
    public interface ReplaySource {
        /**
         * @param current the current minibatch (after the wrapped iterator's pre-processor); its arrays are read
         *                only, but the source may set its label masks (e.g. ER-ACE's per-output mask)
         * @return replay examples with the same arrays and label widths, or null for none
         */
        MultiDataSet replayFor(MultiDataSet current);
    }

    private final ReplaySource source;
    private final int classOutput;
    private double currentWeight = Double.NaN;
    private double replayWeight = Double.NaN;
    private long replayed;

    /**
     * @param base        the current experience's iterator
     * @param classOutput the output whose labels carry the classes (weights go into its label mask)
     * @param source      the replay rows of each minibatch
     */
    public ReplayIterator(MultiDataSetIterator base, int classOutput, ReplaySource source) {
        super(base);
        this.source = Objects.requireNonNull(source, "source");
        this.classOutput = classOutput;
    }

    /**
     * Makes the loss a weighted sum of the two parts' means.
     *
     * @param currentWeight weight of the current part's mean loss, ≥ 0
     * @param replayWeight  weight of the replay part's mean loss, ≥ 0
     * @return this iterator
     */
    public ReplayIterator weighted(double currentWeight, double replayWeight) {
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
    protected MultiDataSet map(MultiDataSet cur) {
        MultiDataSet rep = source.replayFor(cur);
        return rep == null || Batches.size(rep) == 0 ? weighOnly(cur) : join(cur, rep);
    }

    private MultiDataSet weighOnly(MultiDataSet cur) {
        if (Double.isNaN(currentWeight) || currentWeight == 1.0) {
            return cur;
        }
        return withMask(cur, maskOf(cur, currentWeight));
    }

    private MultiDataSet join(MultiDataSet cur, MultiDataSet rep) {
        if (cur.getLabels(classOutput).size(1) != rep.getLabels(classOutput).size(1)) {
            throw new IllegalArgumentException("Replayed labels have width " + rep.getLabels(classOutput).size(1)
                    + " but the current minibatch's have " + cur.getLabels(classOutput).size(1));
        }
        long b = Batches.size(cur);
        long m = Batches.size(rep);
        replayed += m;
        if (Double.isNaN(currentWeight)) {
            return Batches.concat(cur, rep);
        }
        double wc = currentWeight * (b + m) / b;
        double wr = replayWeight * (b + m) / m;
        return Batches.concat(withMask(cur, maskOf(cur, wc)), withMask(rep, maskOf(rep, wr)));
    }

    private INDArray maskOf(MultiDataSet d, double w) {
        INDArray m = Batches.mask(d.getLabelsMaskArrays(), classOutput);
        if (m == null) {
            // DL4J's label mask of sequence labels [n, k, T] is [n, T]; of 2-d labels per example [n, 1]
            INDArray l = d.getLabels(classOutput);
            return Nd4j.valueArrayOf(new long[]{Batches.size(d), l.rank() == 3 ? l.size(2) : 1}, w, l.dataType());
        }
        return m.mul(w);
    }

    private MultiDataSet withMask(MultiDataSet d, INDArray mask) {
        INDArray[] lm = d.getLabelsMaskArrays() == null ? new INDArray[d.numLabelsArrays()]
                : d.getLabelsMaskArrays().clone();
        lm[classOutput] = mask;
        return new org.nd4j.linalg.dataset.MultiDataSet(d.getFeatures(), d.getLabels(), d.getFeaturesMaskArrays(), lm);
    }
}
