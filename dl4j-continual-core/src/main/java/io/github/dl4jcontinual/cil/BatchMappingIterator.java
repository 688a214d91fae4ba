package io.github.dl4jcontinual.cil;

import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Applies a function to every minibatch of a wrapped iterator (after the wrapped iterator's pre-processor, before
 * this iterator's own). Everything else is delegated; {@link #asyncSupported()} is false so that the function runs
 * when DL4J consumes the minibatch (listeners may rely on it).
 */
final class BatchMappingIterator implements DataSetIterator {
    private static final long serialVersionUID = 1L;
    private final DataSetIterator base;
    private final transient UnaryOperator<DataSet> map;
    private DataSetPreProcessor preProcessor;

    /**
     * @param base the wrapped iterator
     * @param map  the function applied to each minibatch
     */
    BatchMappingIterator(DataSetIterator base, UnaryOperator<DataSet> map) {
        this.base = Objects.requireNonNull(base, "base");
        this.map = Objects.requireNonNull(map, "map");
    }

    @Override
    public DataSet next() {
        DataSet out = map.apply(base.next());
        if (preProcessor != null) {
            preProcessor.preProcess(out);
        }
        return out;
    }

    @Override
    public DataSet next(int num) {
        throw new UnsupportedOperationException("next(num) is not supported; use next()");
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
