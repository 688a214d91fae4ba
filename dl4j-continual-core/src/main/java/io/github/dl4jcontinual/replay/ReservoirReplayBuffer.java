package io.github.dl4jcontinual.replay;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.Random;

/**
 * Reservoir sampling (Vitter's algorithm R, as in Mammoth's {@code utils/buffer.py}): every example of the stream
 * offered through {@link #observe} ends up in the buffer with probability {@code capacity / seen}, regardless of
 * class or experience. The minibatch's row selection is decided in Java; the rows are copied with one scatter.
 */
public class ReservoirReplayBuffer extends ReplayBuffer {
    private long seen;

    /**
     * @param capacity    buffer size, ≥ 0
     * @param storeLogits whether to keep the logits passed to {@link #observe}
     */
    public ReservoirReplayBuffer(int capacity, boolean storeLogits) {
        super(capacity, storeLogits);
    }

    /** @return the number of examples offered so far */
    public long seen() {
        return seen;
    }

    @Override
    public void observe(MultiDataSet batch, INDArray logits, int experience, Random rng) {
        observeLazily(batch, () -> logits, experience, rng);
    }

    /** {@inheritDoc} <p>The logits are computed only when at least one row of the batch is kept.</p> */
    @Override
    public void observeLazily(MultiDataSet batch, java.util.function.Supplier<INDArray> logits, int experience, Random rng) {
        int n = io.github.dl4jcontinual.data.Batches.size(batch);
        int[] slots = new int[n];
        int[] rows = new int[n];
        int k = 0;
        int filled = size();
        for (int i = 0; i < n; i++) {
            int slot = -1;
            if (filled < capacity()) {
                slot = filled++;
            } else {
                long j = (long) (rng.nextDouble() * (seen + 1));
                if (j < capacity()) {
                    slot = (int) j;
                }
            }
            seen++;
            if (slot >= 0) {
                slots[k] = slot;
                rows[k++] = i;
            }
        }
        if (k > 0) {
            write(java.util.Arrays.copyOf(slots, k), java.util.Arrays.copyOf(rows, k), batch, classIdsOf(batch),
                    logits.get(), experience);
        }
    }

    @Override
    protected java.io.Serializable extraState() {
        return seen;
    }

    @Override
    protected void restoreExtraState(java.io.Serializable extra) {
        seen = (Long) extra;
    }

    @Override
    public void resize(int newCapacity) {
        if (newCapacity < size()) {
            // a uniform random subsample, reproducible from the stream position
            Random rng = new Random(seen * 0x9E3779B97F4A7C15L + newCapacity);
            int[] perm = new int[size()];
            for (int i = 0; i < perm.length; i++) {
                perm[i] = i;
            }
            for (int i = 0; i < newCapacity; i++) {
                int j = i + rng.nextInt(perm.length - i);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            int[] keep = java.util.Arrays.copyOf(perm, newCapacity);
            java.util.Arrays.sort(keep);
            retain(keep);
        }
        setCapacity(newCapacity);
    }
}
