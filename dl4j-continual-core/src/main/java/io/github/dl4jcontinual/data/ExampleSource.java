package io.github.dl4jcontinual.data;

import org.datavec.api.records.reader.RecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.Iterator;

/**
 * Where a scenario's examples come from. A scenario does not hold its examples: it indexes its source once and its
 * experiences read from it whenever they are iterated, so the stream can be larger than memory. A source either
 * reads in its own order only ({@link #randomAccess()} false: a {@code DataSetIterator}, {@code MultiDataSetIterator}
 * or DataVec {@code RecordReader}, whose pre-processor and transforms apply on every read) or also serves examples
 * by position (in-memory data).
 *
 * <p>Contract: every {@link #pass()} yields the same examples in the same order (the source must be resettable);
 * examples are minibatches whose arrays follow the network's inputs and outputs; the arrays a pass returns may be
 * reused by the source after the next call, so readers copy what they keep. Opening a pass ends the previous one
 * (reading from an ended pass fails). Sources are used from one thread.</p>
 */
public interface ExampleSource {

    /**
     * @param data examples in memory (kept by reference; not modified)
     * @return a random-access source
     */
    static ExampleSource of(DataSet data) {
        return new InMemorySource(Batches.of(data), "DataSet");
    }

    /**
     * @param data examples in memory (kept by reference; not modified)
     * @return a random-access source
     */
    static ExampleSource of(MultiDataSet data) {
        return new InMemorySource(data, "MultiDataSet");
    }

    /**
     * @param iterator a resettable iterator; its pre-processor applies on every read
     * @return a source reading it in order
     */
    static ExampleSource of(DataSetIterator iterator) {
        return new IteratorSource(iterator);
    }

    /**
     * @param iterator a resettable iterator; its pre-processor applies on every read
     * @return a source reading it in order
     */
    static ExampleSource of(MultiDataSetIterator iterator) {
        return new IteratorSource(iterator);
    }

    /**
     * A DataVec reader for classification, read through DL4J's {@link RecordReaderDataSetIterator} (e.g. an
     * {@code ImageRecordReader} over a folder tree with a {@code ParentPathLabelGenerator}: features
     * {@code [n, channels, height, width]}, or a {@code CSVRecordReader}, possibly behind a
     * {@code TransformProcessRecordReader}).
     *
     * @param reader     an initialised reader
     * @param batchSize  examples per read
     * @param labelIndex the column (writable) holding the integer class label
     * @param numClasses the label width
     * @return a source reading it in order; reading a record whose label is not an integer in
     *         {@code [0, numClasses)} fails with an {@link IllegalArgumentException} naming the column, the value
     *         and the record
     */
    static ExampleSource of(RecordReader reader, int batchSize, int labelIndex, int numClasses) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses should be >= 2 (got: " + numClasses + ")");
        }
        return new IteratorSource(new RecordReaderDataSetIterator(LabelCheckingReader.wrap(reader, labelIndex,
                numClasses), batchSize, labelIndex, numClasses));
    }

    /**
     * A new pass over every example, in the source's order.
     *
     * @return minibatches; a source that cannot be read again fails here, naming itself
     * @throws IllegalStateException if the source cannot be reset
     */
    Iterator<MultiDataSet> pass();

    /** @return whether {@link #get(int[])} is supported */
    boolean randomAccess();

    /**
     * @param positions example positions in pass order
     * @return those examples, in that order, as new arrays
     * @throws UnsupportedOperationException if the source is not random-access
     */
    MultiDataSet get(int[] positions);

    /**
     * @return the class names the source knows, by label column (e.g. a DataVec reader's labels: the folder names
     *         of an {@code ImageRecordReader} with a {@code ParentPathLabelGenerator}); empty when it knows none
     */
    default java.util.List<String> labels() {
        return java.util.List.of();
    }

    /** @return what the source is, for messages (e.g. "RecordReaderDataSetIterator over ImageRecordReader") */
    String describe();
}
