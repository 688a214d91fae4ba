package io.github.dl4jcontinual.data;

import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.Objects;

/**
 * A {@link MultiDataSetIterator} that forwards every call to a wrapped iterator, except {@link #asyncSupported()},
 * which is false (a wrapper that looks at or counts minibatches must see them when DL4J consumes them). Subclasses
 * override what they change.
 */
public abstract class DelegatingMultiDataSetIterator implements MultiDataSetIterator {
    private static final long serialVersionUID = 1L;
    /** The wrapped iterator. */
    protected final MultiDataSetIterator data;

    /** @param data the wrapped iterator */
    protected DelegatingMultiDataSetIterator(MultiDataSetIterator data) {
        this.data = Objects.requireNonNull(data, "data");
    }

    @Override
    public MultiDataSet next(int num) {
        return data.next(num);
    }

    @Override
    public MultiDataSet next() {
        return data.next();
    }

    @Override
    public boolean hasNext() {
        return data.hasNext();
    }

    @Override
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        data.setPreProcessor(preProcessor);
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return data.getPreProcessor();
    }

    @Override
    public boolean resetSupported() {
        return data.resetSupported();
    }

    /** @return false */
    @Override
    public boolean asyncSupported() {
        return false;
    }

    @Override
    public void reset() {
        data.reset();
    }
}
