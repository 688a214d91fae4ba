package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.api.Model;

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
    public void consolidate(Experience experience, Model model, Random rng) {
        TreeSet<Integer> exps = new TreeSet<>(countsPerExperience().keySet());
        exps.add(experience.index());
        Map<Integer, Integer> quota = quotas(exps, capacity());
        shrinkTo(quota);
        ClassSelector sel = new ClassSelector(experience.dataSet(), selection, model);
        int[] classes = experience.classArray();
        int[] shares = ClassSelector.shares(quota.get(experience.index()), classes.length);
        List<int[]> ranked = new ArrayList<>();
        int total = 0;
        for (int i = 0; i < classes.length; i++) {
            int[] r = sel.select(classes[i], shares[i], rng);
            ranked.add(r);
            total += r.length;
        }
        int[] rows = new int[total];
        int k = 0;
        for (int pos = 0; k < total; pos++) {
            for (int[] r : ranked) {
                if (pos < r.length) {
                    rows[k++] = r[pos];
                }
            }
        }
        int[] slots = new int[total];
        for (int i = 0; i < total; i++) {
            slots[i] = size() + i;
        }
        write(slots, rows, experience.dataSet().getFeatures(), sel.classIds(), null, experience.index());
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
