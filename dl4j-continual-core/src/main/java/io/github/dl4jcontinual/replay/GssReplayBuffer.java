package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.data.Batches;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;

/**
 * Greedy gradient-based sample selection (GSS-Greedy, Aljundi et al., "Gradient based sample selection for online
 * continual learning", NeurIPS 2019, Algorithm 2), an online buffer that keeps examples whose gradients point in
 * diverse directions. Every stored example has a score {@code C_i = max_j cos(g_i, G_j) + 1 ∈ [0, 2]}: its highest
 * gradient cosine similarity (plus one) with a random subset of the buffer when it entered.
 *
 * <p>For each offered minibatch (as Mammoth's {@code utils/gss_buffer.py}): {@code n = candidates} stored examples
 * are drawn uniformly and their single-example gradients {@code G_j} computed; the minibatch's gradient gives
 * {@code c = max_j cos(g_batch, G_j) + 1} (0.1 for the very first minibatch). While the buffer has room, every row
 * enters with score {@code c}. When it is full and {@code c < 1} (the minibatch's gradient is at an obtuse angle to
 * every candidate's), each row gets its own score {@code s} from its single-example gradient, a stored example
 * {@code i} is drawn with probability {@code C_i / Σ C}, and the row replaces it with probability
 * {@code C_i / (C_i + s)}; otherwise the minibatch leaves the buffer unchanged. Shrinking evicts the highest
 * scores (the most redundant examples).</p>
 *
 * <p>Gradients come from {@link #gradients(Function)}, which the rehearsal strategies set to a twin of the model
 * sharing its parameters (the gradient of the network's loss on the given rows, flattened); a buffer without a
 * gradient source refuses minibatches once it holds examples. Scores and the number of examples seen are part of
 * {@link #saveState()}.</p>
 */
public class GssReplayBuffer extends ReplayBuffer {
    private final int candidates;
    private transient Function<MultiDataSet, INDArray> gradients;
    private double[] scores = new double[0];
    private long seen;
    private long replaced;

    /**
     * @param capacity    buffer size, ≥ 0
     * @param candidates  stored examples compared with each minibatch (the paper's n), &gt; 0
     * @param storeLogits whether to keep the logits passed to {@link #observe}
     */
    public GssReplayBuffer(int capacity, int candidates, boolean storeLogits) {
        super(capacity, storeLogits);
        if (candidates <= 0) {
            throw new IllegalArgumentException("candidates should be > 0 (got: " + candidates + ")");
        }
        this.candidates = candidates;
    }

    /**
     * Sets where gradients come from.
     *
     * @param gradients maps rows (features and one-hot labels of the current head width) to the gradient of the
     *                  model's loss on them, flattened; the result is read before the next call
     * @return this buffer
     */
    public GssReplayBuffer gradients(Function<MultiDataSet, INDArray> gradients) {
        this.gradients = Objects.requireNonNull(gradients, "gradients");
        return this;
    }

    /** @return the number of examples offered so far */
    public long seen() {
        return seen;
    }

    /** @return the number of stored examples replaced by later ones so far */
    public long replaced() {
        return replaced;
    }

    /** @return the stored examples' scores, in slot order (a copy) */
    public double[] scores() {
        return Arrays.copyOf(scores, size());
    }

    @Override
    public void observe(MultiDataSet batch, INDArray logits, int experience, Random rng) {
        int n = Batches.size(batch);
        if (n == 0) {
            return;
        }
        int labelWidth = (int) batch.getLabels(classificationOutput()).size(1);
        double[][] cand = null;
        double c = 0.1;
        if (size() > 0) {
            cand = candidateGradients(labelWidth, rng);
            c = maxCosine(gradient(batch), cand) + 1;
        }
        if (scores.length < capacity()) {
            scores = Arrays.copyOf(scores, capacity());
        }
        int[] slots = new int[n];
        int[] rows = new int[n];
        int k = 0;
        int filled = size();
        for (int i = 0; i < n; i++) {
            seen++;
            if (filled < capacity()) {
                scores[filled] = c;
                slots[k] = filled++;
                rows[k++] = i;
            } else if (c < 1 && filled > 0) {
                if (cand == null) {
                    // the buffer filled up within this minibatch: compare with what it holds now
                    cand = candidatesAmong(batch, rows, k, rng);
                }
                double s = maxCosine(gradient(Batches.rows(batch, new int[]{i})), cand) + 1;
                int victim = drawByScore(filled, rng);
                if (rng.nextDouble() < scores[victim] / (scores[victim] + s)) {
                    // a slot chosen twice within a minibatch keeps the later row, as write() does
                    scores[victim] = s;
                    slots[k] = victim;
                    rows[k++] = i;
                    replaced++;
                }
            }
        }
        if (k > 0) {
            write(Arrays.copyOf(slots, k), Arrays.copyOf(rows, k), batch, classIdsOf(batch), logits, experience);
        }
    }

    /** Draws a stored slot with probability proportional to its score (uniformly if every score is 0). */
    private int drawByScore(int filled, Random rng) {
        double total = 0;
        for (int i = 0; i < filled; i++) {
            total += scores[i];
        }
        if (!(total > 0)) {
            return rng.nextInt(filled);
        }
        double u = rng.nextDouble() * total;
        for (int i = 0; i < filled; i++) {
            u -= scores[i];
            if (u < 0) {
                return i;
            }
        }
        return filled - 1;
    }

    private double[][] candidateGradients(int labelWidth, Random rng) {
        ReplayBatch picked = sample(candidates, labelWidth, rng);
        int m = picked.size();
        double[][] g = new double[m][];
        MultiDataSet rows = picked.toMultiDataSet();
        for (int j = 0; j < m; j++) {
            g[j] = gradient(Batches.rows(rows, new int[]{j}));
        }
        return g;
    }

    /** Candidates drawn from the rows of this minibatch already placed in the buffer. */
    private double[][] candidatesAmong(MultiDataSet batch, int[] placed, int k, Random rng) {
        int[] pool = Arrays.copyOf(placed, k);
        int m = Math.min(candidates, k);
        double[][] g = new double[m][];
        for (int j = 0; j < m; j++) {
            int r = j + rng.nextInt(k - j);
            int t = pool[j];
            pool[j] = pool[r];
            pool[r] = t;
            g[j] = gradient(Batches.rows(batch, new int[]{pool[j]}));
        }
        return g;
    }

    private double[] gradient(MultiDataSet rows) {
        if (gradients == null) {
            throw new IllegalStateException("A GSS buffer needs a gradient source (gradients(...)); the rehearsal "
                    + "strategies set it to the model's");
        }
        return gradients.apply(rows).toDoubleVector();
    }

    /**
     * @param g    a gradient
     * @param cand candidate gradients
     * @return the highest cosine similarity of {@code g} with a candidate (0 with zero vectors)
     */
    static double maxCosine(double[] g, double[][] cand) {
        double best = -1;
        double ng = norm(g);
        for (double[] h : cand) {
            if (h.length != g.length) {
                throw new IllegalArgumentException("gradients of " + g.length + " and " + h.length
                        + " parameters: the model changed between two gradients of one minibatch");
            }
            double nh = norm(h);
            double dot = 0;
            for (int i = 0; i < g.length; i++) {
                dot += g[i] * h[i];
            }
            double cos = ng == 0 || nh == 0 ? 0 : dot / (ng * nh);
            best = Math.max(best, cos);
        }
        return best;
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    @Override
    public void resize(int newCapacity) {
        if (newCapacity < size()) {
            Integer[] order = new Integer[size()];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            // keep the lowest scores (most diverse); ties by slot
            Arrays.sort(order, (a, b) -> scores[a] != scores[b] ? Double.compare(scores[a], scores[b]) : a - b);
            int[] keep = new int[newCapacity];
            for (int i = 0; i < newCapacity; i++) {
                keep[i] = order[i];
            }
            Arrays.sort(keep);
            double[] kept = new double[Math.max(newCapacity, 1)];
            for (int i = 0; i < newCapacity; i++) {
                kept[i] = scores[keep[i]];
            }
            retain(keep);
            scores = kept;
        }
        setCapacity(newCapacity);
    }

    @Override
    protected Serializable extraState() {
        return new Serializable[]{Arrays.copyOf(scores, size()), seen, replaced};
    }

    @Override
    protected void restoreExtraState(Serializable extra) {
        Serializable[] s = (Serializable[]) extra;
        double[] sc = (double[]) s[0];
        scores = Arrays.copyOf(sc, Math.max(sc.length, capacity()));
        seen = (Long) s[1];
        replaced = (Long) s[2];
    }
}
