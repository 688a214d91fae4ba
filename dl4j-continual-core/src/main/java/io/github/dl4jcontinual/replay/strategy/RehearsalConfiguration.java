package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;

import java.util.Objects;

/**
 * Common part of the rehearsal strategies' configurations: the buffer and the replay minibatch size. Subclasses
 * are immutable, JSON-serialisable through {@link ContinualJson} (as any {@link PluginConfiguration}) and compare
 * by value.
 */
public abstract class RehearsalConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;
    private BufferConfiguration buffer;
    private int replayBatch;

    /**
     * @param buffer      default buffer
     * @param replayBatch default replay minibatch size
     */
    protected RehearsalConfiguration(BufferConfiguration buffer, int replayBatch) {
        this.buffer = buffer;
        this.replayBatch = replayBatch;
    }

    /** @return the buffer configuration */
    public BufferConfiguration getBuffer() {
        return buffer;
    }

    /** @return the number of replayed examples per minibatch (A-GEM: the reference batch) */
    public int getReplayBatch() {
        return replayBatch;
    }

    /**
     * @param json JSON written by {@link #toJson()}
     * @return the configuration, of the class named in the JSON
     */
    public static RehearsalConfiguration fromJson(String json) {
        return (RehearsalConfiguration) ContinualJson.fromJson(json, PluginConfiguration.class);
    }

    @Override
    public String toString() {
        return name() + ContinualJson.toJson(this).replaceAll("\\s+", "");
    }

    /**
     * Base of the strategies' builders. A builder builds one configuration.
     *
     * @param <C> the configuration
     * @param <B> the builder
     */
    protected abstract static class Builder<C extends RehearsalConfiguration, B extends Builder<C, B>> {
        /** The configuration under construction. */
        protected C c;

        /** @param c a fresh configuration with the strategy's defaults */
        protected Builder(C c) {
            this.c = c;
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }

        /**
         * @param buffer the buffer configuration
         * @return this builder
         */
        public B buffer(BufferConfiguration buffer) {
            ((RehearsalConfiguration) c).buffer = Objects.requireNonNull(buffer, "buffer");
            return self();
        }

        /**
         * Shortcut: the same buffer type with another total budget.
         *
         * @param capacity the buffer size, &gt; 0
         * @return this builder
         */
        public B bufferSize(int capacity) {
            ((RehearsalConfiguration) c).buffer = c.getBuffer().toBuilder().capacity(capacity).build();
            return self();
        }

        /**
         * @param n replayed examples per minibatch, &gt; 0
         * @return this builder
         */
        public B replayBatch(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("replayBatch should be > 0 (got: " + n + ")");
            }
            ((RehearsalConfiguration) c).replayBatch = n;
            return self();
        }

        /**
         * @return the configuration
         * @throws IllegalStateException if this builder was already used
         */
        public C build() {
            if (c == null) {
                throw new IllegalStateException("This builder has already built its configuration");
            }
            C r = c;
            c = null;
            return r;
        }
    }
}
