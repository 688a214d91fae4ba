package io.github.dl4jcontinual.plugin.impl;

import io.github.dl4jcontinual.serde.JsonConfiguration;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.ArrayList;
import java.util.List;

/**
 * Cumulative baseline: at experience i the model is trained on the union of the training data of experiences
 * 0..i (an upper bound for rehearsal with an unlimited buffer). The plugin replaces the training data, so it
 * should come first among data-adapting plugins. With {@code onlyLastExperience}, it is the Joint baseline.
 */
public class CumulativeTraining extends JsonConfiguration implements PluginConfiguration {
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

    /** The runtime side: remembers the experiences it has passed and trains on their union (read from the sources). */
    static final class Runtime implements ContinualPlugin {
        private final boolean onlyLast;
        private final List<Experience> seen = new ArrayList<>();

        Runtime(boolean onlyLast) {
            this.onlyLast = onlyLast;
        }

        @Override
        public void onStreamStart(ContinualContext ctx) {
            if (onlyLast && ctx.numExperiences() < 0) {
                throw new IllegalStateException("JointTraining trains once, at the last experience, so it needs to know "
                        + "the stream's length: use fit(scenario), not learn(experience) one at a time");
            }
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
        public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                      MultiDataSetIterator data) {
            if (seen.size() == 1) {
                return data;
            }
            return ctx.trainingIterator(Experience.union(seen));
        }

        /** The positions of the experiences seen so far (their examples stay in their sources). */
        @Override
        public java.io.Serializable saveState() {
            return seen.stream().mapToInt(Experience::index).toArray();
        }

        /** Takes the experiences seen before back from the trainer ({@link ContinualContext#trainExperience}). */
        @Override
        public void restoreState(ContinualContext ctx, java.io.Serializable state) {
            if (!(state instanceof int[])) {
                throw new IllegalArgumentException("Expected the experience positions of a cumulative plugin (got: "
                        + (state == null ? null : state.getClass().getName()) + ")");
            }
            seen.clear();
            for (int i : (int[]) state) {
                seen.add(ctx.trainExperience(i));
            }
        }
    }
}
