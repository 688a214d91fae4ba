package io.github.dl4jcontinual.plugin.impl;

import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.ArrayList;
import java.util.List;

/**
 * Cumulative baseline: at experience i the model is trained on the union of the training data of experiences
 * 0..i (an upper bound for rehearsal with an unlimited buffer). The plugin replaces the training data, so it
 * should come first among data-adapting plugins. With {@code onlyLastExperience}, it is the Joint baseline.
 */
public class CumulativeTraining implements PluginConfiguration {
    private static final long serialVersionUID = 1L;

    /** {@inheritDoc} */
    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(false);
    }

    @Override
    public String name() {
        return "cumulative";
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }

    /** The runtime side: remembers the experiences it has passed and trains on their union. */
    static final class Runtime implements ContinualPlugin {
        private final boolean onlyLast;
        private final List<Experience> seen = new ArrayList<>();

        Runtime(boolean onlyLast) {
            this.onlyLast = onlyLast;
        }

        @Override
        public void beforeExperience(ContinualContext ctx, Experience experience) {
            seen.add(experience);
        }

        @Override
        public boolean trainsOn(ContinualContext ctx, Experience experience) {
            return !onlyLast || ctx.experienceIndex() == ctx.numExperiences() - 1;
        }

        @Override
        public DataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience, DataSetIterator data) {
            if (seen.size() == 1) {
                return data;
            }
            List<DataSet> parts = new ArrayList<>();
            for (Experience e : seen) {
                parts.add(e.dataSet());
            }
            return ctx.trainingIterator(DataSet.merge(parts));
        }
    }
}
