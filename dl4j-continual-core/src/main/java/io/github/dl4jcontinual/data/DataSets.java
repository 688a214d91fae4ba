package io.github.dl4jcontinual.data;

import org.datavec.api.records.reader.RecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Helpers that turn DL4J/DataVec sources into one in-memory {@link DataSet}, and that check labels.
 * Every returned {@code DataSet} owns its arrays (detached copies), so it may be kept beyond the call.
 */
public final class DataSets {
    private DataSets() {
    }

    /**
     * Drains an iterator (after resetting it when it supports reset) into one detached {@link DataSet}.
     *
     * @param iterator any DataSetIterator with 2-d one-hot labels
     * @return all its examples, in order
     * @throws IllegalArgumentException if the iterator yields no example
     */
    public static DataSet collect(DataSetIterator iterator) {
        if (iterator.resetSupported()) {
            iterator.reset();
        }
        List<DataSet> parts = minibatches(iterator, false);
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("The iterator " + iterator.getClass().getName()
                    + " yielded no examples; a scenario needs at least one example per class");
        }
        DataSet merged = parts.size() == 1 ? parts.get(0) : DataSet.merge(parts);
        return new DataSet(merged.getFeatures().dup(), merged.getLabels().dup(),
                merged.getFeaturesMaskArray(), merged.getLabelsMaskArray());
    }

    /**
     * The rest of one pass over an iterator (not reset first), each minibatch's features, labels and masks
     * detached from any workspace and, with {@code copy}, {@code dup()}ed so that they own their buffers (no view
     * of the iterator's arrays), e.g. to ship them elsewhere.
     *
     * @param iterator the iterator, pre-processor applied by it
     * @param copy     whether every array is copied (otherwise only detached)
     * @return its remaining minibatches, in order (empty if it has none)
     */
    public static List<DataSet> minibatches(DataSetIterator iterator, boolean copy) {
        List<DataSet> out = new ArrayList<>();
        while (iterator.hasNext()) {
            DataSet ds = iterator.next();
            out.add(new DataSet(own(ds.getFeatures(), copy), own(ds.getLabels(), copy),
                    own(ds.getFeaturesMaskArray(), copy), own(ds.getLabelsMaskArray(), copy)));
        }
        return out;
    }

    private static INDArray own(INDArray a, boolean copy) {
        return a == null ? null : copy ? a.detach().dup() : a.detach();
    }

    /**
     * Reads every record of a DataVec {@link RecordReader} for classification (through DL4J's
     * {@link RecordReaderDataSetIterator}) into one {@link DataSet}.
     *
     * @param reader     an initialised record reader
     * @param labelIndex the column holding the integer class label
     * @param numClasses the number of classes (label width)
     * @return all records, features as float, labels one-hot
     */
    public static DataSet fromRecordReader(RecordReader reader, int labelIndex, int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses should be >= 2 (got: " + numClasses + ")");
        }
        return collect(new RecordReaderDataSetIterator(reader, 1024, labelIndex, numClasses));
    }

    /**
     * One-hot encodes integer labels.
     *
     * @param labels     class ids in [0, numClasses)
     * @param numClasses label width
     * @return a float array [labels.length, numClasses]
     * @throws IllegalArgumentException naming the first id out of range
     */
    public static INDArray oneHot(int[] labels, int numClasses) {
        float[] data = new float[labels.length * numClasses];
        for (int i = 0; i < labels.length; i++) {
            int c = labels[i];
            if (c < 0 || c >= numClasses) {
                throw new IllegalArgumentException("Class id " + c + " at example " + i + " is out of range [0, "
                        + numClasses + ")");
            }
            data[i * numClasses + c] = 1f;
        }
        return Nd4j.create(data, new long[]{labels.length, numClasses}, DataType.FLOAT);
    }

    /**
     * A per-class subset in file order: of every class, the examples after the first {@code skip} up to
     * {@code skip + perClass} (fewer when the class has fewer). The usual way to take a small balanced training or
     * test set from MNIST-like files without shuffling.
     *
     * @param data     examples with 2-d one-hot labels
     * @param skip     examples of each class skipped first, {@code >= 0}
     * @param perClass examples kept per class after those, {@code > 0}
     * @return the subset, in the original order, detached
     * @throws IllegalArgumentException if {@code skip < 0}, {@code perClass <= 0} or the labels are not one-hot
     */
    public static DataSet perClass(DataSet data, int skip, int perClass) {
        if (skip < 0 || perClass <= 0) {
            throw new IllegalArgumentException("perClass needs skip >= 0 and perClass > 0 (got skip " + skip
                    + ", perClass " + perClass + ")");
        }
        int[] cls = classIds(data.getLabels());
        int[] count = new int[(int) data.getLabels().size(1)];
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < cls.length; i++) {
            int c = cls[i];
            if (count[c] >= skip && count[c] < skip + perClass) {
                keep.add(i);
            }
            count[c]++;
        }
        if (keep.isEmpty()) {
            throw new IllegalArgumentException("perClass: no class has more than " + skip + " examples");
        }
        INDArray idx = Nd4j.createFromArray(keep.stream().mapToInt(Integer::intValue).toArray());
        return new DataSet(data.getFeatures().get(idx).detach(), data.getLabels().get(idx).detach());
    }

    /**
     * A stratified split of a labelled data set, e.g. to carve a validation stream out of the training data so that
     * hyper-parameters are never chosen on the test stream: for every class, {@code round(fraction · n_class)} of
     * its examples (at least one when the class has two or more) go to the second part, chosen at random with the
     * seed; the order of examples is kept within each part.
     *
     * @param data     examples with 2-d one-hot labels
     * @param fraction share of every class held out, in (0, 1)
     * @param seed     random seed
     * @return {rest, held out}, detached copies
     * @throws IllegalArgumentException if the fraction is outside (0, 1) or the labels are not one-hot
     */
    public static DataSet[] splitStratified(DataSet data, double fraction, long seed) {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException("fraction should be in (0, 1) (got: " + fraction + ")");
        }
        int[] ids = classIds(data.getLabels());
        java.util.Map<Integer, List<Integer>> byClass = new java.util.TreeMap<>();
        for (int i = 0; i < ids.length; i++) {
            byClass.computeIfAbsent(ids[i], c -> new ArrayList<>()).add(i);
        }
        java.util.Random rng = new java.util.Random(seed);
        boolean[] held = new boolean[ids.length];
        for (List<Integer> rows : byClass.values()) {
            int k = (int) Math.round(fraction * rows.size());
            if (k == 0 && rows.size() >= 2) {
                k = 1;
            }
            k = Math.min(k, rows.size() - 1);
            List<Integer> shuffled = new ArrayList<>(rows);
            java.util.Collections.shuffle(shuffled, rng);
            for (int i = 0; i < k; i++) {
                held[shuffled.get(i)] = true;
            }
        }
        List<Integer> rest = new ArrayList<>();
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            (held[i] ? out : rest).add(i);
        }
        return new DataSet[]{rows(data, rest), rows(data, out)};
    }

    private static DataSet rows(DataSet data, List<Integer> rows) {
        int[] r = rows.stream().mapToInt(Integer::intValue).toArray();
        INDArray f = data.getFeatures();
        INDArray x = Nd4j.pullRows(f.reshape(f.size(0), -1), 1, r);
        long[] shape = f.shape().clone();
        shape[0] = r.length;
        INDArray y = Nd4j.pullRows(data.getLabels(), 1, r);
        return new DataSet(x.reshape(shape).detach(), y.detach());
    }

    /**
     * The class id of every row of a one-hot label matrix, checking that each row is one-hot.
     *
     * @param labels a 2-d label matrix [n, numClasses]
     * @return the index of the 1 in each row
     * @throws IllegalArgumentException if labels are not 2-d or a row is not one-hot (naming the row)
     */
    public static int[] classIds(INDArray labels) {
        if (labels.rank() != 2) {
            throw new IllegalArgumentException("Labels should be a 2-d one-hot matrix [examples, classes] (got shape "
                    + java.util.Arrays.toString(labels.shape()) + ")");
        }
        int n = (int) labels.rows();
        int k = (int) labels.columns();
        float[] v = labels.castTo(DataType.FLOAT).dup('c').data().asFloat();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            int id = -1;
            for (int c = 0; c < k; c++) {
                float x = v[i * k + c];
                if (x == 1f) {
                    if (id >= 0) {
                        throw notOneHot(i, v, k);
                    }
                    id = c;
                } else if (x != 0f) {
                    throw notOneHot(i, v, k);
                }
            }
            if (id < 0) {
                throw notOneHot(i, v, k);
            }
            ids[i] = id;
        }
        return ids;
    }

    /**
     * The class of every example of a classification label array: rank 2 {@code [n, k]} one-hot rows, or rank 3
     * {@code [n, k, T]} sequence labels whose unmasked time steps all carry the same one-hot class (sequence
     * classification, e.g. a label at the last step only).
     *
     * @param labels labels of rank 2 or 3
     * @param mask   the label mask ({@code [n, T]} for rank 3; ignored for rank 2), or null
     * @return the class of each example
     * @throws IllegalArgumentException naming the example if a label is not one-hot, has no unmasked step or
     *                                  changes class over time
     */
    public static int[] classIds(INDArray labels, INDArray mask) {
        if (labels.rank() == 2) {
            return classIds(labels);
        }
        if (labels.rank() != 3) {
            throw new IllegalArgumentException("Class labels should be [examples, classes] or [examples, classes, "
                    + "time] (got shape " + java.util.Arrays.toString(labels.shape()) + ")");
        }
        int n = (int) labels.size(0);
        int k = (int) labels.size(1);
        int t = (int) labels.size(2);
        float[] v = labels.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] m = mask == null ? null : mask.castTo(DataType.FLOAT).reshape(n, -1).dup('c').data().asFloat();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            int id = -1;
            for (int s = 0; s < t; s++) {
                if (m != null && m[i * t + s] == 0f) {
                    continue;
                }
                int here = -1;
                for (int c = 0; c < k; c++) {
                    float x = v[(i * k + c) * t + s];
                    if (x == 1f && here < 0) {
                        here = c;
                    } else if (x != 0f) {
                        here = -2;
                        break;
                    }
                }
                if (here < 0 || (id >= 0 && here != id)) {
                    throw new IllegalArgumentException("Sequence label " + i + " is not one class at every unmasked "
                            + "time step (step " + s + "): class-incremental scenarios need one class per example "
                            + "(sequence classification)");
                }
                id = here;
            }
            if (id < 0) {
                throw new IllegalArgumentException("Sequence label " + i + " has no unmasked time step");
            }
            ids[i] = id;
        }
        return ids;
    }

    private static IllegalArgumentException notOneHot(int row, float[] v, int k) {
        float[] r = java.util.Arrays.copyOfRange(v, row * k, row * k + k);
        return new IllegalArgumentException("Label row " + row + " is not one-hot: " + java.util.Arrays.toString(r)
                + " (class-incremental scenarios need exactly one 1 per row, over " + k + " classes)");
    }
}
