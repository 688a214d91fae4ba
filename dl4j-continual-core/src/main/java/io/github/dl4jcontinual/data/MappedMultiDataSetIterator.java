package io.github.dl4jcontinual.data;

import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * A {@link MultiDataSetIterator} that applies a function to every minibatch of a wrapped iterator: {@code next()}
 * takes the wrapped iterator's minibatch (its own pre-processor applied), maps it with {@link #map(MultiDataSet)}
 * and then applies this iterator's pre-processor. {@code hasNext}, {@code reset} and {@code resetSupported} are
 * delegated; {@code next(num)} is refused (the wrapped iterator's minibatch size is served).
 *
 * <p>{@link #asyncSupported()} is false: the function runs when DL4J consumes the minibatch, so a function whose
 * result depends on the call time (a replay buffer, a teacher network, a listener recording the batch) sees the
 * state of that moment, never a prefetched one.</p>
 */
public class MappedMultiDataSetIterator extends DelegatingMultiDataSetIterator {
    private static final long serialVersionUID = 1L;
    private final transient UnaryOperator<MultiDataSet> function;
    private MultiDataSetPreProcessor preProcessor;

    /**
     * @param base     the wrapped iterator
     * @param function the function applied to each minibatch (may return its argument)
     */
    public MappedMultiDataSetIterator(MultiDataSetIterator base, UnaryOperator<MultiDataSet> function) {
        super(Objects.requireNonNull(base, "base"));
        this.function = Objects.requireNonNull(function, "function");
    }

    /**
     * For subclasses that override {@link #map(MultiDataSet)}.
     *
     * @param base the wrapped iterator
     */
    protected MappedMultiDataSetIterator(MultiDataSetIterator base) {
        super(Objects.requireNonNull(base, "base"));
        this.function = null;
    }

    /**
     * @param batch the wrapped iterator's minibatch
     * @return the minibatch to serve
     */
    protected MultiDataSet map(MultiDataSet batch) {
        return function.apply(batch);
    }

    @Override
    public MultiDataSet next() {
        MultiDataSet out = map(data.next());
        if (preProcessor != null) {
            preProcessor.preProcess(out);
        }
        return out;
    }

    @Override
    public MultiDataSet next(int num) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " serves the wrapped iterator's "
                + "minibatches; next(num) is not supported, use next()");
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
