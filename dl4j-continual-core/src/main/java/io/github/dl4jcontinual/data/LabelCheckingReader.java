package io.github.dl4jcontinual.data;

import org.datavec.api.records.Record;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.records.metadata.RecordMetaDataLine;
import org.datavec.api.records.reader.RecordReader;
import org.datavec.api.records.reader.SequenceRecordReader;
import org.datavec.api.writable.Writable;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.List;

/**
 * Package-private: a view of a DataVec {@link RecordReader} that checks the label column of every record it hands
 * out (an integer class index in {@code [0, numClasses)}) and names the column, the value and the record when it is
 * not; DL4J's {@code RecordReaderDataSetIterator} would fail with a bare {@code NumberFormatException} on a letter
 * label. Every other call goes to the reader unchanged. Sequence readers are not wrapped.
 */
final class LabelCheckingReader implements InvocationHandler {
    private final RecordReader reader;
    private final int labelIndex;
    private final int numClasses;
    /** Records handed out since the last reset (the 1-based number of the next record is {@code read + 1}). */
    private long read;

    private LabelCheckingReader(RecordReader reader, int labelIndex, int numClasses) {
        this.reader = reader;
        this.labelIndex = labelIndex;
        this.numClasses = numClasses;
    }

    /**
     * @param reader     the reader
     * @param labelIndex the label column (negative: the last one, as DL4J infers it)
     * @param numClasses the label width
     * @return a reader that checks every record's label, or {@code reader} itself if it reads sequences
     */
    static RecordReader wrap(RecordReader reader, int labelIndex, int numClasses) {
        java.util.Objects.requireNonNull(reader, "reader");
        if (reader instanceof SequenceRecordReader) {
            return reader;
        }
        return (RecordReader) Proxy.newProxyInstance(LabelCheckingReader.class.getClassLoader(),
                new Class<?>[]{RecordReader.class}, new LabelCheckingReader(reader, labelIndex, numClasses));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            switch (method.getName()) {
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "toString":
                    return "label-checked " + reader;
                default:
                    break;
            }
        }
        Object out;
        try {
            out = method.invoke(reader, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
        String name = method.getName();
        int n = args == null ? 0 : args.length;
        if (name.equals("reset") || name.equals("initialize") && n > 0) {
            read = 0;
        } else if (name.equals("next") && n == 0) {
            check(asRecord(out), null);
        } else if (name.equals("next") && n == 1 && out instanceof List) {
            for (Object r : (List<?>) out) {
                check(asRecord(r), null);
            }
        } else if (name.equals("nextRecord") && out instanceof Record) {
            check(((Record) out).getRecord(), ((Record) out).getMetaData());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<Writable> asRecord(Object o) {
        return o instanceof List ? (List<Writable>) o : null;
    }

    /** " (file ..., line n)" with a 1-based line where DataVec knows it (its own numbering starts at 0). */
    private static String where(RecordMetaData meta) {
        if (meta instanceof RecordMetaDataLine) {
            RecordMetaDataLine line = (RecordMetaDataLine) meta;
            return " (" + (line.getURI() != null ? line.getURI() + ", " : "") + "line " + (line.getLineNumber() + 1)
                    + ")";
        }
        return meta != null && meta.getLocation() != null ? " (" + meta.getLocation() + ")" : "";
    }

    private void check(List<Writable> record, RecordMetaData meta) {
        read++;
        if (record == null || record.isEmpty()) {
            return;
        }
        int column = labelIndex < 0 ? record.size() - 1 : labelIndex;
        String where = "record " + read + " of " + reader.getClass().getSimpleName() + where(meta);
        if (column >= record.size()) {
            throw new IllegalArgumentException("The label column " + column + " is outside " + where + ", which has "
                    + record.size() + " columns: expected a labelIndex in [0, " + record.size() + ")");
        }
        Writable w = record.get(column);
        String value = String.valueOf(w);
        double d;
        try {
            d = w.toDouble();
        } catch (RuntimeException e) {
            d = Double.NaN;
        }
        if (Double.isNaN(d) || d != Math.rint(d) || d < 0 || d >= numClasses) {
            throw new IllegalArgumentException("The label column " + column + " of " + where + " holds \"" + value
                    + "\": expected an integer class index in [0, " + numClasses + "). Convert text or out-of-range "
                    + "labels to class indices first, e.g. with a DataVec TransformProcess (categoricalToInteger) "
                    + "behind a TransformProcessRecordReader; see docs/data.md");
        }
    }
}
