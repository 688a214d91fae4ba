package io.github.dl4jcontinual.eval;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link io.github.dl4jcontinual.plugin.StreamMetric} measured after one experience: for each named row, the
 * number of correct (or hit) test examples per test experience (-1 where undefined) and, optionally, the number of
 * examples counted (by default each test experience's size); plus named scalars. Mutable while the metric fills it;
 * the trainer copies it.
 */
public final class MetricRow {
    private final Map<String, long[]> correct = new LinkedHashMap<>();
    private final Map<String, long[]> totals = new LinkedHashMap<>();
    private final Map<String, Double> scalars = new LinkedHashMap<>();

    /**
     * @param name    the row's name (e.g. "class_il")
     * @param correct correct counts per test experience, -1 where undefined
     * @return this row
     */
    public MetricRow put(String name, long[] correct) {
        this.correct.put(name, correct.clone());
        return this;
    }

    /**
     * @param name    the row's name
     * @param correct correct counts per test experience, -1 where undefined
     * @param totals  examples counted per test experience
     * @return this row
     */
    public MetricRow put(String name, long[] correct, long[] totals) {
        if (correct.length != totals.length) {
            throw new IllegalArgumentException("Row " + name + ": " + correct.length + " counts but " + totals.length
                    + " totals");
        }
        this.correct.put(name, correct.clone());
        this.totals.put(name, totals.clone());
        return this;
    }

    /**
     * @param name  a scalar's name (e.g. "task_prediction_accuracy")
     * @param value its value
     * @return this row
     */
    public MetricRow scalar(String name, double value) {
        scalars.put(name, value);
        return this;
    }

    /**
     * @param n cells per row wanted, at least the current number
     * @return this row when its rows have {@code n} cells already, else a copy whose rows have {@code n} cells, the
     *         added ones undefined (-1 correct, 0 counted); used for evaluations of a prefix of the test stream
     * @throws IllegalArgumentException if a row has more than {@code n} cells
     */
    public MetricRow padTo(int n) {
        boolean same = true;
        for (long[] c : correct.values()) {
            if (c.length > n) {
                throw new IllegalArgumentException("A row has " + c.length + " cells, more than the " + n
                        + " test experiences of the stream");
            }
            same &= c.length == n;
        }
        if (same) {
            return this;
        }
        MetricRow p = new MetricRow();
        for (Map.Entry<String, long[]> e : correct.entrySet()) {
            long[] c = Arrays.copyOf(e.getValue(), n);
            Arrays.fill(c, e.getValue().length, n, -1);
            long[] t = totals.get(e.getKey());
            if (t == null) {
                p.correct.put(e.getKey(), c);
            } else {
                p.put(e.getKey(), c, Arrays.copyOf(t, n));
            }
        }
        p.scalars.putAll(scalars);
        return p;
    }

    /** @return the rows' correct counts by name */
    public Map<String, long[]> correct() {
        return Collections.unmodifiableMap(correct);
    }

    /**
     * @param name a row
     * @return its totals, or null for the test experiences' sizes
     */
    public long[] totals(String name) {
        return totals.get(name);
    }

    /** @return the scalars by name */
    public Map<String, Double> scalars() {
        return Collections.unmodifiableMap(scalars);
    }
}
