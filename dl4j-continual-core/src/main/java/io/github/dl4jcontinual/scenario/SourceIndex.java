package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.ExampleSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

import java.util.Arrays;
import java.util.Iterator;
import java.util.TreeSet;

/**
 * The one indexing pass over a scenario's source: the class of every example (by position), the label width, the
 * number of inputs and outputs and the shape of one example of every input; the labels and features are checked on
 * the way (one-hot, finite), errors naming the example's position. Holds an int per example, never examples.
 * Package-private.
 */
final class SourceIndex {
    final ExampleSource source;
    final String which;
    final int classOutput;
    final int[] classOf;
    final int labelWidth;
    final int numInputs;
    final int numOutputs;
    final long[][] exampleShape;

    private SourceIndex(ExampleSource source, String which, int classOutput, int[] classOf, int labelWidth,
                        int numInputs, int numOutputs, long[][] exampleShape) {
        this.source = source;
        this.which = which;
        this.classOutput = classOutput;
        this.classOf = classOf;
        this.labelWidth = labelWidth;
        this.numInputs = numInputs;
        this.numOutputs = numOutputs;
        this.exampleShape = exampleShape;
    }

    /**
     * @param source      the source
     * @param which       "train" or "test", for messages
     * @param classOutput the output whose labels are the classes
     * @return the index
     * @throws IllegalArgumentException naming the example on bad data, or if the source is empty
     */
    static SourceIndex scan(ExampleSource source, String which, int classOutput) {
        if (source == null) {
            throw new IllegalStateException("No " + which + " data: call " + which + "(...) on the builder");
        }
        int[] ids = new int[1024];
        int n = 0;
        int width = -1;
        int nf = -1;
        int nl = -1;
        long[][] shapes = null;
        Iterator<MultiDataSet> pass = source.pass();
        while (pass.hasNext()) {
            MultiDataSet chunk = pass.next();
            if (nf < 0) {
                nf = chunk.numFeatureArrays();
                nl = chunk.numLabelsArrays();
                if (classOutput < 0 || classOutput >= nl) {
                    throw new IllegalArgumentException("The " + which + " source has " + nl + " label arrays; the "
                            + "classification output index " + classOutput + " is out of range");
                }
                shapes = new long[nf][];
            } else if (chunk.numFeatureArrays() != nf || chunk.numLabelsArrays() != nl) {
                throw new IllegalArgumentException("The " + which + " source changes its arrays at example " + n
                        + ": " + chunk.numFeatureArrays() + " inputs / " + chunk.numLabelsArrays()
                        + " outputs after " + nf + " / " + nl);
            }
            INDArray labels = chunk.getLabels(classOutput);
            if (labels == null) {
                throw new IllegalArgumentException("The " + which + " source has no labels (example " + n + ")");
            }
            int rows = Batches.size(chunk);
            for (int i = 0; i < nf; i++) {
                INDArray f = chunk.getFeatures(i);
                if (f.size(0) != rows) {
                    throw new IllegalArgumentException("The " + which + " source has " + rows + " rows in input 0 but "
                            + f.size(0) + " in input " + i + " (example " + n + ")");
                }
                checkFinite(f, i, n, which);
                long[] s = Arrays.copyOfRange(f.shape(), 1, f.rank());
                if (shapes[i] == null) {
                    shapes[i] = s;
                } else if (shapes[i].length != s.length) {
                    throw new IllegalArgumentException("The " + which + " source's input " + i + " changes rank at "
                            + "example " + n + ": " + Arrays.toString(s) + " after " + Arrays.toString(shapes[i]));
                } else {
                    for (int d = 0; d < s.length; d++) {
                        if (shapes[i][d] != s[d]) {
                            shapes[i][d] = -1;
                        }
                    }
                }
            }
            if (labels.size(0) != rows) {
                throw new IllegalArgumentException("The " + which + " source has " + rows + " feature rows but "
                        + labels.size(0) + " label rows (example " + n + ")");
            }
            if (width < 0) {
                width = (int) labels.size(1);
            } else if (labels.size(1) != width) {
                throw new IllegalArgumentException("The " + which + " source's label width changes from " + width
                        + " to " + labels.size(1) + " at example " + n);
            }
            int[] c;
            try {
                c = DataSets.classIds(labels, Batches.mask(chunk.getLabelsMaskArrays(), classOutput));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("The " + which + " source, examples " + n + ".." + (n + rows - 1)
                        + ": " + e.getMessage(), e);
            }
            if (n + rows > ids.length) {
                ids = Arrays.copyOf(ids, Math.max(ids.length * 2, n + rows));
            }
            System.arraycopy(c, 0, ids, n, rows);
            n += rows;
        }
        if (n == 0) {
            throw new IllegalArgumentException("The " + which + " source " + source.describe() + " yielded no "
                    + "examples; a scenario needs at least one example per class");
        }
        return new SourceIndex(source, which, classOutput, Arrays.copyOf(ids, n), width, nf, nl, shapes);
    }

    private static void checkFinite(INDArray f, int input, long first, String which) {
        // a finite sum proves every value finite (NaN and ±Inf propagate) in one fast reduction; only a
        // non-finite sum (or an overflowing one) pays for the element-wise test
        if (!f.dataType().isFPType() || Double.isFinite(f.sumNumber().doubleValue())
                || !BooleanIndexing.or(f, Conditions.notFinite())) {
            return;
        }
        INDArray flat = f.reshape(f.length());
        long at = BooleanIndexing.firstIndex(flat, Conditions.notFinite()).getLong(0);
        long perRow = f.length() / f.size(0);
        throw new IllegalArgumentException("The " + which + " data has a non-finite feature " + flat.getDouble(at)
                + " at example " + (first + at / perRow) + ", value " + at % perRow
                + (input > 0 ? " of input " + input : "")
                + ": expected finite features (NaN or infinite inputs make every loss NaN)");
    }

    /** @return the number of examples */
    int size() {
        return classOf.length;
    }

    /** @return the class ids present, ascending */
    int[] present() {
        TreeSet<Integer> s = new TreeSet<>();
        for (int c : classOf) {
            s.add(c);
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * @param classes original class ids
     * @return the ascending positions of the examples of those classes
     */
    int[] positionsOf(int[] classes) {
        boolean[] keep = new boolean[labelWidth];
        for (int c : classes) {
            keep[c] = true;
        }
        int count = 0;
        for (int c : classOf) {
            if (keep[c]) {
                count++;
            }
        }
        int[] p = new int[count];
        int k = 0;
        for (int i = 0; i < classOf.length; i++) {
            if (keep[classOf[i]]) {
                p[k++] = i;
            }
        }
        return p;
    }
}
