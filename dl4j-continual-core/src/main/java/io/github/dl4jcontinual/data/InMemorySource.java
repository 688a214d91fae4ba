package io.github.dl4jcontinual.data;

import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Iterator;
import java.util.NoSuchElementException;

/** A random-access {@link ExampleSource} over a minibatch held in memory (by reference, never modified). */
final class InMemorySource implements ExampleSource {
    private static final int CHUNK = 1024;
    private final MultiDataSet data;
    private final String kind;
    private final int n;

    InMemorySource(MultiDataSet data, String kind) {
        if (data == null || data.getFeatures() == null || data.getFeatures().length == 0
                || data.getFeatures(0) == null) {
            throw new IllegalArgumentException("The " + kind + " has no features");
        }
        if (data.getLabels() == null || data.getLabels().length == 0 || data.getLabels(0) == null) {
            throw new IllegalArgumentException("The " + kind + " has no labels");
        }
        long rows = data.getFeatures(0).size(0);
        for (int i = 0; i < data.numFeatureArrays(); i++) {
            check(data.getFeatures(i).size(0), rows, "feature array " + i, kind);
        }
        for (int i = 0; i < data.numLabelsArrays(); i++) {
            check(data.getLabels(i).size(0), rows, "label array " + i, kind);
        }
        this.data = data;
        this.kind = kind;
        this.n = (int) rows;
    }

    private static void check(long got, long rows, String what, String kind) {
        if (got != rows) {
            throw new IllegalArgumentException("The " + kind + " has " + rows + " feature rows but " + got + " rows in "
                    + what);
        }
    }

    @Override
    public Iterator<MultiDataSet> pass() {
        return new Iterator<>() {
            private int at;

            @Override
            public boolean hasNext() {
                return at < n;
            }

            @Override
            public MultiDataSet next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int to = Math.min(n, at + CHUNK);
                int[] idx = new int[to - at];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = at + i;
                }
                at = to;
                return Batches.rows(data, idx);
            }
        };
    }

    @Override
    public boolean randomAccess() {
        return true;
    }

    @Override
    public MultiDataSet get(int[] positions) {
        for (int p : positions) {
            if (p < 0 || p >= n) {
                throw new IndexOutOfBoundsException("Position " + p + " is outside the " + n + " examples of the "
                        + kind);
            }
        }
        return Batches.rows(data, positions);
    }

    @Override
    public String describe() {
        return "in-memory " + kind + " of " + n + " examples";
    }
}
