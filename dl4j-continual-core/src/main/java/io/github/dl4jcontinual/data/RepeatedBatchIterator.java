package io.github.dl4jcontinual.data;

import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Serves every minibatch of a wrapped iterator {@code times} times in a row (the same object each time), for
 * methods that take several update steps per incoming minibatch (Mammoth's {@code batch_num}, GSS's
 * {@code n_iter}). {@link #repetition()} tells which of the repeats was served last. {@code reset} starts over;
 * {@code next(num)} is refused; {@link #asyncSupported()} is false.
 */
public class RepeatedBatchIterator extends DelegatingMultiDataSetIterator {
    private static final long serialVersionUID = 1L;
    private final int times;
    private MultiDataSet current;
    private int served;

    /**
     * @param data  the wrapped iterator
     * @param times how often each minibatch is served, ≥ 1
     */
    public RepeatedBatchIterator(MultiDataSetIterator data, int times) {
        super(data);
        if (times < 1) {
            throw new IllegalArgumentException("times should be >= 1 (got: " + times + ")");
        }
        this.times = times;
        this.served = times;
    }

    /** @return 0 for the first serving of the last minibatch, {@code times - 1} for its last */
    public int repetition() {
        return served - 1;
    }

    /** @return how often each minibatch is served */
    public int times() {
        return times;
    }

    @Override
    public boolean hasNext() {
        return served < times || data.hasNext();
    }

    @Override
    public MultiDataSet next() {
        if (served >= times) {
            current = data.next();
            served = 0;
        }
        served++;
        return current;
    }

    @Override
    public MultiDataSet next(int num) {
        throw new UnsupportedOperationException("RepeatedBatchIterator serves the wrapped iterator's minibatches; "
                + "use next()");
    }

    @Override
    public void reset() {
        data.reset();
        current = null;
        served = times;
    }
}
