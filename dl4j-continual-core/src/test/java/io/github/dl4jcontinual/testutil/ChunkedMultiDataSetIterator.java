package io.github.dl4jcontinual.testutil;

import io.github.dl4jcontinual.data.Batches;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.NoSuchElementException;

/**
 * A sequential source for tests: serves the rows of one in-memory minibatch (any number of inputs and outputs, any
 * rank, masks) in order, {@code chunk} rows at a time, like a user's own {@code MultiDataSetIterator} reading
 * files. It may refuse {@link #reset()}, and it counts its resets, so tests can check how often a source is read.
 */
public final class ChunkedMultiDataSetIterator implements MultiDataSetIterator {
    private static final long serialVersionUID = 1L;
    private final MultiDataSet data;
    private final int chunk;
    private final boolean resettable;
    private int limit;
    private int at;
    private int resets;
    private MultiDataSetPreProcessor preProcessor;

    /**
     * @param data       the rows (kept by reference)
     * @param chunk      rows per minibatch
     * @param resettable whether {@link #reset()} is supported
     */
    public ChunkedMultiDataSetIterator(MultiDataSet data, int chunk, boolean resettable) {
        this.data = data;
        this.chunk = chunk;
        this.resettable = resettable;
        this.limit = Batches.size(data);
    }

    /**
     * @param rows serve only the first {@code rows} rows from now on (a source that shrank)
     * @return this iterator
     */
    public ChunkedMultiDataSetIterator truncate(int rows) {
        this.limit = rows;
        return this;
    }

    /** @return how often {@link #reset()} was called */
    public int resets() {
        return resets;
    }

    @Override
    public MultiDataSet next(int num) {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        int n = Math.min(num, limit - at);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = at + i;
        }
        at += n;
        MultiDataSet m = Batches.rows(data, idx);
        if (preProcessor != null) {
            preProcessor.preProcess(m);
        }
        return m;
    }

    @Override
    public MultiDataSet next() {
        return next(chunk);
    }

    @Override
    public boolean hasNext() {
        return at < limit;
    }

    @Override
    public boolean resetSupported() {
        return resettable;
    }

    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        if (!resettable) {
            throw new UnsupportedOperationException("not resettable");
        }
        resets++;
        at = 0;
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }
}
