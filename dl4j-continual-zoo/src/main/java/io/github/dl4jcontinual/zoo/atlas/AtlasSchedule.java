package io.github.dl4jcontinual.zoo.atlas;

import org.nd4j.linalg.schedule.ISchedule;

import java.util.Objects;

/**
 * ATLAS's per-stage learning-rate schedule as an ND4J {@link ISchedule} (JSON-serialisable with the network): over a
 * stage of {@code total} updates (iteration 0 = the stage's first), a linear warm-up over
 * {@code ceil(warmupFraction·total)} updates to {@code value}, then linear decay to 0:
 * {@code value·(i+1)/warm} for {@code i < warm}, else {@code value·max(0, (total − i)/max(1, total − warm))}.
 */
public final class AtlasSchedule implements ISchedule {
    private double value;
    private long total;
    private double warmupFraction;

    /** For JSON. */
    public AtlasSchedule() {
    }

    /**
     * @param value          the peak learning rate, > 0
     * @param total          updates of the stage, > 0
     * @param warmupFraction fraction of them in warm-up, in [0, 1)
     */
    public AtlasSchedule(double value, long total, double warmupFraction) {
        if (!(value > 0) || total <= 0 || !(warmupFraction >= 0 && warmupFraction < 1)) {
            throw new IllegalArgumentException("AtlasSchedule needs value > 0, total > 0 and warmupFraction in [0, 1) "
                    + "(got: " + value + ", " + total + ", " + warmupFraction + ")");
        }
        this.value = value;
        this.total = total;
        this.warmupFraction = warmupFraction;
    }

    /** The factor of update {@code step} (0-based) of a stage of {@code total} updates. */
    public static double factor(long step, long total, double warmupFraction) {
        long warm = (long) Math.ceil(warmupFraction * total);
        if (step < warm) {
            return (step + 1.0) / warm;
        }
        return Math.max(0.0, (double) (total - step) / Math.max(1, total - warm));
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        return value * factor(iteration, total, warmupFraction);
    }

    @Override
    public ISchedule clone() {
        return new AtlasSchedule(value, total, warmupFraction);
    }

    public double getValue() { return value; }
    public long getTotal() { return total; }
    public double getWarmupFraction() { return warmupFraction; }

    @Override
    public boolean equals(Object o) {
        return o instanceof AtlasSchedule && ((AtlasSchedule) o).value == value && ((AtlasSchedule) o).total == total
                && ((AtlasSchedule) o).warmupFraction == warmupFraction;
    }

    @Override
    public int hashCode() {
        return Objects.hash(value, total, warmupFraction);
    }

    @Override
    public String toString() {
        return "AtlasSchedule(" + value + ", " + total + " updates, warm-up " + warmupFraction + ")";
    }
}
