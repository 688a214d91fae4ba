package io.github.dl4jcontinual.arbiter.spaces;

import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An Arbiter {@link ParameterSpace} over {@link ContinualConfiguration}s: epochs per experience, batch size, the
 * strategy (a list of plugin configurations; the empty list is Naive) and the head policy, each a fixed value
 * or an Arbiter space. Candidate generators ({@code RandomSearchGenerator}, {@code GridSearchCandidateGenerator})
 * assign indices to the leaves; {@link #getValue(double[])} then builds a validated configuration. Strategy
 * hyper-parameters are searched with {@link PluginSpace} (one strategy) or {@link StrategySpace} (a choice of
 * strategies). Round-trips through Arbiter's JSON. Give single values as {@code FixedValue}, not as a one-value
 * {@code DiscreteParameterSpace}: Arbiter 1.0.0-beta7's grid search gives such a leaf no value of its own, which
 * shifts the values of the leaves after it.
 */
public class ContinualConfigurationSpace extends CompositeSpace<ContinualConfiguration> {
    private ParameterSpace<Integer> epochsPerExperience;
    private ParameterSpace<Integer> batchSize;
    private ParameterSpace<List<PluginConfiguration>> strategy;
    private ParameterSpace<HeadPolicy> headPolicy;
    private long seed;

    private ContinualConfigurationSpace() {
        // for Jackson
    }

    private ContinualConfigurationSpace(Builder b) {
        this.epochsPerExperience = b.epochs;
        this.batchSize = b.batch;
        this.strategy = b.strategy;
        this.headPolicy = b.head;
        this.seed = b.seed;
    }

    @Override
    public ContinualConfiguration getValue(double[] values) {
        ContinualConfiguration.Builder b = new ContinualConfiguration.Builder()
                .epochsPerExperience(epochsPerExperience.getValue(values)).batchSize(batchSize.getValue(values))
                .headPolicy(headPolicy.getValue(values)).seed(seed).progress(false);
        for (PluginConfiguration p : strategy.getValue(values)) {
            b.plugin(p);
        }
        return b.build();
    }



    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        Map<String, ParameterSpace> m = new LinkedHashMap<>();
        m.put("epochsPerExperience", epochsPerExperience);
        m.put("batchSize", batchSize);
        m.put("strategy", strategy);
        m.put("headPolicy", headPolicy);
        return m;
    }



    /** Builder; every unset dimension is fixed at the {@link ContinualConfiguration} default. */
    public static final class Builder {
        private ParameterSpace<Integer> epochs = new FixedValue<>(1);
        private ParameterSpace<Integer> batch = new FixedValue<>(32);
        private ParameterSpace<List<PluginConfiguration>> strategy = new FixedValue<>(List.of());
        private ParameterSpace<HeadPolicy> head = new FixedValue<>(HeadPolicy.FIXED);
        private long seed = 42;

        /**
         * @param space epochs per experience
         * @return this builder
         */
        public Builder epochsPerExperience(ParameterSpace<Integer> space) {
            this.epochs = Objects.requireNonNull(space, "space");
            return this;
        }

        /**
         * @param space training batch size
         * @return this builder
         */
        public Builder batchSize(ParameterSpace<Integer> space) {
            this.batch = Objects.requireNonNull(space, "space");
            return this;
        }

        /**
         * @param space the strategy as a list of plugin configurations (empty = Naive)
         * @return this builder
         */
        public Builder strategy(ParameterSpace<List<PluginConfiguration>> space) {
            this.strategy = Objects.requireNonNull(space, "space");
            return this;
        }

        /**
         * @param space head policy
         * @return this builder
         */
        public Builder headPolicy(ParameterSpace<HeadPolicy> space) {
            this.head = Objects.requireNonNull(space, "space");
            return this;
        }

        /**
         * @param seed the seed every candidate uses (so candidates differ only in the searched values)
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** @return the space */
        public ContinualConfigurationSpace build() {
            return new ContinualConfigurationSpace(this);
        }
    }
}
