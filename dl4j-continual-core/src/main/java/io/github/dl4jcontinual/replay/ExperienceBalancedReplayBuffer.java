package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.model.ContinualModel;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;

/**
 * An equal share of a fixed total budget per experience seen ({@code capacity / #experiences}), filled at the end
 * of each experience ({@link #consolidate}) by a selection policy applied per class of the experience (the share
 * split equally among its classes, interleaved so that any prefix stays class-balanced). Older experiences shrink
 * by truncating their ranking when a new one arrives. Used by A-GEM's episodic memory.
 */
public class ExperienceBalancedReplayBuffer extends ReplayBuffer {
    private final SelectionPolicy selection;

    /**
     * @param capacity  the total budget, ≥ 0
     * @param selection the policy ranking each class's examples
     */
    public ExperienceBalancedReplayBuffer(int capacity, SelectionPolicy selection) {
        super(capacity, false);
        this.selection = java.util.Objects.requireNonNull(selection, "selection");
    }

    @Override
    public void consolidate(Experience experience, ContinualModel model, Random rng) {
        TreeSet<Integer> exps = new TreeSet<>(countsPerExperience().keySet());
        exps.add(experience.index());
        Map<Integer, Integer> quota = quotas(exps, capacity());
        shrinkTo(quota);
        ClassSelector sel = new ClassSelector(experience, selection, model);
        int[] classes = experience.classArray();
        int[] shares = ClassSelector.shares(quota.get(experience.index()), classes.length);
        List<org.nd4j.linalg.dataset.api.MultiDataSet> ranked = new ArrayList<>();
        int total = 0;
        int longest = 0;
        for (int i = 0; i < classes.length; i++) {
            org.nd4j.linalg.dataset.api.MultiDataSet r = sel.select(classes[i], shares[i], rng);
            ranked.add(r);
            int n = r == null ? 0 : io.github.dl4jcontinual.data.Batches.size(r);
            total += n;
            longest = Math.max(longest, n);
        }
        // round-robin over the classes in rank order, so a later shrink keeps every class's best exemplars
        org.nd4j.linalg.dataset.api.MultiDataSet all = null;
        List<int[]> offsets = new ArrayList<>();
        int at = 0;
        for (org.nd4j.linalg.dataset.api.MultiDataSet r : ranked) {
            int n = r == null ? 0 : io.github.dl4jcontinual.data.Batches.size(r);
            offsets.add(new int[]{at, n});
            at += n;
            if (r != null) {
                all = all == null ? r : io.github.dl4jcontinual.data.Batches.concat(all, r);
            }
        }
        if (all == null) {
            return;
        }
        int[] order = new int[total];
        int k = 0;
        for (int pos = 0; pos < longest; pos++) {
            for (int[] o : offsets) {
                if (pos < o[1]) {
                    order[k++] = o[0] + pos;
                }
            }
        }
        append(io.github.dl4jcontinual.data.Batches.rows(all, order), experience.index());
    }

    private static Map<Integer, Integer> quotas(TreeSet<Integer> exps, int total) {
        Map<Integer, Integer> q = new HashMap<>();
        int[] s = ClassSelector.shares(total, Math.max(1, exps.size()));
        int i = 0;
        for (int e : exps) {
            q.put(e, s[i++]);
        }
        return q;
    }

    private void shrinkTo(Map<Integer, Integer> quota) {
        Map<Integer, Integer> kept = new HashMap<>();
        List<Integer> keep = new ArrayList<>();
        for (int s = 0; s < size(); s++) {
            int e = experienceAt(s);
            int k = kept.getOrDefault(e, 0);
            if (k < quota.getOrDefault(e, 0)) {
                keep.add(s);
                kept.put(e, k + 1);
            }
        }
        retain(keep.stream().mapToInt(Integer::intValue).toArray());
    }

    @Override
    public void resize(int newCapacity) {
        if (newCapacity < size()) {
            shrinkTo(quotas(new TreeSet<>(countsPerExperience().keySet()), newCapacity));
        }
        setCapacity(newCapacity);
    }
}
