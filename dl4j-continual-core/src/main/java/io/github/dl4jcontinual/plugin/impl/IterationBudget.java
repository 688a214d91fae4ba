package io.github.dl4jcontinual.plugin.impl;

import io.github.dl4jcontinual.data.DelegatingMultiDataSetIterator;
import io.github.dl4jcontinual.serde.JsonConfiguration;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;


/**
 * Trains a fixed number of minibatches per experience (van de Ven's "2000 iterations per task") instead of
 * whole epochs: the training iterator is wrapped so that one epoch yields exactly {@code iterations}
 * minibatches, restarting (and so reshuffling) the previous plugin's iterator whenever it runs out. Use it with
 * {@code epochsPerExperience(1)} and register it after the plugins that adapt the training data. Immutable;
 * JSON round-trips.
 */
public final class IterationBudget extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;
    private int iterations;

    private IterationBudget() {
        // for Jackson
    }

    /**
     * @param iterations minibatches per experience, at least 1
     */
    public IterationBudget(int iterations) {
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations should be >= 1 (got: " + iterations + ")");
        }
        this.iterations = iterations;
    }

    /** @return minibatches per experience */
    public int getIterations() {
        return iterations;
    }

    /** {@inheritDoc} */
    @Override
    public ContinualPlugin instantiate() {
        return new ContinualPlugin() {
            @Override
            public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                          MultiDataSetIterator data) {
                return new Budgeted(data, iterations);
            }

            @Override
            public java.io.Serializable saveState() {
                return null;
            }
        };
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "iterations" + iterations;
    }

    /**
     * An iterator that yields exactly {@code n} minibatches per epoch (until {@link #reset()}), cycling over its
     * delegate and resetting it when it runs out. Not async-capable; single-threaded.
     */
    public static final class Budgeted extends DelegatingMultiDataSetIterator {
        private static final long serialVersionUID = 1L;
        private final int n;
        private int done;

        /**
         * @param in the delegate (must support reset)
         * @param n  minibatches per epoch, at least 1
         */
        public Budgeted(MultiDataSetIterator in, int n) {
            super(in);
            if (n < 1) {
                throw new IllegalArgumentException("n should be >= 1 (got: " + n + ")");
            }
            this.n = n;
        }

        @Override
        public MultiDataSet next(int num) {
            throw new UnsupportedOperationException("next(num) is not supported");
        }

        @Override
        public MultiDataSet next() {
            if (!hasNext()) {
                throw new java.util.NoSuchElementException("budget of " + n + " minibatches used; call reset()");
            }
            if (!data.hasNext()) {
                data.reset();
            }
            done++;
            return data.next();
        }

        @Override
        public boolean hasNext() {
            return done < n;
        }

        @Override
        public boolean resetSupported() {
            return true;
        }

        @Override
        public void reset() {
            done = 0;
            data.reset();
        }
    }
}
