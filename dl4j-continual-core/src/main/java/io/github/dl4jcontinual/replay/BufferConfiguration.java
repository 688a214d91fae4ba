package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;

import java.util.Objects;

/**
 * Immutable, JSON-serialisable description of a replay buffer: its {@link Type}, budget (a fixed total
 * {@code capacity} or, for class-balanced buffers, a fixed {@code perClass} budget) and selection policy.
 *
 * <pre>{@code
 * BufferConfiguration reservoir = new BufferConfiguration.Builder().capacity(500).build();
 * BufferConfiguration herding = new BufferConfiguration.Builder().type(Type.CLASS_BALANCED).perClass(20)
 *         .selection(new HerdingSelection()).build();
 * }</pre>
 */
public final class BufferConfiguration extends JsonConfiguration {
    private static final long serialVersionUID = 1L;

    /** How many examples of each group the buffer keeps. */
    public enum Type {
        /** Online reservoir sampling over the whole stream ({@link ReservoirReplayBuffer}). */
        RESERVOIR,
        /** Equal share per class ({@link ClassBalancedReplayBuffer}): online without a selection policy. */
        CLASS_BALANCED,
        /** Equal share per experience, chosen at its end ({@link ExperienceBalancedReplayBuffer}). */
        EXPERIENCE_BALANCED,
        /** Online greedy gradient-based sample selection, GSS-Greedy ({@link GssReplayBuffer}). */
        GSS
    }

    private Type type = Type.RESERVOIR;
    private int capacity = 500;
    private int perClass;
    private SelectionPolicy selection;
    private int candidates = 10;

    private BufferConfiguration() {
    }

    /** @return the buffer type */
    public Type getType() {
        return type;
    }

    /** @return the total budget (unused with a per-class budget) */
    public int getCapacity() {
        return capacity;
    }

    /** @return the budget per class, 0 for a fixed total */
    public int getPerClass() {
        return perClass;
    }

    /** @return the selection policy, or null (reservoir; online class-balanced) */
    public SelectionPolicy getSelection() {
        return selection;
    }

    /** @return GSS only: stored examples whose gradients each minibatch is compared with (default 10) */
    public int getCandidates() {
        return candidates;
    }

    /**
     * @return whether the buffer fills online, minibatch by minibatch, with nothing chosen at the end of an
     *         experience: a reservoir, a GSS buffer, or a class-balanced buffer without a selection policy (so a
     *         strategy over it can run boundary-free)
     */
    public boolean isOnline() {
        return type == Type.RESERVOIR || type == Type.GSS || type == Type.CLASS_BALANCED && selection == null;
    }

    /**
     * Creates an empty buffer.
     *
     * @param storeLogits whether the buffer must keep the model's logits (DER); only online buffers can
     * @return a new buffer
     * @throws IllegalArgumentException if logits are asked of a selection-based buffer
     */
    public ReplayBuffer build(boolean storeLogits) {
        switch (type) {
            case RESERVOIR:
                return new ReservoirReplayBuffer(capacity, storeLogits);
            case CLASS_BALANCED:
                return new ClassBalancedReplayBuffer(capacity, perClass, selection, storeLogits);
            case EXPERIENCE_BALANCED:
                if (storeLogits) {
                    throw new IllegalArgumentException("An EXPERIENCE_BALANCED buffer selects at the end of an "
                            + "experience and stores no logits; use RESERVOIR or online CLASS_BALANCED");
                }
                return new ExperienceBalancedReplayBuffer(capacity, selection);
            case GSS:
                return new GssReplayBuffer(capacity, candidates, storeLogits);
            default:
                throw new IllegalStateException(String.valueOf(type));
        }
    }

    /**
     * @param json JSON from {@link #toJson()}
     * @return the configuration
     */
    public static BufferConfiguration fromJson(String json) {
        return ContinualJson.fromJson(json, BufferConfiguration.class);
    }

    /** @return a builder initialised with this configuration */
    public Builder toBuilder() {
        return new Builder().type(type).capacity(capacity).perClass(perClass).selection(selection)
                .candidates(candidates);
    }

    @Override
    public String toString() {
        return type.name().toLowerCase(java.util.Locale.ROOT) + "(" + (perClass > 0 ? perClass + "/class" : capacity)
                + (selection == null ? "" : ", " + selection) + (type == Type.GSS ? ", " + candidates + " candidates" : "")
                + ")";
    }

    /** Builder; defaults: reservoir of 500. */
    public static final class Builder extends JsonConfiguration.Builder<BufferConfiguration> {
        /** Starts from the defaults. */
        public Builder() {
            super(new BufferConfiguration());
        }

        /**
         * @param type the buffer type
         * @return this builder
         */
        public Builder type(Type type) {
            c.type = Objects.requireNonNull(type, "type");
            return this;
        }

        /**
         * @param capacity total budget, ≥ 1
         * @return this builder
         */
        public Builder capacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("capacity should be > 0 (got: " + capacity + ")");
            }
            c.capacity = capacity;
            return this;
        }

        /**
         * @param perClass budget per class (CLASS_BALANCED only), ≥ 0; 0 means a fixed total budget
         * @return this builder
         */
        public Builder perClass(int perClass) {
            c.perClass = requireAtLeast("perClass", perClass, 0);
            return this;
        }

        /**
         * @param selection the selection policy (CLASS_BALANCED, EXPERIENCE_BALANCED), or null
         * @return this builder
         */
        public Builder selection(SelectionPolicy selection) {
            c.selection = selection;
            return this;
        }

        /**
         * @param candidates GSS: stored examples drawn per minibatch whose single-example gradients it is compared
         *                   with (the GSS paper's n, Mammoth's {@code gss_minibatch_size}), &gt; 0
         * @return this builder
         */
        public Builder candidates(int candidates) {
            c.candidates = requireAtLeast("candidates", candidates, 1);
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalArgumentException for inconsistent settings, naming them
         */
        public BufferConfiguration build() {
            if (c.perClass > 0 && c.type != Type.CLASS_BALANCED) {
                throw new IllegalArgumentException("perClass (" + c.perClass + ") needs type CLASS_BALANCED (got: "
                        + c.type + ")");
            }
            if (c.selection != null && (c.type == Type.RESERVOIR || c.type == Type.GSS)) {
                throw new IllegalArgumentException("A " + c.type + " buffer takes no selection policy (got: "
                        + c.selection + "); use CLASS_BALANCED or EXPERIENCE_BALANCED");
            }
            if (c.selection == null && c.type == Type.EXPERIENCE_BALANCED) {
                throw new IllegalArgumentException("An EXPERIENCE_BALANCED buffer needs a selection policy, e.g. "
                        + "new RandomSelection()");
            }
            return super.build();
        }
    }
}
