package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.RowStore;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.Experience;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A fixed-size store of past examples of any rank ({@code [N, F]}, {@code [N, F, T]}, {@code [N, C, H, W]}) and any
 * number of inputs and outputs: every array of a minibatch with its masks, the class id (from the classification
 * output's labels), the experience (task id) each came from and, optionally, the model's logits at insertion time
 * (DER). Subclasses decide how many examples of each group are kept: online through {@link #observe}
 * (reservoir-style buffers, called for every training minibatch) and/or at the end of an experience through
 * {@link #consolidate} (selection-based buffers).
 *
 * <p>The buffer owns its arrays ({@link RowStore}): every write copies rows in, every read gathers fresh arrays,
 * so callers may keep or modify what they get. Storage grows with what is stored, not with the capacity. Not
 * thread-safe: the trainer's thread only.</p>
 */
public abstract class ReplayBuffer {
    private final boolean storeLogits;
    private int capacity;
    private int classOutput;
    private RowStore rows;
    private int nf = -1;
    private int nl = -1;
    private boolean featureMasks;
    private boolean labelMasks;
    private int[] classes = new int[0];
    private int[] experiences = new int[0];
    /** The write that last filled each slot (1, 2, ...), so that a strategy can tell a slot's row was replaced. */
    private long[] versions = new long[0];
    private long writes;

    /**
     * @param capacity    the number of examples the buffer holds (≥ 0)
     * @param storeLogits whether logits are stored with the examples
     */
    protected ReplayBuffer(int capacity, boolean storeLogits) {
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity should be >= 0 (got: " + capacity + ")");
        }
        this.capacity = capacity;
        this.storeLogits = storeLogits;
    }

    /**
     * @param output the index of the label array that carries the classes (default 0)
     * @return this buffer
     */
    public ReplayBuffer classificationOutput(int output) {
        if (output < 0) {
            throw new IllegalArgumentException("classificationOutput should be >= 0 (got: " + output + ")");
        }
        this.classOutput = output;
        return this;
    }

    /** @return the index of the label array that carries the classes */
    public int classificationOutput() {
        return classOutput;
    }

    /** @return the number of examples the buffer may hold now */
    public int capacity() {
        return capacity;
    }

    /** @return the number of examples stored */
    public int size() {
        return rows == null ? 0 : rows.size();
    }

    /** @return true if nothing is stored */
    public boolean isEmpty() {
        return size() == 0;
    }

    /** @return whether logits are stored */
    public boolean storesLogits() {
        return storeLogits;
    }

    /**
     * Offers a training minibatch of the current experience (online buffers store some of it). Called before the
     * model is updated on that minibatch. The default keeps nothing.
     *
     * @param batch      the minibatch (one-hot labels); read, not kept
     * @param logits     the model's logits for the batch [n, head], or null; read, not kept
     * @param experience the index of the current experience (stored as task id)
     * @param rng        the buffer's random generator
     */
    public void observe(MultiDataSet batch, INDArray logits, int experience, Random rng) {
    }

    /**
     * {@link #observe(MultiDataSet, INDArray, int, Random)} with logits computed only if the buffer keeps some of the
     * batch: a reservoir late in a stream keeps a row with probability {@code capacity / seen}, so most minibatches
     * need no forward pass for logits. Buffers that do not override it compute the logits first.
     *
     * @param batch      the minibatch (one-hot labels); read, not kept
     * @param logits     computes the model's logits for the whole batch [n, head] (called at most once, before this
     *                   method returns); may return null when the buffer stores no logits
     * @param experience the index of the current experience (stored as task id)
     * @param rng        the buffer's random generator
     */
    public void observeLazily(MultiDataSet batch, java.util.function.Supplier<INDArray> logits, int experience,
                              Random rng) {
        observe(batch, logits.get(), experience, rng);
    }

    /**
     * Called once after training on an experience: selection-based buffers choose what to keep from it, reading it
     * from its source class by class. The default keeps nothing.
     *
     * @param experience the experience just trained on
     * @param model      the current model (for feature-based selection)
     * @param rng        the buffer's random generator
     */
    public void consolidate(Experience experience, ContinualModel model, Random rng) {
    }

    /**
     * Changes the capacity; a smaller capacity evicts examples as the buffer's policy dictates.
     *
     * @param newCapacity the new capacity, ≥ 0
     */
    public abstract void resize(int newCapacity);

    /**
     * Draws up to {@code n} distinct stored examples uniformly at random (all of them if fewer are stored).
     *
     * @param n          the batch size, &gt; 0
     * @param labelWidth class width of the classification labels to return (the current head size)
     * @param rng        random generator
     * @return a fresh batch, or null if the buffer is empty
     */
    public ReplayBatch sample(int n, int labelWidth, Random rng) {
        if (n <= 0) {
            throw new IllegalArgumentException("replay batch size should be > 0 (got: " + n + ")");
        }
        int[] slots = sampleSlots(n, rng);
        return slots.length == 0 ? null : gather(slots, labelWidth);
    }

    /**
     * The slots {@link #sample} would draw with the same generator state: up to {@code n} distinct slots, uniformly.
     *
     * @param n   the number of slots, &gt; 0
     * @param rng random generator
     * @return the slots, in draw order (empty if the buffer is empty)
     */
    public int[] sampleSlots(int n, Random rng) {
        return sampleSlots(n, rng, s -> true);
    }

    /**
     * As {@link #sampleSlots(int, Random)} among the slots {@code eligible} accepts (with every slot eligible, the
     * same draw).
     *
     * @param n        the number of slots, &gt; 0
     * @param rng      random generator
     * @param eligible which slots may be drawn
     * @return the slots, in draw order (empty if none is eligible)
     */
    public int[] sampleSlots(int n, Random rng, java.util.function.IntPredicate eligible) {
        if (n <= 0) {
            throw new IllegalArgumentException("replay batch size should be > 0 (got: " + n + ")");
        }
        int[] perm = java.util.stream.IntStream.range(0, size()).filter(eligible).toArray();
        int size = perm.length;
        int k = Math.min(n, size);
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(size - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return Arrays.copyOf(perm, k);
    }

    /**
     * @param slots      stored slots, each in [0, size())
     * @param labelWidth class width of the classification labels to return
     * @return those examples, in the order given, as fresh arrays
     */
    public ReplayBatch rows(int[] slots, int labelWidth) {
        for (int s : slots) {
            if (s < 0 || s >= size()) {
                throw new IndexOutOfBoundsException("Slot " + s + " is not stored (the buffer holds " + size() + ")");
            }
        }
        if (slots.length == 0) {
            throw new IllegalArgumentException("No slots asked for");
        }
        return gather(slots, labelWidth);
    }

    /**
     * @param slot a slot in [0, size())
     * @return the experience (task id) stored with its row, -1 for rows stored in a boundary-free run
     */
    public int experience(int slot) {
        if (slot < 0 || slot >= size()) {
            throw new IndexOutOfBoundsException("Slot " + slot + " is not stored (the buffer holds " + size() + ")");
        }
        return experiences[slot];
    }

    /**
     * @param slot a slot in [0, size())
     * @return the number of the write that last filled it (it changes exactly when the slot's row is replaced or
     *         moved), for strategies that keep per-row state beside the buffer (MIR's best loss)
     */
    public long version(int slot) {
        if (slot < 0 || slot >= size()) {
            throw new IndexOutOfBoundsException("Slot " + slot + " is not stored (the buffer holds " + size() + ")");
        }
        return versions[slot];
    }

    /**
     * @param labelWidth class width of the classification labels
     * @return every stored example, in slot order, as fresh arrays; an empty buffer gives null
     */
    public ReplayBatch contents(int labelWidth) {
        int size = size();
        if (size == 0) {
            return null;
        }
        int[] all = new int[size];
        for (int i = 0; i < size; i++) {
            all[i] = i;
        }
        return gather(all, labelWidth);
    }

    /** @return the number of stored examples per class id, ascending by class */
    public Map<Integer, Integer> countsPerClass() {
        Map<Integer, Integer> m = new TreeMap<>();
        for (int i = 0; i < size(); i++) {
            m.merge(classes[i], 1, Integer::sum);
        }
        return m;
    }

    /** @return the number of stored examples per experience index, ascending */
    public Map<Integer, Integer> countsPerExperience() {
        Map<Integer, Integer> m = new TreeMap<>();
        for (int i = 0; i < size(); i++) {
            m.merge(experiences[i], 1, Integer::sum);
        }
        return m;
    }

    /**
     * A detached copy of everything the buffer holds (examples, logits, class and experience ids, capacity and the
     * subclass's counters), for a checkpoint; {@link #restoreState} on a buffer built from the same configuration
     * makes it behave exactly as this one from now on.
     *
     * @return a serialisable snapshot sharing nothing with the buffer
     */
    public Serializable saveState() {
        int size = size();
        return new Snapshot(getClass().getName(), capacity, classOutput, rows == null ? null : rows.snapshot(),
                new int[]{nf, nl, featureMasks ? 1 : 0, labelMasks ? 1 : 0}, Arrays.copyOf(classes, size),
                Arrays.copyOf(experiences, size), extraState(), Arrays.copyOf(versions, size), writes);
    }

    /**
     * Replaces the contents with a snapshot from {@link #saveState()}.
     *
     * @param state a snapshot of a buffer of the same class
     * @throws IllegalArgumentException if it is not such a snapshot
     */
    public void restoreState(Serializable state) {
        if (!(state instanceof Snapshot) || !((Snapshot) state).type.equals(getClass().getName())) {
            throw new IllegalArgumentException("Expected the state of a " + getClass().getSimpleName() + " (got: "
                    + (state instanceof Snapshot ? ((Snapshot) state).type : state == null ? null
                    : state.getClass().getName()) + ")");
        }
        Snapshot s = (Snapshot) state;
        capacity = s.capacity;
        classOutput = s.classOutput;
        nf = s.layout[0];
        nl = s.layout[1];
        featureMasks = s.layout[2] == 1;
        labelMasks = s.layout[3] == 1;
        if (s.rows == null) {
            rows = null;
        } else {
            rows = new RowStore(columns(), capacity);
            rows.restore(s.rows);
        }
        classes = Arrays.copyOf(s.classes, Math.max(s.classes.length, 16));
        experiences = Arrays.copyOf(s.experiences, Math.max(s.experiences.length, 16));
        // states written before slot versions existed have none: every slot counts as written once
        versions = s.versions == null ? new long[classes.length] : Arrays.copyOf(s.versions, classes.length);
        writes = s.versions == null ? 0 : s.writes;
        restoreExtraState(s.extra);
    }

    /** @return the subclass's own counters for {@link #saveState()} (a detached, serialisable copy), or null */
    protected Serializable extraState() {
        return null;
    }

    /** @param extra what {@link #extraState()} returned */
    protected void restoreExtraState(Serializable extra) {
    }

    /** The serialised form of a buffer. */
    private static final class Snapshot implements io.github.dl4jcontinual.checkpoint.CheckpointState {
        private static final long serialVersionUID = 2L;
        private final String type;
        private final int capacity;
        private final int classOutput;
        private final Serializable rows;
        private final int[] layout;
        private final int[] classes;
        private final int[] experiences;
        private final Serializable extra;
        private final long[] versions;
        private final long writes;

        Snapshot(String type, int capacity, int classOutput, Serializable rows, int[] layout, int[] classes,
                 int[] experiences, Serializable extra, long[] versions, long writes) {
            this.versions = versions;
            this.writes = writes;
            this.type = type;
            this.capacity = capacity;
            this.classOutput = classOutput;
            this.rows = rows;
            this.layout = layout;
            this.classes = classes;
            this.experiences = experiences;
            this.extra = extra;
        }
    }

    /**
     * @param slot a slot in [0, size())
     * @return the class id stored there
     */
    protected int classAt(int slot) {
        return classes[slot];
    }

    /**
     * @param slot a slot in [0, size())
     * @return the experience index stored there
     */
    protected int experienceAt(int slot) {
        return experiences[slot];
    }

    /**
     * Sets the capacity without evicting (subclasses evict first).
     *
     * @param newCapacity the capacity
     */
    protected void setCapacity(int newCapacity) {
        if (newCapacity < 0) {
            throw new IllegalArgumentException("capacity should be >= 0 (got: " + newCapacity + ")");
        }
        if (newCapacity < size()) {
            throw new IllegalStateException("Evict down to " + newCapacity + " examples before shrinking (size "
                    + size() + ")");
        }
        this.capacity = newCapacity;
        if (rows != null) {
            rows.setCapacity(newCapacity);
        }
    }

    private int columns() {
        return 2 * (nf + nl) + 1;
    }

    /**
     * Copies rows of a batch into slots. A slot equal to {@code size()} (or the next free ones) appends. If a slot
     * occurs several times, the last row wins.
     *
     * @param slots       target slots, each in [0, capacity())
     * @param rowsOf      the rows of {@code batch} to copy, same length as {@code slots}
     * @param batch       the minibatch
     * @param rowClasses  the class id of every row of the batch
     * @param batchLogits the batch's logits [n, head], or null
     * @param experience  the experience index to record
     */
    protected void write(int[] slots, int[] rowsOf, MultiDataSet batch, int[] rowClasses, INDArray batchLogits,
                         int experience) {
        if (slots.length == 0) {
            return;
        }
        if (storeLogits && batchLogits == null) {
            throw new IllegalArgumentException("This buffer stores logits: observe/consolidate need the model's "
                    + "logits for the batch (got null)");
        }
        if (rows == null) {
            nf = batch.numFeatureArrays();
            nl = batch.numLabelsArrays();
            rows = new RowStore(columns(), capacity);
        } else if (batch.numFeatureArrays() != nf || batch.numLabelsArrays() != nl) {
            throw new IllegalArgumentException("Examples with " + batch.numFeatureArrays() + " inputs / "
                    + batch.numLabelsArrays() + " outputs cannot join a buffer of examples with " + nf + " / " + nl);
        }
        featureMasks |= batch.getFeaturesMaskArrays() != null;
        labelMasks |= batch.getLabelsMaskArrays() != null;
        INDArray[] cols = new INDArray[columns()];
        for (int i = 0; i < nf; i++) {
            cols[i] = batch.getFeatures(i);
            cols[nf + nl + i] = Batches.mask(batch.getFeaturesMaskArrays(), i);
        }
        for (int i = 0; i < nl; i++) {
            cols[nf + i] = batch.getLabels(i);
            cols[2 * nf + nl + i] = Batches.mask(batch.getLabelsMaskArrays(), i);
        }
        cols[columns() - 1] = storeLogits ? batchLogits : null;
        // an expanding head: the classification labels (and a per-class label mask) of later experiences are wider
        cols[nf + classOutput] = fitClassWidth(nf + classOutput, cols[nf + classOutput]);
        INDArray lm = cols[2 * nf + nl + classOutput];
        if (lm != null && lm.rank() == 2 && lm.size(1) > 1) {
            cols[2 * nf + nl + classOutput] = fitClassWidth(2 * nf + nl + classOutput, lm);
        }
        int maxSlot = Arrays.stream(slots).max().getAsInt();
        if (maxSlot >= capacity) {
            throw new IllegalArgumentException("slot " + maxSlot + " is outside the capacity " + capacity);
        }
        int need = maxSlot + 1;
        if (classes.length < need) {
            int grown = Math.max(need, Math.min(Math.max(16, classes.length * 2), Math.max(capacity, need)));
            classes = Arrays.copyOf(classes, grown);
            experiences = Arrays.copyOf(experiences, grown);
            versions = Arrays.copyOf(versions, grown);
        }
        rows.write(slots, rowsOf, cols);
        for (int i = 0; i < slots.length; i++) {
            classes[slots[i]] = rowClasses[rowsOf[i]];
            experiences[slots[i]] = experience;
            versions[slots[i]] = ++writes;
        }
    }

    /**
     * Matches the class width of a column of 2-d class arrays to the stored one: a wider batch widens the store
     * (stored rows get zeros for the new classes), a narrower one is padded with zeros.
     */
    private INDArray fitClassWidth(int column, INDArray a) {
        long[] stored = rows.rowShape(column);
        if (a == null || a.rank() != 2 || stored == null || stored.length != 1 || stored[0] < 2
                || a.size(1) == stored[0]) {
            return a;
        }
        if (a.size(1) > stored[0]) {
            rows.widen(column, a.size(1));
            return a;
        }
        return Batches.classColumns(a, stored[0]);
    }

    /**
     * Keeps only the given slots, in the given order (they become slots 0..k-1).
     *
     * @param keep distinct slots in [0, size())
     */
    protected void retain(int[] keep) {
        if (rows == null) {
            return;
        }
        int[] c = new int[Math.max(keep.length, 16)];
        int[] e = new int[c.length];
        long[] v = new long[c.length];
        for (int i = 0; i < keep.length; i++) {
            c[i] = classes[keep[i]];
            e[i] = experiences[keep[i]];
            // a row that moves to another slot is new there
            v[i] = keep[i] == i ? versions[keep[i]] : ++writes;
        }
        rows.retain(keep);
        classes = c;
        experiences = e;
        versions = v;
    }

    /**
     * Appends every row of a minibatch (e.g. selected exemplars) after the stored ones.
     *
     * @param batch      the rows
     * @param experience the experience index to record
     */
    protected void append(MultiDataSet batch, int experience) {
        int n = Batches.size(batch);
        int[] slots = new int[n];
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            slots[i] = size() + i;
            idx[i] = i;
        }
        write(slots, idx, batch, classIdsOf(batch), null, experience);
    }

    private ReplayBatch gather(int[] slots, int labelWidth) {
        INDArray[] cols = rows.gather(slots);
        INDArray[] f = Arrays.copyOfRange(cols, 0, nf);
        INDArray[] l = Arrays.copyOfRange(cols, nf, nf + nl);
        boolean perOutputMask = l[classOutput].rank() == 2;
        l[classOutput] = Batches.classColumns(l[classOutput], labelWidth);
        INDArray[] fm = featureMasks ? Arrays.copyOfRange(cols, nf + nl, 2 * nf + nl) : null;
        INDArray[] lm = labelMasks ? Arrays.copyOfRange(cols, 2 * nf + nl, 2 * (nf + nl)) : null;
        // a per-output mask [n, k] of 2-d labels follows the class columns; the time mask [n, T] of sequence
        // labels [n, k, T] and a per-example mask [n, 1] do not
        if (perOutputMask && lm != null && lm[classOutput] != null && lm[classOutput].rank() == 2
                && lm[classOutput].size(1) > 1 && lm[classOutput].size(1) != labelWidth) {
            lm[classOutput] = Batches.classColumns(lm[classOutput], labelWidth);
        }
        int[] e = new int[slots.length];
        for (int i = 0; i < slots.length; i++) {
            e[i] = experiences[slots[i]];
        }
        INDArray z = storeLogits ? cols[columns() - 1] : null;
        return new ReplayBatch(new org.nd4j.linalg.dataset.MultiDataSet(f, l, fm, lm), classOutput, z, e);
    }

    /**
     * @param batch a minibatch with one-hot classification labels
     * @return the class id of every row
     */
    protected int[] classIdsOf(MultiDataSet batch) {
        return DataSets.classIds(batch.getLabels(classOutput), Batches.mask(batch.getLabelsMaskArrays(), classOutput));
    }
}
