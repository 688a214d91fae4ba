package io.github.dl4jcontinual.serde;

import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.Serializable;

/**
 * Base of the project's immutable configurations that round-trip through {@link ContinualJson}: {@link #toJson()},
 * {@link #equals(Object)}, {@link #hashCode()} and {@link #toString()} are defined once from the JSON form. Two
 * configurations are equal exactly when they are of the same class and their JSON trees are equal, which is the
 * round-trip contract ({@code fromJson(c.toJson()).equals(c)}). A subclass keeps only its fields (mapped by
 * Jackson through their names), getters, builder and runtime; it needs a no-argument constructor for Jackson.
 */
public abstract class JsonConfiguration implements Serializable {
    private static final long serialVersionUID = 1L;

    /** For Jackson and the subclasses' builders. */
    protected JsonConfiguration() {
    }

    /** @return this configuration as JSON (with the {@code @class} property where the type is polymorphic) */
    public String toJson() {
        return ContinualJson.toJson(this);
    }

    /** @return a deep copy of this configuration, made through its JSON */
    protected JsonConfiguration copy() {
        return ContinualJson.fromJson(toJson(), getClass());
    }

    private JsonNode tree() {
        return ContinualJson.mapper().valueToTree(this);
    }

    /** @return whether {@code o} is a configuration of the same class with the same JSON */
    @Override
    public boolean equals(Object o) {
        return o == this || o != null && o.getClass() == getClass() && tree().equals(((JsonConfiguration) o).tree());
    }

    /** @return the hash of the JSON tree */
    @Override
    public int hashCode() {
        return tree().hashCode();
    }

    /** @return the simple class name followed by the JSON without white space */
    @Override
    public String toString() {
        return getClass().getSimpleName() + toJson().replaceAll("\\s+", "");
    }

    /**
     * Base of the configurations' builders: setters write into the configuration under construction, which
     * {@link #build()} copies (so that a builder can go on and build again), after the cross-field checks that a
     * subclass adds by overriding {@link #build()}.
     *
     * @param <C> the configuration
     */
    public abstract static class Builder<C extends JsonConfiguration> {
        /** The configuration under construction. */
        protected C c;

        /** @param start the configuration to start from (the defaults, or a copy of a configuration) */
        protected Builder(C start) {
            this.c = start;
        }

        /** @return a new configuration with this builder's settings */
        @SuppressWarnings("unchecked")
        public C build() {
            return (C) c.copy();
        }

        /**
         * @param name  the setting's name, for the message
         * @param value its value
         * @return {@code value}
         * @throws IllegalArgumentException if it is not more than 0 and finite
         */
        protected static double requirePositive(String name, double value) {
            if (!(value > 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException(name + " should be > 0 and finite (got: " + value + ")");
            }
            return value;
        }

        /**
         * @param name  the setting's name, for the message
         * @param value its value
         * @return {@code value}
         * @throws IllegalArgumentException if it is not at least 0 and finite
         */
        protected static double requireNonNegative(String name, double value) {
            if (!(value >= 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException(name + " should be >= 0 and finite (got: " + value + ")");
            }
            return value;
        }

        /**
         * @param name  the setting's name, for the message
         * @param value its value
         * @param min   the smallest value allowed
         * @return {@code value}
         * @throws IllegalArgumentException if it is less than {@code min}
         */
        protected static int requireAtLeast(String name, int value, int min) {
            if (value < min) {
                throw new IllegalArgumentException(name + " should be >= " + min + " (got: " + value + ")");
            }
            return value;
        }
    }
}
