package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.model.ContinualModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * A buffer with an equal share per class: either a fixed total budget ({@code capacity / #classes seen}, which
 * shrinks the older classes — truncating their ranking — whenever new classes arrive) or a fixed budget per
 * class (the capacity grows with the classes).
 *
 * <p>Two modes. With a {@link SelectionPolicy}, the buffer is filled at the end of each experience
 * ({@link #consolidate}): the policy ranks each new class's examples (random, herding, k-means, …). Without one,
 * it is an online class-balanced reservoir ({@link #observe}; Chrysakis &amp; Moens' CBRS, which is also GDumb's
 * greedy sampler): while there is room every example is stored; when full, an example of a class that is not the
 * largest replaces a random example of the largest class, and an example of the largest class replaces a random
 * example of its own class with probability stored/seen.</p>
 */
public class ClassBalancedReplayBuffer extends ReplayBuffer {
    private final SelectionPolicy selection;
    private final int perClass;
    private final int totalBudget;
    private final Map<Integer, Long> seenPerClass = new HashMap<>();

    /**
     * @param capacity    fixed total budget (ignored if {@code perClass > 0})
     * @param perClass    fixed budget per class, or 0 for a fixed total
     * @param selection   the policy for end-of-experience selection, or null for the online reservoir
     * @param storeLogits keep logits (online mode only)
     */
    public ClassBalancedReplayBuffer(int capacity, int perClass, SelectionPolicy selection, boolean storeLogits) {
        super(perClass > 0 ? 0 : capacity, storeLogits);
        if (perClass < 0) {
            throw new IllegalArgumentException("perClass should be >= 0 (got: " + perClass + ")");
        }
        if (storeLogits && selection != null) {
            throw new IllegalArgumentException("Logits are stored only by online buffers: use no selection policy "
                    + "(got: " + selection + ") with storeLogits");
        }
        this.selection = selection;
        this.perClass = perClass;
        this.totalBudget = capacity;
    }

    /** @return the selection policy, or null (online mode) */
    public SelectionPolicy selection() {
        return selection;
    }

    @Override
    public void observe(MultiDataSet batch, INDArray logits, int experience, Random rng) {
        if (selection != null) {
            return;
        }
        int[] ids = classIdsOf(batch);
        Map<Integer, List<Integer>> byClass = slotsByClass();
        int filled = size();
        int n = ids.length;
        int[] slots = new int[n];
        int[] rows = new int[n];
        int k = 0;
        for (int i = 0; i < n; i++) {
            int c = ids[i];
            long seenC = seenPerClass.merge(c, 1L, Long::sum);
            List<Integer> own = byClass.computeIfAbsent(c, x -> new ArrayList<>());
            int slot = -1;
            if (perClass > 0) {
                if (own.size() < perClass) {
                    if (filled >= capacity()) {
                        setCapacity(capacity() + perClass);
                    }
                    slot = filled++;
                } else if ((long) (rng.nextDouble() * seenC) < own.size()) {
                    slot = own.get(rng.nextInt(own.size()));
                }
            } else if (filled < capacity()) {
                slot = filled++;
            } else if (capacity() > 0) {
                int largest = largest(byClass);
                if (own.size() < byClass.get(largest).size()) {
                    List<Integer> l = byClass.get(largest);
                    slot = l.remove(rng.nextInt(l.size()));
                } else if ((long) (rng.nextDouble() * seenC) < own.size()) {
                    slot = own.remove(rng.nextInt(own.size()));
                }
            }
            if (slot >= 0) {
                if (!own.contains(slot)) {
                    own.add(slot);
                }
                slots[k] = slot;
                rows[k++] = i;
            }
        }
        if (k > 0) {
            write(java.util.Arrays.copyOf(slots, k), java.util.Arrays.copyOf(rows, k), batch, ids, logits,
                    experience);
        }
    }

    private static int largest(Map<Integer, List<Integer>> byClass) {
        int best = -1;
        int bestSize = -1;
        for (Map.Entry<Integer, List<Integer>> e : byClass.entrySet()) {
            if (e.getValue().size() > bestSize) {
                best = e.getKey();
                bestSize = e.getValue().size();
            }
        }
        return best;
    }

    private Map<Integer, List<Integer>> slotsByClass() {
        Map<Integer, List<Integer>> m = new HashMap<>();
        for (int s = 0; s < size(); s++) {
            m.computeIfAbsent(classAt(s), x -> new ArrayList<>()).add(s);
        }
        return m;
    }

    @Override
    public void consolidate(Experience experience, ContinualModel model, Random rng) {
        if (selection == null) {
            return;
        }
        TreeSet<Integer> all = new TreeSet<>(countsPerClass().keySet());
        for (int c : experience.classArray()) {
            all.add(c);
        }
        Map<Integer, Integer> quota = quotas(all);
        if (perClass > 0) {
            setCapacity(Math.max(capacity(), perClass * all.size()));
        }
        shrinkTo(quota);
        ClassSelector sel = new ClassSelector(experience, selection, model);
        for (int c : experience.classArray()) {
            int have = countsPerClass().getOrDefault(c, 0);
            MultiDataSet picked = sel.select(c, quota.get(c) - have, rng);
            if (picked != null) {
                append(picked, experience.index());
            }
        }
    }

    private Map<Integer, Integer> quotas(TreeSet<Integer> classes) {
        Map<Integer, Integer> q = new HashMap<>();
        int[] s = ClassSelector.shares(perClass > 0 ? perClass * classes.size() : capacity(), classes.size());
        int i = 0;
        for (int c : classes) {
            q.put(c, s[i++]);
        }
        return q;
    }

    private void shrinkTo(Map<Integer, Integer> quota) {
        Map<Integer, Integer> kept = new HashMap<>();
        List<Integer> keep = new ArrayList<>();
        for (int s = 0; s < size(); s++) {
            int c = classAt(s);
            int k = kept.getOrDefault(c, 0);
            if (k < quota.getOrDefault(c, 0)) {
                keep.add(s);
                kept.put(c, k + 1);
            }
        }
        retain(keep.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    protected java.io.Serializable extraState() {
        return new HashMap<>(seenPerClass);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected void restoreExtraState(java.io.Serializable extra) {
        seenPerClass.clear();
        seenPerClass.putAll((Map<Integer, Long>) extra);
    }

    @Override
    public void resize(int newCapacity) {
        if (perClass > 0) {
            throw new IllegalStateException("A buffer with a fixed budget per class (" + perClass
                    + ") grows with the classes; it cannot be resized to " + newCapacity);
        }
        if (newCapacity < size()) {
            shrinkTo(quotas(new TreeSet<>(countsPerClass().keySet()), newCapacity));
        }
        setCapacity(newCapacity);
    }

    private Map<Integer, Integer> quotas(TreeSet<Integer> classes, int total) {
        Map<Integer, Integer> q = new HashMap<>();
        int[] s = ClassSelector.shares(total, Math.max(1, classes.size()));
        int i = 0;
        for (int c : classes) {
            q.put(c, s[i++]);
        }
        return q;
    }

    /** @return the configured total budget (0 with a per-class budget) */
    int totalBudget() {
        return perClass > 0 ? 0 : totalBudget;
    }
}
