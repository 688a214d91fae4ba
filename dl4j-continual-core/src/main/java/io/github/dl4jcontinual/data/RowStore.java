package io.github.dl4jcontinual.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slot storage for examples of any rank: a fixed number of array "columns" (a minibatch's features, labels, masks,
 * stored logits ...), each kept flattened as {@code [slots, values per example]} and reshaped on read, so a store
 * holds {@code [N, F]}, {@code [N, F, T]} and {@code [N, C, H, W]} examples alike. Slots {@code 0..size()-1} are
 * filled. Storage grows geometrically up to the capacity as slots are written, so a large capacity costs nothing
 * until it is used. Writes copy rows in (one gather, one scatter per column), reads gather fresh arrays, so callers
 * may keep or modify what they get. Not thread-safe.
 *
 * <p>A column that a written batch lacks (a null mask) is written as ones; a column that appears later is filled
 * with ones for the rows stored before. Every example of a column must have the same shape (e.g. one sequence
 * length): a row of another shape is rejected with both shapes named.</p>
 */
public final class RowStore {
    private final int columns;
    private int capacity;
    private final INDArray[] data;
    private final long[][] rowShape;
    private int size;

    /**
     * @param columns  the number of arrays per example
     * @param capacity the most slots, ≥ 0
     */
    public RowStore(int columns, int capacity) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity should be >= 0 (got: " + capacity + ")");
        }
        this.columns = columns;
        this.capacity = capacity;
        this.data = new INDArray[columns];
        this.rowShape = new long[columns][];
    }

    /** @return the number of filled slots */
    public int size() {
        return size;
    }

    /** @return the most slots */
    public int capacity() {
        return capacity;
    }

    /** @return the number of columns */
    public int columns() {
        return columns;
    }

    /**
     * @param c a column
     * @return whether any row of that column has been stored
     */
    public boolean hasColumn(int c) {
        return data[c] != null;
    }

    /**
     * @param c a column
     * @return the shape of one example of that column, or null if no row of it has been stored
     */
    public long[] rowShape(int c) {
        return rowShape[c] == null ? null : rowShape[c].clone();
    }

    /**
     * Widens a column of one-dimensional examples (e.g. one-hot labels when an expanding head adds classes): the
     * stored rows keep their values in the first columns and get zeros in the new ones.
     *
     * @param c     a column whose examples are one-dimensional
     * @param width the new width, at least the current one
     * @throws IllegalArgumentException if the column is empty, not one-dimensional or would shrink
     */
    public void widen(int c, long width) {
        if (rowShape[c] == null || rowShape[c].length != 1 || width < rowShape[c][0]) {
            throw new IllegalArgumentException("Column " + c + " of examples of shape "
                    + (rowShape[c] == null ? "(none yet)" : Arrays.toString(rowShape[c]))
                    + " cannot be widened to " + width + " values");
        }
        if (width == rowShape[c][0]) {
            return;
        }
        INDArray grown = Nd4j.zeros(data[c].dataType(), data[c].size(0), width);
        if (size > 0) {
            grown.get(NDArrayIndex.interval(0, size), NDArrayIndex.interval(0, rowShape[c][0]))
                    .assign(data[c].get(NDArrayIndex.interval(0, size), NDArrayIndex.all()));
        }
        data[c] = grown;
        rowShape[c] = new long[]{width};
    }

    /**
     * @param newCapacity the new capacity, at least {@link #size()}
     */
    public void setCapacity(int newCapacity) {
        if (newCapacity < size) {
            throw new IllegalStateException("Evict down to " + newCapacity + " examples before shrinking (size " + size
                    + ")");
        }
        this.capacity = newCapacity;
    }

    /**
     * Copies rows of a batch into slots. A slot below {@code size()} is overwritten; slots from {@code size()} on
     * append and must leave no gap (slots {@code size()..max} all written in the call). If a slot occurs several
     * times the last row wins. A refused write changes nothing.
     *
     * @param slots  target slots in [0, capacity)
     * @param rows   rows of the batch to copy, as many as {@code slots}
     * @param arrays the batch's arrays, one per column (null: absent, written as ones if the column exists)
     * @throws IllegalArgumentException if a slot is outside the capacity or would leave a gap, the column count
     *                                  differs or an example's shape differs from the stored ones
     */
    public void write(int[] slots, int[] rows, INDArray... arrays) {
        if (arrays.length != columns) {
            throw new IllegalArgumentException("Expected " + columns + " arrays per example (got: " + arrays.length + ")");
        }
        if (slots.length == 0) {
            return;
        }
        Map<Integer, Integer> last = new LinkedHashMap<>();
        for (int i = 0; i < slots.length; i++) {
            last.remove(slots[i]);
            last.put(slots[i], rows[i]);
        }
        int[] s = last.keySet().stream().mapToInt(Integer::intValue).toArray();
        int[] r = last.values().stream().mapToInt(Integer::intValue).toArray();
        int maxSlot = Arrays.stream(s).max().getAsInt();
        int minSlot = Arrays.stream(s).min().getAsInt();
        if (maxSlot >= capacity || minSlot < 0) {
            throw new IllegalArgumentException("slot " + (minSlot < 0 ? minSlot : maxSlot) + " is outside the capacity "
                    + capacity + " (slots are 0.." + (capacity - 1) + ")");
        }
        int newSize = Math.max(size, maxSlot + 1);
        if (newSize - size > 0) {
            boolean[] appended = new boolean[newSize - size];
            for (int slot : s) {
                if (slot >= size) {
                    appended[slot - size] = true;
                }
            }
            for (int i = 0; i < appended.length; i++) {
                if (!appended[i]) {
                    throw new IllegalArgumentException("slot " + maxSlot + " would leave slot " + (size + i)
                            + " empty: the store has " + size + " filled slots, so a write may append at slots "
                            + size + ".." + (capacity - 1) + " only without gaps");
                }
            }
        }
        long n = -1;
        for (INDArray a : arrays) {
            if (a != null) {
                n = a.size(0);
                break;
            }
        }
        if (n < 0) {
            throw new IllegalArgumentException("Every array of the batch is null");
        }
        // check every column before writing any, so that a refused write changes nothing
        long[][] shapes = new long[columns][];
        for (int c = 0; c < columns; c++) {
            INDArray a = arrays[c];
            if (a == null) {
                continue;
            }
            shapes[c] = a.rank() == 1 ? new long[]{1} : Arrays.copyOfRange(a.shape(), 1, a.rank());
            if (data[c] != null && !Arrays.equals(shapes[c], rowShape[c])) {
                throw new IllegalArgumentException("Examples of shape " + Arrays.toString(shapes[c]) + " cannot join a "
                        + "store of examples of shape " + Arrays.toString(rowShape[c]) + " (array " + c + "): every "
                        + "example must have the same shape (pad sequences to one length in the source iterator)");
            }
            if (a.size(0) != n) {
                throw new IllegalArgumentException("The batch's arrays have " + n + " and " + a.size(0) + " rows "
                        + "(array " + c + ")");
            }
        }
        INDArray target = Nd4j.createFromArray(s);
        for (int c = 0; c < columns; c++) {
            INDArray a = arrays[c];
            if (a == null && data[c] == null) {
                continue;
            }
            if (a == null) {
                long[] shape = new long[rowShape[c].length + 1];
                shape[0] = n;
                System.arraycopy(rowShape[c], 0, shape, 1, rowShape[c].length);
                a = Nd4j.ones(data[c].dataType(), shape);
            }
            if (a.rank() == 1) {
                a = a.reshape(a.length(), 1);
            }
            if (data[c] == null) {
                rowShape[c] = shapes[c];
                data[c] = Nd4j.create(a.dataType(), grownCapacity(0, newSize), Math.max(1, product(shapes[c])));
                if (size > 0) {
                    data[c].get(NDArrayIndex.interval(0, size), NDArrayIndex.all()).assign(1);
                }
            }
            ensure(c, newSize);
            INDArray flat = a.reshape('c', a.size(0), -1);
            INDArray picked = Nd4j.pullRows(flat, 1, r).castTo(data[c].dataType());
            Nd4j.exec(DynamicCustomOp.builder("scatter_upd").addInputs(data[c], target, picked)
                    .addOutputs(data[c]).build());
        }
        size = newSize;
    }

    private static long product(long[] s) {
        long p = 1;
        for (long v : s) {
            p *= v;
        }
        return p;
    }

    private int grownCapacity(long have, int need) {
        long c = Math.max(have, 16);
        while (c < need) {
            c *= 2;
        }
        return (int) Math.min(c, Math.max(capacity, need));
    }

    private void ensure(int c, int need) {
        if (data[c].size(0) >= need) {
            return;
        }
        INDArray grown = Nd4j.create(data[c].dataType(), grownCapacity(data[c].size(0), need), data[c].size(1));
        if (size > 0) {
            grown.get(NDArrayIndex.interval(0, size), NDArrayIndex.all())
                    .assign(data[c].get(NDArrayIndex.interval(0, size), NDArrayIndex.all()));
        }
        data[c] = grown;
    }

    /**
     * @param slots filled slots (any order, repeats allowed)
     * @return one fresh array per column, {@code [slots.length, ...]} (null for a column never written)
     */
    public INDArray[] gather(int[] slots) {
        INDArray[] out = new INDArray[columns];
        for (int c = 0; c < columns; c++) {
            if (data[c] == null) {
                continue;
            }
            long[] shape = new long[rowShape[c].length + 1];
            shape[0] = slots.length;
            System.arraycopy(rowShape[c], 0, shape, 1, rowShape[c].length);
            if (slots.length == 0) {
                out[c] = Nd4j.create(data[c].dataType(), shape);
                continue;
            }
            for (int s : slots) {
                if (s < 0 || s >= size) {
                    throw new IllegalArgumentException("slot " + s + " is not filled (size " + size + ")");
                }
            }
            out[c] = Nd4j.pullRows(data[c], 1, slots).reshape('c', shape);
        }
        return out;
    }

    /**
     * Keeps only the given slots, in the given order (they become slots 0..k-1).
     *
     * @param keep distinct filled slots
     */
    public void retain(int[] keep) {
        boolean identity = keep.length == size;
        for (int i = 0; identity && i < keep.length; i++) {
            identity = keep[i] == i;
        }
        if (identity) {
            return;
        }
        int k = keep.length;
        for (int c = 0; c < columns; c++) {
            if (data[c] != null && k > 0) {
                INDArray picked = Nd4j.pullRows(data[c], 1, keep);
                data[c].get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).assign(picked);
            }
        }
        size = k;
    }

    /**
     * Copies the rows of slots {@code from} into slots {@code to} and then keeps the first {@code newSize} slots
     * (e.g. to fill the holes left by removed rows with rows from the end).
     *
     * @param from    filled source slots
     * @param to      target slots, as many
     * @param newSize the number of filled slots afterwards, at most {@link #size()}
     */
    public void move(int[] from, int[] to, int newSize) {
        if (from.length != to.length || newSize > size || newSize < 0) {
            throw new IllegalArgumentException("move: " + from.length + " sources, " + to.length + " targets, new size "
                    + newSize + " of " + size);
        }
        if (from.length > 0) {
            INDArray target = Nd4j.createFromArray(to);
            for (int c = 0; c < columns; c++) {
                if (data[c] != null) {
                    INDArray picked = Nd4j.pullRows(data[c], 1, from);
                    Nd4j.exec(DynamicCustomOp.builder("scatter_upd").addInputs(data[c], target, picked)
                            .addOutputs(data[c]).build());
                }
            }
        }
        size = newSize;
    }

    /** Empties the store (storage is kept). */
    public void clear() {
        size = 0;
    }

    /** @return a detached, serialisable copy of the filled slots */
    public Serializable snapshot() {
        INDArray[] d = new INDArray[columns];
        for (int c = 0; c < columns; c++) {
            d[c] = data[c] == null || size == 0 ? null
                    : data[c].get(NDArrayIndex.interval(0, size), NDArrayIndex.all()).dup();
        }
        long[][] shapes = new long[columns][];
        for (int c = 0; c < columns; c++) {
            shapes[c] = rowShape[c] == null ? null : rowShape[c].clone();
        }
        return new Snapshot(capacity, size, d, shapes);
    }

    /**
     * @param state what {@link #snapshot()} returned, of a store with the same number of columns
     * @throws IllegalArgumentException otherwise
     */
    public void restore(Serializable state) {
        if (!(state instanceof Snapshot) || ((Snapshot) state).data.length != columns) {
            throw new IllegalArgumentException("Expected the snapshot of a store of " + columns + " columns (got: "
                    + (state == null ? null : state.getClass().getName()) + ")");
        }
        Snapshot s = (Snapshot) state;
        capacity = s.capacity;
        size = s.size;
        for (int c = 0; c < columns; c++) {
            data[c] = s.data[c] == null ? null : s.data[c].dup().detach();
            rowShape[c] = s.rowShape[c] == null ? null : s.rowShape[c].clone();
        }
    }

    /** The serialised form. */
    private static final class Snapshot implements io.github.dl4jcontinual.checkpoint.CheckpointState {
        private static final long serialVersionUID = 1L;
        private final int capacity;
        private final int size;
        private final INDArray[] data;
        private final long[][] rowShape;

        Snapshot(int capacity, int size, INDArray[] data, long[][] rowShape) {
            this.capacity = capacity;
            this.size = size;
            this.data = data;
            this.rowShape = rowShape;
        }
    }
}
