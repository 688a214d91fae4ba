package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * A fixed-size store of past examples: features, class ids, the experience (task id) each came from and,
 * optionally, the model's logits at insertion time (DER). Subclasses decide how many examples of each group are
 * kept: online through {@link #observe} (reservoir-style buffers, called for every training minibatch) and/or at
 * the end of an experience through {@link #consolidate} (selection-based buffers).
 *
 * <p>The buffer owns its arrays: every write copies rows into preallocated storage, every read gathers fresh
 * arrays, so callers may keep or modify what they get. Rows are stored flattened and reshaped on read. Not
 * thread-safe: the trainer's thread only.</p>
 */
public abstract class ReplayBuffer {
    private final boolean storeLogits;
    private int capacity;
    private INDArray features;
    private INDArray logits;
    private long[] rowShape;
    private int[] classes = new int[0];
    private int[] experiences = new int[0];
    private int size;

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

    /** @return the number of examples the buffer may hold now */
    public int capacity() {
        return capacity;
    }

    /** @return the number of examples stored */
    public int size() {
        return size;
    }

    /** @return true if nothing is stored */
    public boolean isEmpty() {
        return size == 0;
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
    public void observe(DataSet batch, INDArray logits, int experience, Random rng) {
    }

    /**
     * {@link #observe(DataSet, INDArray, int, Random)} with logits computed only if the buffer keeps some of the
     * batch: a reservoir late in a stream keeps a row with probability {@code capacity / seen}, so most minibatches
     * need no forward pass for logits. Buffers that do not override it compute the logits first.
     *
     * @param batch      the minibatch (one-hot labels); read, not kept
     * @param logits     computes the model's logits for the whole batch [n, head] (called at most once, before this
     *                   method returns); may return null when the buffer stores no logits
     * @param experience the index of the current experience (stored as task id)
     * @param rng        the buffer's random generator
     */
    public void observeLazily(DataSet batch, java.util.function.Supplier<INDArray> logits, int experience, Random rng) {
        observe(batch, logits.get(), experience, rng);
    }

    /**
     * Called once after training on an experience: selection-based buffers choose what to keep from it. The
     * default keeps nothing.
     *
     * @param experience the experience just trained on
     * @param model      the current model (for feature-based selection)
     * @param rng        the buffer's random generator
     */
    public void consolidate(Experience experience, Model model, Random rng) {
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
     * @param labelWidth width of the one-hot labels to build (the current head size)
     * @param rng        random generator
     * @return a fresh batch, or null if the buffer is empty
     */
    public ReplayBatch sample(int n, int labelWidth, Random rng) {
        if (n <= 0) {
            throw new IllegalArgumentException("replay batch size should be > 0 (got: " + n + ")");
        }
        if (size == 0) {
            return null;
        }
        int k = Math.min(n, size);
        int[] perm = new int[size];
        for (int i = 0; i < size; i++) {
            perm[i] = i;
        }
        for (int i = 0; i < k; i++) {
            int j = i + rng.nextInt(size - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return gather(Arrays.copyOf(perm, k), labelWidth);
    }

    /**
     * @param labelWidth width of the one-hot labels
     * @return every stored example, in slot order, as fresh arrays; an empty buffer gives null
     */
    public ReplayBatch contents(int labelWidth) {
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
        for (int i = 0; i < size; i++) {
            m.merge(classes[i], 1, Integer::sum);
        }
        return m;
    }

    /** @return the number of stored examples per experience index, ascending */
    public Map<Integer, Integer> countsPerExperience() {
        Map<Integer, Integer> m = new TreeMap<>();
        for (int i = 0; i < size; i++) {
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
        INDArray f = size == 0 ? null : features.get(NDArrayIndex.interval(0, size), NDArrayIndex.all()).dup();
        INDArray z = size == 0 || !storeLogits ? null
                : logits.get(NDArrayIndex.interval(0, size), NDArrayIndex.all()).dup();
        return new Snapshot(getClass().getName(), capacity, f, z, rowShape == null ? null : rowShape.clone(),
                Arrays.copyOf(classes, size), Arrays.copyOf(experiences, size), extraState());
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
        if (s.features != null && (s.logits != null) != storeLogits) {
            throw new IllegalArgumentException("The snapshot " + (storeLogits ? "has no" : "has") + " logits but "
                    + "this buffer " + (storeLogits ? "stores" : "does not store") + " them");
        }
        size = s.classes.length;
        capacity = s.capacity;
        features = s.features == null ? null : s.features.dup().detach();
        logits = s.logits == null ? null : s.logits.dup().detach();
        rowShape = s.rowShape == null ? null : s.rowShape.clone();
        classes = Arrays.copyOf(s.classes, Math.max(size, capacity));
        experiences = Arrays.copyOf(s.experiences, Math.max(size, capacity));
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
    private static final class Snapshot implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String type;
        private final int capacity;
        private final INDArray features;
        private final INDArray logits;
        private final long[] rowShape;
        private final int[] classes;
        private final int[] experiences;
        private final Serializable extra;

        Snapshot(String type, int capacity, INDArray features, INDArray logits, long[] rowShape, int[] classes,
                 int[] experiences, Serializable extra) {
            this.type = type;
            this.capacity = capacity;
            this.features = features;
            this.logits = logits;
            this.rowShape = rowShape;
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
        if (newCapacity < size) {
            throw new IllegalStateException("Evict down to " + newCapacity + " examples before shrinking (size "
                    + size + ")");
        }
        this.capacity = newCapacity;
    }

    /**
     * Copies rows of a batch into slots with one gather and one scatter. A slot equal to {@code size()} (or the
     * next free ones) appends. If a slot occurs several times, the last row wins.
     *
     * @param slots      target slots, each in [0, capacity())
     * @param rows       the rows of {@code features} to copy, same length as {@code slots}
     * @param features   the batch's features [n, ...]
     * @param rowClasses the class id of every row of the batch
     * @param batchLogits the batch's logits [n, head], or null
     * @param experience the experience index to record
     */
    protected void write(int[] slots, int[] rows, INDArray features, int[] rowClasses, INDArray batchLogits,
                         int experience) {
        if (slots.length == 0) {
            return;
        }
        if (storeLogits && batchLogits == null) {
            throw new IllegalArgumentException("This buffer stores logits: observe/consolidate need the model's "
                    + "logits for the batch (got null)");
        }
        // keep the last occurrence of each slot
        Map<Integer, Integer> last = new java.util.LinkedHashMap<>();
        for (int i = 0; i < slots.length; i++) {
            last.remove(slots[i]);
            last.put(slots[i], rows[i]);
        }
        int[] s = last.keySet().stream().mapToInt(Integer::intValue).toArray();
        int[] r = last.values().stream().mapToInt(Integer::intValue).toArray();
        int maxSlot = Arrays.stream(s).max().getAsInt();
        if (maxSlot >= capacity) {
            throw new IllegalArgumentException("slot " + maxSlot + " is outside the capacity " + capacity);
        }
        INDArray flat = features.reshape(features.size(0), -1);
        ensureStorage(flat, features.shape(), batchLogits, capacity);
        INDArray target = Nd4j.createFromArray(s);
        scatterRows(this.features, target, Nd4j.pullRows(flat, 1, r).castTo(this.features.dataType()));
        if (storeLogits) {
            scatterRows(this.logits, target, Nd4j.pullRows(batchLogits, 1, r).castTo(this.logits.dataType()));
        }
        for (int i = 0; i < s.length; i++) {
            classes[s[i]] = rowClasses[r[i]];
            experiences[s[i]] = experience;
        }
        size = Math.max(size, maxSlot + 1);
    }

    /** In-place row scatter (libnd4j {@code scatter_upd}; {@code INDArray.put} with index lists is element-wise). */
    private static void scatterRows(INDArray target, INDArray rowIndices, INDArray rows) {
        Nd4j.exec(DynamicCustomOp.builder("scatter_upd").addInputs(target, rowIndices, rows).addOutputs(target)
                .build());
    }

    /**
     * Keeps only the given slots, in the given order (they become slots 0..k-1), with one gather per array.
     *
     * @param keep distinct slots in [0, size())
     */
    protected void retain(int[] keep) {
        if (keep.length == size && isIdentity(keep)) {
            return;
        }
        int k = keep.length;
        if (k > 0) {
            INDArray f = Nd4j.pullRows(features, 1, keep);
            features.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).assign(f);
            if (storeLogits) {
                INDArray z = Nd4j.pullRows(logits, 1, keep);
                logits.get(NDArrayIndex.interval(0, k), NDArrayIndex.all()).assign(z);
            }
        }
        int[] c = new int[classes.length];
        int[] e = new int[experiences.length];
        for (int i = 0; i < k; i++) {
            c[i] = classes[keep[i]];
            e[i] = experiences[keep[i]];
        }
        classes = c;
        experiences = e;
        size = k;
    }

    private static boolean isIdentity(int[] keep) {
        for (int i = 0; i < keep.length; i++) {
            if (keep[i] != i) {
                return false;
            }
        }
        return true;
    }

    private void ensureStorage(INDArray flat, long[] shape, INDArray batchLogits, int cap) {
        if (features != null && flat.size(1) != features.size(1)) {
            throw new IllegalArgumentException("Examples of " + flat.size(1) + " values cannot join a buffer of "
                    + features.size(1) + "-value examples");
        }
        if (features != null && features.size(0) >= cap) {
            return;
        }
        INDArray nf = Nd4j.create(flat.dataType(), cap, flat.size(1));
        INDArray nz = storeLogits ? Nd4j.create(batchLogits.dataType(), cap, batchLogits.size(1)) : null;
        if (features != null && size > 0) {
            nf.get(NDArrayIndex.interval(0, size), NDArrayIndex.all())
                    .assign(features.get(NDArrayIndex.interval(0, size), NDArrayIndex.all()));
            if (storeLogits) {
                nz.get(NDArrayIndex.interval(0, size), NDArrayIndex.all())
                        .assign(logits.get(NDArrayIndex.interval(0, size), NDArrayIndex.all()));
            }
        }
        features = nf;
        logits = nz;
        rowShape = Arrays.copyOfRange(shape, 1, shape.length);
        classes = Arrays.copyOf(classes, cap);
        experiences = Arrays.copyOf(experiences, cap);
    }

    private ReplayBatch gather(int[] slots, int labelWidth) {
        INDArray f = Nd4j.pullRows(features, 1, slots);
        long[] shape = new long[rowShape.length + 1];
        shape[0] = slots.length;
        System.arraycopy(rowShape, 0, shape, 1, rowShape.length);
        f = f.reshape(shape);
        int[] c = new int[slots.length];
        int[] e = new int[slots.length];
        for (int i = 0; i < slots.length; i++) {
            c[i] = classes[slots[i]];
            e[i] = experiences[slots[i]];
        }
        INDArray y = DataSets.oneHot(c, labelWidth).castTo(f.dataType());
        INDArray z = storeLogits ? Nd4j.pullRows(logits, 1, slots) : null;
        return new ReplayBatch(f, y, z, e);
    }

    /**
     * @param batch a minibatch with one-hot labels
     * @return the class id of every row
     */
    protected static int[] classIdsOf(DataSet batch) {
        return DataSets.classIds(batch.getLabels());
    }
}
