package io.github.dl4jcontinual.zoo.ctp;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * A FIFO queue of feature rows with an integer id per row (the pair's caption id, so that queue entries with the
 * same caption count as positives), as MoCo/ALBEF/CTP keep momentum features. Rows are written at a moving
 * pointer that wraps around; once full, each new row replaces the oldest. Stored rows are copies.
 */
public final class FeatureQueue {
    private final INDArray rows;
    private final int[] ids;
    private int pointer;
    private int size;

    /**
     * @param capacity rows kept, ≥ 1
     * @param dim      feature width, ≥ 1
     */
    public FeatureQueue(int capacity, int dim) {
        if (capacity < 1 || dim < 1) {
            throw new IllegalArgumentException("queue capacity and width should be >= 1 (got: " + capacity + ", "
                    + dim + ")");
        }
        this.rows = Nd4j.zeros(DataType.FLOAT, capacity, dim);
        this.ids = new int[capacity];
    }

    /** @return the capacity */
    public int capacity() {
        return ids.length;
    }

    /** @return rows currently held (≤ capacity) */
    public int size() {
        return size;
    }

    /** @return the slot the next row goes to */
    public int pointer() {
        return pointer;
    }

    /**
     * Appends rows in order, wrapping around.
     *
     * @param features [n, dim]
     * @param rowIds   n ids
     */
    public void enqueue(INDArray features, int[] rowIds) {
        if (features.rank() != 2 || features.size(1) != rows.size(1) || features.size(0) != rowIds.length) {
            throw new IllegalArgumentException("expected [" + rowIds.length + ", " + rows.size(1)
                    + "] features for " + rowIds.length + " ids (got shape " + Arrays.toString(features.shape()) + ")");
        }
        INDArray f = features.castTo(DataType.FLOAT);
        for (int i = 0; i < rowIds.length; i++) {
            rows.putRow(pointer, f.getRow(i));
            ids[pointer] = rowIds[i];
            pointer = (pointer + 1) % ids.length;
            size = Math.min(size + 1, ids.length);
        }
    }

    /** @return a copy of the held rows [size, dim] (slot order), or null when empty */
    public INDArray features() {
        return size == 0 ? null : rows.getRows(slots()).dup();
    }

    /** @return the ids of the held rows (slot order) */
    public int[] ids() {
        return Arrays.copyOf(ids, size);
    }

    private int[] slots() {
        int[] s = new int[size];
        for (int i = 0; i < size; i++) {
            s[i] = i;
        }
        return s;
    }

    /** @return a snapshot of the queue (rows, ids, pointer, size) for checkpoints */
    public State state() {
        return new State(rows.dup(), ids.clone(), pointer, size);
    }

    /** Restores a snapshot taken from a queue of the same capacity and width. */
    public void restore(State s) {
        if (s.rows.size(0) != rows.size(0) || s.rows.size(1) != rows.size(1)) {
            throw new IllegalArgumentException("queue snapshot of shape " + Arrays.toString(s.rows.shape())
                    + " does not fit a queue of shape " + Arrays.toString(rows.shape()));
        }
        rows.assign(s.rows);
        System.arraycopy(s.ids, 0, ids, 0, ids.length);
        pointer = s.pointer;
        size = s.size;
    }

    /**
     * Restores the queue from what {@link #features()}, {@link #ids()} and {@link #pointer()} returned.
     *
     * @param held    the held rows [size, dim] in slot order
     * @param heldIds their ids
     * @param next    the slot the next row goes to
     */
    public void restore(INDArray held, int[] heldIds, int next) {
        if (held.size(0) != heldIds.length || held.size(1) != rows.size(1) || heldIds.length > ids.length
                || next < 0 || next >= ids.length) {
            throw new IllegalArgumentException("queue contents of shape " + Arrays.toString(held.shape()) + " with "
                    + heldIds.length + " ids and pointer " + next + " do not fit a queue of shape "
                    + Arrays.toString(rows.shape()));
        }
        rows.assign(0);
        for (int i = 0; i < heldIds.length; i++) {
            rows.putRow(i, held.getRow(i).castTo(DataType.FLOAT));
        }
        Arrays.fill(ids, 0);
        System.arraycopy(heldIds, 0, ids, 0, heldIds.length);
        pointer = next;
        size = heldIds.length;
    }

    /** An immutable queue snapshot. */
    public static final class State implements io.github.dl4jcontinual.checkpoint.CheckpointState {
        private static final long serialVersionUID = 1L;
        final INDArray rows;
        final int[] ids;
        final int pointer;
        final int size;

        State(INDArray rows, int[] ids, int pointer, int size) {
            this.rows = rows;
            this.ids = ids;
            this.pointer = pointer;
            this.size = size;
        }
    }
}
