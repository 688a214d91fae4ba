package io.github.dl4jcontinual.data;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetUtil;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Row operations on minibatches of any rank ({@code [n, F]}, {@code [n, F, T]}, {@code [n, C, H, W]}) and any number
 * of inputs and outputs, with their masks: the library's minibatch type is ND4J's {@link MultiDataSet}, whose
 * arrays follow the network's inputs and outputs. Every method returns new arrays; inputs are read only.
 */
public final class Batches {
    private Batches() {
    }

    /**
     * @param ds a DataSet
     * @return the same arrays as a one-input, one-output MultiDataSet
     */
    public static MultiDataSet of(DataSet ds) {
        return new org.nd4j.linalg.dataset.MultiDataSet(ds.getFeatures(), ds.getLabels(), ds.getFeaturesMaskArray(),
                ds.getLabelsMaskArray());
    }

    /**
     * @param mds a one-input, one-output minibatch
     * @return the same arrays as a DataSet
     * @throws IllegalArgumentException if it has several inputs or outputs
     */
    public static DataSet toDataSet(MultiDataSet mds) {
        if (mds.numFeatureArrays() != 1 || mds.numLabelsArrays() != 1) {
            throw new IllegalArgumentException("A DataSet holds one input and one output; this minibatch has "
                    + mds.numFeatureArrays() + " inputs and " + mds.numLabelsArrays() + " outputs");
        }
        return new DataSet(mds.getFeatures(0), mds.getLabels(0), mask(mds.getFeaturesMaskArrays(), 0),
                mask(mds.getLabelsMaskArrays(), 0));
    }

    /**
     * @param masks mask arrays, or null
     * @param i     index
     * @return {@code masks[i]}, or null when there are no masks
     */
    public static INDArray mask(INDArray[] masks, int i) {
        return masks == null || i >= masks.length ? null : masks[i];
    }

    /**
     * @param mds a minibatch
     * @return its number of examples
     */
    public static int size(MultiDataSet mds) {
        return (int) mds.getFeatures(0).size(0);
    }

    /**
     * @param a   an array of rank ≥ 2 (examples along dimension 0), or null
     * @param idx row indices (any order, repeats allowed)
     * @return a new array {@code [idx.length, ...]} with those rows, or null for null
     */
    public static INDArray rows(INDArray a, int[] idx) {
        if (a == null) {
            return null;
        }
        if (a.rank() == 1) {
            a = a.reshape(a.length(), 1);
        }
        long[] shape = a.shape().clone();
        if (idx.length == 0) {
            shape[0] = 0;
            return Nd4j.create(a.dataType(), shape);
        }
        if (a.rank() == 2) {
            return Nd4j.pullRows(a, 1, idx);
        }
        INDArray flat = a.reshape('c', a.size(0), -1);
        shape[0] = idx.length;
        return Nd4j.pullRows(flat, 1, idx).reshape('c', shape);
    }

    private static INDArray[] rows(INDArray[] a, int[] idx) {
        if (a == null) {
            return null;
        }
        INDArray[] r = new INDArray[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = rows(a[i], idx);
        }
        return r;
    }

    /**
     * @param mds a minibatch
     * @param idx row indices
     * @return a new minibatch with those rows of every array and mask
     */
    public static MultiDataSet rows(MultiDataSet mds, int[] idx) {
        return new org.nd4j.linalg.dataset.MultiDataSet(rows(mds.getFeatures(), idx), rows(mds.getLabels(), idx),
                rows(mds.getFeaturesMaskArrays(), idx), rows(mds.getLabelsMaskArrays(), idx));
    }

    /**
     * Rows of {@code a} followed by rows of {@code b}. Arrays are cast to {@code a}'s data types. Where only one side
     * has a mask the other side's rows get a mask of ones; a per-example label mask {@code [n, 1]} joined with a
     * per-output one {@code [n, k]} is broadcast to {@code [n, k]}. Sequences of different lengths are padded (and
     * masked) as DL4J's {@code DataSetUtil.mergeTimeSeries} does.
     *
     * @param a the first rows
     * @param b the rows appended
     * @return a new minibatch
     * @throws IllegalArgumentException naming the array if the two do not have the same arrays and example shapes
     */
    public static MultiDataSet concat(MultiDataSet a, MultiDataSet b) {
        if (a.numFeatureArrays() != b.numFeatureArrays() || a.numLabelsArrays() != b.numLabelsArrays()) {
            throw new IllegalArgumentException("Cannot join minibatches with " + a.numFeatureArrays() + " inputs / "
                    + a.numLabelsArrays() + " outputs and " + b.numFeatureArrays() + " inputs / "
                    + b.numLabelsArrays() + " outputs");
        }
        int nf = a.numFeatureArrays();
        int nl = a.numLabelsArrays();
        INDArray[] f = new INDArray[nf];
        INDArray[] fm = new INDArray[nf];
        INDArray[] l = new INDArray[nl];
        INDArray[] lm = new INDArray[nl];
        boolean anyFm = false;
        boolean anyLm = false;
        for (int i = 0; i < nf; i++) {
            Pair<INDArray, INDArray> p = join("input " + i, a.getFeatures(i), mask(a.getFeaturesMaskArrays(), i),
                    b.getFeatures(i), mask(b.getFeaturesMaskArrays(), i));
            f[i] = p.getFirst();
            fm[i] = p.getSecond();
            anyFm |= fm[i] != null;
        }
        for (int i = 0; i < nl; i++) {
            Pair<INDArray, INDArray> p = join("output " + i, a.getLabels(i), mask(a.getLabelsMaskArrays(), i),
                    b.getLabels(i), mask(b.getLabelsMaskArrays(), i));
            l[i] = p.getFirst();
            lm[i] = p.getSecond();
            anyLm |= lm[i] != null;
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(f, l, anyFm ? fm : null, anyLm ? lm : null);
    }

    private static Pair<INDArray, INDArray> join(String what, INDArray x, INDArray mx, INDArray y, INDArray my) {
        y = y.castTo(x.dataType());
        long[] sx = Arrays.copyOfRange(x.shape(), 1, x.rank());
        long[] sy = Arrays.copyOfRange(y.shape(), 1, y.rank());
        if (!Arrays.equals(sx, sy)) {
            if (x.rank() == 3 && y.rank() == 3 && x.size(1) == y.size(1)) {
                return DataSetUtil.mergeTimeSeries(new INDArray[]{x, y}, new INDArray[]{mx, my});
            }
            throw new IllegalArgumentException("Cannot join minibatches whose " + what + " examples have shapes "
                    + Arrays.toString(sx) + " and " + Arrays.toString(sy));
        }
        INDArray joined = Nd4j.concat(0, x, y);
        if (mx == null && my == null) {
            return new Pair<>(joined, null);
        }
        INDArray ref = mx != null ? mx : my;
        if (mx != null && my != null && mx.rank() == 2 && my.rank() == 2 && mx.size(1) != my.size(1)) {
            long w = Math.max(mx.size(1), my.size(1));
            mx = widen(mx, w);
            my = widen(my, w);
            ref = mx;
        }
        INDArray a = mx != null ? mx : ones(ref, x.size(0));
        INDArray b = my != null ? my.castTo(a.dataType()) : ones(ref, y.size(0));
        return new Pair<>(joined, Nd4j.concat(0, a, b));
    }

    private static INDArray ones(INDArray like, long rows) {
        long[] s = like.shape().clone();
        s[0] = rows;
        return Nd4j.ones(like.dataType(), s);
    }

    private static INDArray widen(INDArray m, long w) {
        return m.size(1) == w ? m : Nd4j.ones(m.dataType(), m.size(0), w).muliColumnVector(m);
    }

    /**
     * Copies every array of a minibatch, detached from any workspace.
     *
     * @param mds a minibatch
     * @return a minibatch owning its arrays
     */
    public static MultiDataSet copy(MultiDataSet mds) {
        return new org.nd4j.linalg.dataset.MultiDataSet(copy(mds.getFeatures()), copy(mds.getLabels()),
                copy(mds.getFeaturesMaskArrays()), copy(mds.getLabelsMaskArrays()));
    }

    private static INDArray[] copy(INDArray[] a) {
        if (a == null) {
            return null;
        }
        INDArray[] r = new INDArray[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] == null ? null : a[i].detach().dup();
        }
        return r;
    }

    /**
     * A classification label array with {@code width} classes: the first columns of {@code labels}, or
     * {@code labels} padded with zero columns (dimension 1 is the class dimension at any rank).
     *
     * @param labels one-hot labels {@code [n, k]} or {@code [n, k, T]}
     * @param width  the class count wanted
     * @return {@code labels} itself when it has that width, else a new array
     */
    public static INDArray classColumns(INDArray labels, long width) {
        long k = labels.size(1);
        if (k == width) {
            return labels;
        }
        if (k > width) {
            org.nd4j.linalg.indexing.INDArrayIndex[] idx = new org.nd4j.linalg.indexing.INDArrayIndex[labels.rank()];
            Arrays.fill(idx, org.nd4j.linalg.indexing.NDArrayIndex.all());
            idx[1] = org.nd4j.linalg.indexing.NDArrayIndex.interval(0, width);
            return labels.get(idx).dup();
        }
        long[] s = labels.shape().clone();
        s[1] = width - k;
        return Nd4j.concat(1, labels, Nd4j.zeros(labels.dataType(), s));
    }

    /**
     * Sets one output's label mask in place (DL4J's {@code setLabelsMaskArray(int, INDArray)} fails when the minibatch
     * has no masks yet).
     *
     * @param mds    the minibatch, changed
     * @param output the output index
     * @param mask   the mask
     */
    public static void setLabelMask(MultiDataSet mds, int output, INDArray mask) {
        INDArray[] m = mds.getLabelsMaskArrays();
        m = m == null ? new INDArray[mds.numLabelsArrays()] : m.clone();
        m[output] = mask;
        mds.setLabelsMaskArray(m);
    }

    /**
     * A copy of a minibatch in which one output's labels are replaced.
     *
     * @param mds    the minibatch
     * @param output the output index
     * @param labels the new labels of that output
     * @return a minibatch sharing every other array with {@code mds}
     */
    public static MultiDataSet withLabels(MultiDataSet mds, int output, INDArray labels) {
        INDArray[] l = mds.getLabels().clone();
        l[output] = labels;
        return new org.nd4j.linalg.dataset.MultiDataSet(mds.getFeatures(), l, mds.getFeaturesMaskArrays(),
                mds.getLabelsMaskArrays());
    }
}
