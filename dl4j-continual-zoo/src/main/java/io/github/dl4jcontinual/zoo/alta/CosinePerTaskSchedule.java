package io.github.dl4jcontinual.zoo.alta;

import org.nd4j.linalg.schedule.ISchedule;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Objects;

/**
 * An ND4J {@link ISchedule} that restarts a cosine every {@code epochsPerTask} epochs: at network epoch e,
 * {@code base · ½ (1 + cos(π · ((e − offset) mod E) / E))}, stepped per epoch (Dassl's per-epoch cosine, restarted
 * for every experience of E epochs). {@code offset} is the network's epoch count when ALTA's head was put in.
 * JSON-serialisable with the network's configuration. Immutable.
 */
public final class CosinePerTaskSchedule implements ISchedule {
    private static final long serialVersionUID = 1L;
    @JsonProperty
    private final double base;
    @JsonProperty
    private final int epochsPerTask;
    @JsonProperty
    private final int offset;

    /**
     * @param base          the rate at the start of every task, &gt; 0
     * @param epochsPerTask E, &ge; 1
     * @param offset        the network epoch at which the first task starts, &ge; 0
     */
    public CosinePerTaskSchedule(@JsonProperty("base") double base, @JsonProperty("epochsPerTask") int epochsPerTask,
                                 @JsonProperty("offset") int offset) {
        if (!(base > 0) || epochsPerTask < 1 || offset < 0) {
            throw new IllegalArgumentException("CosinePerTaskSchedule needs base > 0, epochsPerTask >= 1 and offset >= 0"
                    + " (got: " + base + ", " + epochsPerTask + ", " + offset + ")");
        }
        this.base = base;
        this.epochsPerTask = epochsPerTask;
        this.offset = offset;
    }

    @Override
    public double valueAt(int iteration, int epoch) {
        int e = Math.floorMod(epoch - offset, epochsPerTask);
        return base * 0.5 * (1 + Math.cos(Math.PI * e / epochsPerTask));
    }

    @Override
    public ISchedule clone() {
        return new CosinePerTaskSchedule(base, epochsPerTask, offset);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof CosinePerTaskSchedule)) {
            return false;
        }
        CosinePerTaskSchedule s = (CosinePerTaskSchedule) o;
        return Double.compare(base, s.base) == 0 && epochsPerTask == s.epochsPerTask && offset == s.offset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(base, epochsPerTask, offset);
    }

    @Override
    public String toString() {
        return "CosinePerTaskSchedule(base=" + base + ", E=" + epochsPerTask + ", offset=" + offset + ")";
    }
}
