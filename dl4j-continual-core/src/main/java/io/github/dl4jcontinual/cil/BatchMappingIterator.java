package io.github.dl4jcontinual.cil;

import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Applies a function to every minibatch of a wrapped iterator (after the wrapped iterator's pre-processor, before
 * this iterator's own). Everything else is delegated; {@link #asyncSupported()} is false so that the function runs
 * when DL4J consumes the minibatch (listeners may rely on it).
 */
final class BatchMappingIterator implements MultiDataSetIterator {
    private static final long serialVersionUID = 1L;
    private final MultiDataSetIterator base;
    private final transient UnaryOperator<MultiDataSet> map;
    private MultiDataSetPreProcessor preProcessor;

    /**
     * @param base the wrapped iterator
     * @param map  the function applied to each minibatch
     */
    BatchMappingIterator(MultiDataSetIterator base, UnaryOperator<MultiDataSet> map) {
        this.base = Objects.requireNonNull(base, "base");
        this.map = Objects.requireNonNull(map, "map");
    }

    @Override
    public MultiDataSet next() {
        MultiDataSet out = map.apply(base.next());
        if (preProcessor != null) {
            preProcessor.preProcess(out);
        }
        return out;
    }

    @Override
    public MultiDataSet next(int num) {
        throw new UnsupportedOperationException("next(num) is not supported; use next()");
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
    public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
        this.preProcessor = preProcessor;
    }

    @Override
    public MultiDataSetPreProcessor getPreProcessor() {
        return preProcessor;
    }

    @Override
    public boolean hasNext() {
        return base.hasNext();
    }
}
