package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;

import org.nd4j.shade.jackson.annotation.JsonInclude;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Configuration of a {@link ContinualTrainer}: epochs and batch size per experience, seed, head policy,
 * evaluation masking and the plugins (in execution order). Immutable after {@link Builder#build()};
 * {@link #toJson()}/{@link #fromJson(String)} round-trip it (plugins are tagged with {@code @class}); plugin
 * configurations must therefore be JSON-serialisable, which {@link Builder#build()} checks.
 */
public final class ContinualConfiguration extends JsonConfiguration {
    private static final long serialVersionUID = 1L;

    private int epochsPerExperience = 1;
    private int batchSize = 32;
    private int evalBatchSize = 1000;
    private long seed = 42;
    private HeadPolicy headPolicy = HeadPolicy.FIXED;
    private boolean maskUnseenClasses = true;
    private boolean shuffle = true;
    private boolean progress = true;
    private int nativeThreads;
    private TestScope testScope = TestScope.ALL;
    private List<PluginConfiguration> plugins = new ArrayList<>();
    /** Omitted from the JSON when false, so that configurations written before it existed read back equal. */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    private boolean boundaryFree;
    /** Omitted from the JSON when 0 (off). */
    @JsonInclude(JsonInclude.Include.NON_DEFAULT)
    private int anytimeEvaluationEvery;

    private ContinualConfiguration() {
        // for Jackson and the builder
    }

    /** @return epochs of training per experience */
    public int getEpochsPerExperience() {
        return epochsPerExperience;
    }

    /** @return training minibatch size */
    public int getBatchSize() {
        return batchSize;
    }

    /** @return minibatch size of evaluation */
    public int getEvalBatchSize() {
        return evalBatchSize;
    }

    /** @return the seed of every random choice of the trainer (shuffling, plugins, ND4J's generator) */
    public long getSeed() {
        return seed;
    }

    /** @return the head policy */
    public HeadPolicy getHeadPolicy() {
        return headPolicy;
    }

    /**
     * @return whether class-IL evaluation restricts predictions to the classes seen so far (true), or uses every
     *         output of a fixed head (false, as Mammoth does). An expanding head only has seen classes anyway.
     */
    public boolean isMaskUnseenClasses() {
        return maskUnseenClasses;
    }

    /** @return whether training data is shuffled every epoch */
    public boolean isShuffle() {
        return shuffle;
    }

    /** @return whether a progress line is printed during training */
    public boolean isProgress() {
        return progress;
    }

    /**
     * @return native (OpenMP/BLAS) threads while training an experience: 0 auto (one thread for minibatches of at
     *         most 32 unless {@code OMP_NUM_THREADS} is set), -1 leave ND4J's setting, n &gt; 0 that many; CPU
     *         backend only, put back after each experience
     */
    public int getNativeThreads() {
        return nativeThreads;
    }

    /**
     * @return which test experiences are evaluated after each experience (default {@link TestScope#ALL}; cells
     *         outside the scope are undefined)
     */
    public TestScope getTestScope() {
        return testScope;
    }

    /**
     * @return whether the plugins learn without being told where experiences begin and end (the online setting): the
     *         trainer still trains the stream segment by segment and evaluates after each, but calls no
     *         {@code adaptModel}, {@code beforeExperience} or {@code afterExperience}, and refuses plugins whose
     *         {@link PluginConfiguration#boundaryFree()} is false
     */
    public boolean isBoundaryFree() {
        return boundaryFree;
    }

    /**
     * @return anytime evaluation: every this many training examples of the stream (replayed rows not counted) the
     *         test stream is scored on the classes seen so far, into {@code ContinualResult.anytime()}; 0 for none
     */
    public int getAnytimeEvaluationEvery() {
        return anytimeEvaluationEvery;
    }

    /** @return the plugin configurations in execution order */
    public List<PluginConfiguration> getPlugins() {
        return Collections.unmodifiableList(plugins);
    }

    /**
     * @param json output of {@link #toJson()}
     * @return the configuration
     */
    public static ContinualConfiguration fromJson(String json) {
        return ContinualJson.fromJson(json, ContinualConfiguration.class);
    }

    /** @return a builder initialised with this configuration */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.c = fromJson(toJson());
        return b;
    }

    @Override
    public String toString() {
        return "ContinualConfiguration" + toJson().replaceAll("\\s+", " ");
    }

    /** Builder in DL4J style: single-value checks in setters, cross-field checks in {@link #build()}. */
    public static final class Builder {
        private ContinualConfiguration c = new ContinualConfiguration();

        /**
         * @param n epochs per experience, &gt; 0 (default 1)
         * @return this builder
         */
        public Builder epochsPerExperience(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("epochsPerExperience should be > 0 (got: " + n + ")");
            }
            c.epochsPerExperience = n;
            return this;
        }

        /**
         * @param n training minibatch size, &gt; 0 (default 32)
         * @return this builder
         */
        public Builder batchSize(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("batchSize should be > 0 (got: " + n + ")");
            }
            c.batchSize = n;
            return this;
        }

        /**
         * @param n evaluation minibatch size, &gt; 0 (default 1000)
         * @return this builder
         */
        public Builder evalBatchSize(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("evalBatchSize should be > 0 (got: " + n + ")");
            }
            c.evalBatchSize = n;
            return this;
        }

        /**
         * @param seed seed of all random choices (default 42)
         * @return this builder
         */
        public Builder seed(long seed) {
            c.seed = seed;
            return this;
        }

        /**
         * @param policy head policy (default FIXED)
         * @return this builder
         */
        public Builder headPolicy(HeadPolicy policy) {
            c.headPolicy = Objects.requireNonNull(policy, "policy");
            return this;
        }

        /**
         * @param mask whether class-IL evaluation masks classes not seen yet (default true)
         * @return this builder
         */
        public Builder maskUnseenClasses(boolean mask) {
            c.maskUnseenClasses = mask;
            return this;
        }

        /**
         * @param shuffle whether to shuffle training data each epoch (default true)
         * @return this builder
         */
        public Builder shuffle(boolean shuffle) {
            c.shuffle = shuffle;
            return this;
        }

        /**
         * @param progress whether to print a progress line (default true)
         * @return this builder
         */
        public Builder progress(boolean progress) {
            c.progress = progress;
            return this;
        }

        /**
         * @param n native (OpenMP/BLAS) threads while training: 0 auto (default: one thread for training minibatches
         *          of at most 32 when {@code OMP_NUM_THREADS} is not set, the fastest choice measured at batch 10),
         *          -1 leave ND4J's setting, n &gt; 0 that many; CPU backend only
         * @return this builder
         */
        public Builder nativeThreads(int n) {
            if (n < -1) {
                throw new IllegalArgumentException("nativeThreads should be -1 (leave), 0 (auto) or a thread count "
                        + "(got: " + n + ")");
            }
            c.nativeThreads = n;
            return this;
        }

        /**
         * @param scope which test experiences to evaluate after each experience (default {@link TestScope#ALL};
         *              {@link TestScope#SEEN} is one pass over the test data seen so far, as Mammoth and PyCIL
         *              evaluate)
         * @return this builder
         */
        public Builder testScope(TestScope scope) {
            c.testScope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /**
         * @param boundaryFree whether plugins learn without experience boundaries (default false); see
         *                     {@link ContinualConfiguration#isBoundaryFree()}
         * @return this builder
         */
        public Builder boundaryFree(boolean boundaryFree) {
            c.boundaryFree = boundaryFree;
            return this;
        }

        /**
         * @param examples evaluate the test stream on the classes seen so far every this many training examples
         *                 (&gt; 0), or 0 for no anytime evaluation (default)
         * @return this builder
         */
        public Builder anytimeEvaluationEvery(int examples) {
            if (examples < 0) {
                throw new IllegalArgumentException("anytimeEvaluationEvery should be >= 0 training examples, 0 for "
                        + "none (got: " + examples + ")");
            }
            c.anytimeEvaluationEvery = examples;
            return this;
        }

        /**
         * @param plugin a plugin, appended to the execution order
         * @return this builder
         */
        public Builder plugin(PluginConfiguration plugin) {
            c.plugins.add(Objects.requireNonNull(plugin, "plugin"));
            return this;
        }

        /**
         * @param plugins plugins, appended in order
         * @return this builder
         */
        public Builder plugins(PluginConfiguration... plugins) {
            Arrays.stream(plugins).forEach(this::plugin);
            return this;
        }

        /**
         * @return the configuration
         * @throws IllegalStateException if masking is disabled with an expanding head (it cannot be honoured)
         */
        public ContinualConfiguration build() {
            if (!c.maskUnseenClasses && c.headPolicy == HeadPolicy.EXPANDING) {
                throw new IllegalStateException("maskUnseenClasses(false) cannot be honoured with an EXPANDING head, "
                        + "which has no outputs for unseen classes");
            }
            if (c.boundaryFree && c.headPolicy == HeadPolicy.EXPANDING) {
                throw new IllegalStateException("boundaryFree(true) cannot be honoured with an EXPANDING head, which "
                        + "grows at experience boundaries: use HeadPolicy.FIXED");
            }
            ContinualConfiguration built = c;
            c = fromJson(built.toJson());
            return built;
        }
    }
}
