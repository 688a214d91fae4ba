package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;

import java.util.Locale;
import java.util.Objects;

/**
 * Configuration of a quadratic-penalty plugin (EWC, online EWC, SI, MAS, RWalk) for the continual trainer:
 * after each experience it computes the importance from the model and the experience's data
 * ({@link Importance}, {@link PathIntegral}) into an {@link ImportanceState}; during later experiences a
 * {@link PenaltyListener} adds {@code λ·Σ Ω (θ − θ*)²} to the gradient. The penalty is not part of
 * {@code model.score()}; the plugin reports it per experience in
 * {@link io.github.dl4jcontinual.eval.ExperienceResult#metrics()}. Works with a FIXED head,
 * {@link io.github.dl4jcontinual.multihead.TaskHeads} and an EXPANDING head (new output units start with zero
 * importance; {@link ImportanceState#grownTo}). Immutable; JSON round-trips through {@link ContinualJson}.
 *
 * <pre>{@code
 * new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC).lambda(90).gamma(1.0).build()
 * }</pre>
 */
public final class RegularizationConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;

    private RegularizationMethod method;
    private double lambda = 1.0;
    private double gamma = 1.0;
    private double xi = 0.1;
    private double fisherDecay = 0.9;
    private int importanceBatchSize = 1;
    private int maxImportanceExamples = Importance.AUTO;
    /** Omitted from the JSON when 0, so that configurations written before it existed read back equal. */
    @org.nd4j.shade.jackson.annotation.JsonInclude(org.nd4j.shade.jackson.annotation.JsonInclude.Include.NON_DEFAULT)
    private int anchorEvery;

    private RegularizationConfiguration() {
        // for Jackson
    }

    /** @return the method */
    public RegularizationMethod getMethod() {
        return method;
    }

    /** @return λ (SI's c) */
    public double getLambda() {
        return lambda;
    }

    /** @return online EWC's decay γ */
    public double getGamma() {
        return gamma;
    }

    /** @return SI's damping ξ */
    public double getXi() {
        return xi;
    }

    /** @return RWalk's running-Fisher decay α */
    public double getFisherDecay() {
        return fisherDecay;
    }

    /** @return examples per gradient when computing Fisher/MAS importance (1 = exact per-example) */
    public int getImportanceBatchSize() {
        return importanceBatchSize;
    }

    /**
     * @return the cap on examples used for Fisher/MAS importance: 0 = all, {@link Importance#AUTO} (the default) = all,
     *         except a sample of {@link Importance#PER_EXAMPLE_SAMPLE} where the exact per-example values need one
     *         pass per example (networks other than dense MLPs)
     */
    public int getMaxImportanceExamples() {
        return maxImportanceExamples;
    }

    /**
     * @return online EWC's streaming form (EWC++, Chaudhry et al. 2018) when &gt; 0: the Fisher is a running average
     *         {@code F ← αF + (1−α)ḡ²} of the squared minibatch-mean gradient, updated at every minibatch (α =
     *         {@link #getFisherDecay()}), and every this many training examples the penalty's importance becomes
     *         {@code Ω ← γΩ + F} and its anchor the current parameters; 0 (the default): the Fisher is computed
     *         at the end of each experience
     */
    public int getAnchorEvery() {
        return anchorEvery;
    }

    /** @return true for online EWC in its streaming form ({@link #getAnchorEvery()} &gt; 0), which needs no boundaries */
    @Override
    public boolean boundaryFree() {
        return method == RegularizationMethod.ONLINE_EWC && anchorEvery > 0;
    }

    /** {@inheritDoc} */
    @Override
    public ContinualPlugin instantiate() {
        return new RegularizationPlugin(this);
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return method.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * @param json JSON written by {@link #toJson()}
     * @return the configuration
     */
    public static RegularizationConfiguration fromJson(String json) {
        return ContinualJson.fromJson(json, RegularizationConfiguration.class);
    }

    /** Builder; the method is required. */
    public static final class Builder extends JsonConfiguration.Builder<RegularizationConfiguration> {
        /**
         * @param method the importance measure
         */
        public Builder(RegularizationMethod method) {
            super(new RegularizationConfiguration());
            c.method = Objects.requireNonNull(method, "method");
        }

        /**
         * @param lambda penalty weight λ (SI's c), at least 0; default 1
         * @return this builder
         */
        public Builder lambda(double lambda) {
            c.lambda = requireNonNegative("lambda", lambda);
            return this;
        }

        /**
         * @param gamma online EWC's decay of the old Fisher, in [0, 1]; default 1
         * @return this builder
         */
        public Builder gamma(double gamma) {
            if (!(gamma >= 0 && gamma <= 1)) {
                throw new IllegalArgumentException("gamma should be in [0, 1] (got: " + gamma + ")");
            }
            c.gamma = gamma;
            return this;
        }

        /**
         * @param xi SI's damping ξ, more than 0; default 0.1
         * @return this builder
         */
        public Builder xi(double xi) {
            c.xi = requirePositive("xi", xi);
            return this;
        }

        /**
         * @param alpha RWalk's running-Fisher decay, in [0, 1); default 0.9
         * @return this builder
         */
        public Builder fisherDecay(double alpha) {
            if (!(alpha >= 0 && alpha < 1)) {
                throw new IllegalArgumentException("fisherDecay should be in [0, 1) (got: " + alpha + ")");
            }
            c.fisherDecay = alpha;
            return this;
        }

        /**
         * @param examples online EWC's streaming form: re-anchor every this many training examples (&gt; 0), with the
         *                 Fisher a running average over minibatches; 0 (default) computes it at experience ends.
         *                 See {@link RegularizationConfiguration#getAnchorEvery()}
         * @return this builder
         */
        public Builder anchorEvery(int examples) {
            c.anchorEvery = requireAtLeast("anchorEvery", examples, 0);
            return this;
        }

        /**
         * @param b examples per gradient for Fisher/MAS importance, at least 1 (1 = exact per-example, slower);
         *          default 1
         * @return this builder
         */
        public Builder importanceBatchSize(int b) {
            c.importanceBatchSize = requireAtLeast("importanceBatchSize", b, 1);
            return this;
        }

        /**
         * @param n cap on the examples used for Fisher/MAS importance, at least 0 (0 = all: the exact value, one pass
         *          per example on networks other than dense MLPs); default {@link Importance#AUTO}, see
         *          {@link RegularizationConfiguration#getMaxImportanceExamples()}
         * @return this builder
         */
        public Builder maxImportanceExamples(int n) {
            c.maxImportanceExamples = requireAtLeast("maxImportanceExamples", n, 0);
            return this;
        }

        @Override
        public RegularizationConfiguration build() {
            if (c.anchorEvery > 0 && c.method != RegularizationMethod.ONLINE_EWC) {
                throw new IllegalArgumentException("anchorEvery (" + c.anchorEvery + " examples) is online EWC's "
                        + "streaming form; the method is " + c.method + " (expected ONLINE_EWC, or anchorEvery 0)");
            }
            return super.build();
        }
    }
}
