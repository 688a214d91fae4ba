package io.github.dl4jcontinual.data;

import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * An {@link ExampleSource} over a user's {@link DataSetIterator} or {@link MultiDataSetIterator}, read in its own
 * order: every pass resets it, so its pre-processor and any random transforms of a DataVec reader apply on every
 * read. Only one pass is live at a time; a pass ended by a newer one fails instead of mixing examples.
 */
final class IteratorSource implements ExampleSource {
    private final DataSetIterator dsi;
    private final MultiDataSetIterator mdsi;
    private int generation;

    IteratorSource(DataSetIterator it) {
        this.dsi = java.util.Objects.requireNonNull(it, "iterator");
        this.mdsi = null;
    }

    IteratorSource(MultiDataSetIterator it) {
        this.dsi = null;
        this.mdsi = java.util.Objects.requireNonNull(it, "iterator");
    }

    private boolean resettable() {
        return dsi != null ? dsi.resetSupported() : mdsi.resetSupported();
    }

    @Override
    public Iterator<MultiDataSet> pass() {
        if (!resettable()) {
            throw new IllegalStateException("The source " + describe() + " does not support reset(): a scenario "
                    + "reads its source once to index it and again for every experience and epoch, so it needs a "
                    + "resettable iterator (or the examples as a DataSet)");
        }
        if (dsi != null) {
            dsi.reset();
        } else {
            mdsi.reset();
        }
        int mine = ++generation;
        return new Iterator<>() {
            private long read;

            private void check() {
                if (generation != mine) {
                    throw new IllegalStateException("The source " + describe() + " was reset by another reader after "
                            + read + " minibatches of this pass: two iterators cannot read one source at once");
                }
            }

            @Override
            public boolean hasNext() {
                check();
                return dsi != null ? dsi.hasNext() : mdsi.hasNext();
            }

            @Override
            public MultiDataSet next() {
                check();
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                read++;
                try {
                    return dsi != null ? Batches.of((org.nd4j.linalg.dataset.DataSet) dsi.next()) : mdsi.next();
                } catch (IllegalArgumentException e) {
                    // bad data (e.g. a label that is not a class index): stays an IllegalArgumentException
                    throw new IllegalArgumentException("Reading minibatch " + read + " of the source " + describe()
                            + " failed: " + e.getMessage(), e);
                } catch (RuntimeException e) {
                    throw new IllegalStateException("Reading minibatch " + read + " of the source " + describe()
                            + " failed: " + e.getMessage(), e);
                }
            }
        };
    }


    @Override
    public boolean randomAccess() {
        return false;
    }

    @Override
    public MultiDataSet get(int[] positions) {
        throw new UnsupportedOperationException("The source " + describe() + " is read in order only");
    }

    /** @return the iterator's {@code getLabels()} (a record reader's labels), empty when it has none */
    @Override
    public java.util.List<String> labels() {
        if (dsi == null) {
            return java.util.List.of();
        }
        try {
            java.util.List<String> l = dsi.getLabels();
            return l == null || l.contains(null) ? java.util.List.of() : java.util.List.copyOf(l);
        } catch (RuntimeException e) {
            // many iterators do not implement getLabels
            return java.util.List.of();
        }
    }

    @Override
    public String describe() {
        Object it = dsi != null ? dsi : mdsi;
        String s = it.getClass().getSimpleName();
        if (it instanceof RecordReaderDataSetIterator) {
            Object rr = ((RecordReaderDataSetIterator) it).getRecordReader();
            s += " over " + (rr == null ? "a record reader" : rr.getClass().getSimpleName());
        }
        return s;
    }
}
