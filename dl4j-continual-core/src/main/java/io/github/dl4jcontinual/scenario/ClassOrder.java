package io.github.dl4jcontinual.scenario;

import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The order in which classes arrive: natural (ascending ids), fixed (given by the user) or random with a seed.
 * Immutable and serialisable.
 */
public final class ClassOrder implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] fixed;
    private final Long seed;

    @JsonCreator
    private ClassOrder(@JsonProperty("fixed") int[] fixed, @JsonProperty("seed") Long seed) {
        this.fixed = fixed == null ? null : fixed.clone();
        this.seed = seed;
    }

    /** @return ascending class ids */
    public static ClassOrder natural() {
        return new ClassOrder(null, null);
    }

    /**
     * @param order a permutation of the dataset's class ids
     * @return that order
     */
    public static ClassOrder fixed(int... order) {
        if (order == null || order.length == 0) {
            throw new IllegalArgumentException("A fixed class order needs at least one class id");
        }
        return new ClassOrder(order, null);
    }

    /**
     * @param seed seed of the shuffle ({@link Collections#shuffle(List, Random)} over the ascending ids)
     * @return a seeded random order
     */
    public static ClassOrder random(long seed) {
        return new ClassOrder(null, seed);
    }

    /** @return the fixed order, or {@code null} if not fixed */
    @JsonProperty("fixed")
    public int[] getFixed() {
        return fixed == null ? null : fixed.clone();
    }

    /** @return the seed, or {@code null} if not random */
    @JsonProperty("seed")
    public Long getSeed() {
        return seed;
    }

    /**
     * Applies the order to the classes present in a dataset.
     *
     * @param present ascending class ids that have examples
     * @param width   the label width (class ids must be below it)
     * @return the class ids in arrival order
     * @throws IllegalArgumentException if a fixed order names an id out of range, twice, or without examples,
     *                                  or leaves out a class that has examples
     */
    public int[] apply(int[] present, int width) {
        if (fixed != null) {
            boolean[] seen = new boolean[width];
            for (int c : fixed) {
                if (c < 0 || c >= width) {
                    throw new IllegalArgumentException("Class id " + c + " in the class order is out of range [0, "
                            + width + ")");
                }
                if (seen[c]) {
                    throw new IllegalArgumentException("Class id " + c + " appears twice in the class order "
                            + Arrays.toString(fixed));
                }
                seen[c] = true;
                if (Arrays.binarySearch(present, c) < 0) {
                    throw new IllegalArgumentException("Class id " + c + " in the class order has no training "
                            + "examples (classes present: " + Arrays.toString(present) + ")");
                }
            }
            for (int c : present) {
                if (!seen[c]) {
                    throw new IllegalArgumentException("Class " + c + " has examples but is missing from the class "
                            + "order " + Arrays.toString(fixed) + "; its examples would be dropped");
                }
            }
            return fixed.clone();
        }
        List<Integer> ids = new ArrayList<>();
        for (int c : present) {
            ids.add(c);
        }
        if (seed != null) {
            Collections.shuffle(ids, new Random(seed));
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof ClassOrder)) {
            return false;
        }
        ClassOrder other = (ClassOrder) o;
        return Arrays.equals(fixed, other.fixed) && java.util.Objects.equals(seed, other.seed);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(fixed) + java.util.Objects.hashCode(seed);
    }

    @Override
    public String toString() {
        return fixed != null ? "fixed" + Arrays.toString(fixed) : seed != null ? "random(seed=" + seed + ")" : "natural";
    }
}
