package io.github.dl4jcontinual.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Random;

/**
 * Minibatches over an in-memory {@link DataSet}, reshuffled with a seeded {@link Random} on every
 * {@link #reset()} (so each epoch of {@code fit(iterator, epochs)} sees a new, reproducible order).
 *
 * <p>DL4J's {@code ListDataSetIterator} keeps one {@code DataSet} per example and never reshuffles; this
 * iterator gathers each minibatch with one {@link Nd4j#pullRows} call. The source arrays are read, never
 * written; each minibatch is a fresh array. {@link #asyncSupported()} is {@code false}: the order depends on
 * how many times {@link #reset()} was called.</p>
 */
public class InMemoryDataSetIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;

    private final INDArray features;
    private final INDArray labels;
    private final int batchSize;
    private final boolean shuffle;
    private final Random rng;
    private final int[] order;
    private int cursor;
    private DataSetPreProcessor preProcessor;

    /**
     * @param data      the examples (2-d features and labels; masks are not supported)
     * @param batchSize minibatch size, &gt; 0; the last minibatch may be smaller
     * @param shuffle   whether to shuffle (at construction and on every reset)
     * @param seed      seed of the shuffling
     */
    public InMemoryDataSetIterator(DataSet data, int batchSize, boolean shuffle, long seed) {
        if (batchSize <= 0) {
            throw new IllegalArgumentException("batchSize should be > 0 (got: " + batchSize + ")");
        }
        if (data.getFeaturesMaskArray() != null || data.getLabelsMaskArray() != null) {
            throw new IllegalArgumentException("InMemoryDataSetIterator does not support mask arrays");
        }
        this.features = data.getFeatures();
        this.labels = data.getLabels();
        this.batchSize = batchSize;
        this.shuffle = shuffle;
        this.rng = new Random(seed);
        this.order = new int[(int) features.size(0)];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        reset();
    }

    @Override
    public DataSet next(int num) {
        if (!hasNext()) {
            throw new java.util.NoSuchElementException("No more minibatches; call reset()");
        }
        int n = Math.min(num, order.length - cursor);
        int[] idx = java.util.Arrays.copyOfRange(order, cursor, cursor + n);
        cursor += n;
        DataSet ds = new DataSet(Nd4j.pullRows(features, 1, idx), Nd4j.pullRows(labels, 1, idx));
        if (preProcessor != null) {
            preProcessor.preProcess(ds);
        }
        return ds;
    }

    @Override
    public DataSet next() {
        return next(batchSize);
    }

    @Override
    public boolean hasNext() {
        return cursor < order.length;
    }

    @Override
    public int inputColumns() {
        return (int) features.size(1);
    }

    @Override
    public int totalOutcomes() {
        return (int) labels.size(1);
    }

    @Override
    public boolean resetSupported() {
        return true;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        cursor = 0;
        if (shuffle) {
            for (int i = order.length - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
        }
    }

    @Override
    public int batch() {
        return batchSize;
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
        return null;
    }

    @Override
    public void remove() {
        throw new UnsupportedOperationException();
    }

    /** @return the number of examples per epoch */
    public int numExamples() {
        return order.length;
    }
}
