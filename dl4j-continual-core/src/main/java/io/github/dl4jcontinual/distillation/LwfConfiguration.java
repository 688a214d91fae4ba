package io.github.dl4jcontinual.distillation;

import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Configuration of the LwF plugin: from the second experience on, the model as it was before the experience is
 * copied (frozen teacher) and an {@link LwfListener} adds {@code α · (T² if scaled) · KD} to the gradient, KD
 * being the distillation loss over the previous experiences' classes ({@link DistillationMode}). With
 * {@link DistillationMode#MULTI_HEAD} the KD terms of the previous heads are averaged. Works with FIXED and
 * EXPANDING heads and with {@link io.github.dl4jcontinual.multihead.TaskHeads}. Immutable; JSON round-trips.
 */
public final class LwfConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LwfConfiguration.class);

    private double alpha = 1.0;
    private double temperature = 2.0;
    private DistillationMode mode = DistillationMode.OLD_CLASSES_SOFTMAX;
    private boolean scaleByTemperatureSquared = true;
    private boolean weightByPreviousExperiences;

    private LwfConfiguration() {
        // for Jackson
    }

    /** @return the distillation weight α */
    public double getAlpha() {
        return alpha;
    }

    /** @return the temperature T */
    public double getTemperature() {
        return temperature;
    }

    /** @return the distillation mode */
    public DistillationMode getMode() {
        return mode;
    }

    /** @return whether the KD loss is multiplied by T² (Hinton et al.; van de Ven) */
    public boolean isScaleByTemperatureSquared() {
        return scaleByTemperatureSquared;
    }

    /**
     * @return whether α is multiplied by the number of previous experiences (van de Ven's weighting: current
     *         loss × 1/t, distillation × (1 − 1/t) after t experiences, which relative to the current loss is
     *         (t − 1)·KD)
     */
    public boolean isWeightByPreviousExperiences() {
        return weightByPreviousExperiences;
    }

    /** {@inheritDoc} */
    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "lwf";
    }

    /**
     * @param json JSON from {@link #toJson()}
     * @return the configuration
     */
    public static LwfConfiguration fromJson(String json) {
        return ContinualJson.fromJson(json, LwfConfiguration.class);
    }

    /**
     * @param model a model
     * @throws IllegalArgumentException if it has several outputs: the distillation gradient comes from a twin's
     *                                  whole loss, which would add the other outputs' losses again
     */
    static void checkOneOutput(io.github.dl4jcontinual.model.ContinualModel model) {
        if (model.numOutputs() != 1) {
            throw new IllegalArgumentException("LwF distils a model with one output; this " + model.kind() + " has "
                    + model.numOutputs() + " outputs " + model.outputNames());
        }
    }

    /** Builder with defaults α = 1, T = 2, {@link DistillationMode#OLD_CLASSES_SOFTMAX}, T² scaling on. */
    public static final class Builder extends JsonConfiguration.Builder<LwfConfiguration> {
        /** Starts from the defaults. */
        public Builder() {
            super(new LwfConfiguration());
        }

        /**
         * @param alpha distillation weight, at least 0
         * @return this builder
         */
        public Builder alpha(double alpha) {
            c.alpha = requireNonNegative("alpha", alpha);
            return this;
        }

        /**
         * @param t temperature, more than 0
         * @return this builder
         */
        public Builder temperature(double t) {
            c.temperature = requirePositive("temperature", t);
            return this;
        }

        /**
         * @param mode how old outputs become soft targets
         * @return this builder
         */
        public Builder mode(DistillationMode mode) {
            c.mode = Objects.requireNonNull(mode, "mode");
            return this;
        }

        /**
         * @param scale whether to multiply the KD loss by T² (Mammoth does not; van de Ven does)
         * @return this builder
         */
        public Builder scaleByTemperatureSquared(boolean scale) {
            c.scaleByTemperatureSquared = scale;
            return this;
        }

        /**
         * @param weight whether to multiply α by the number of previous experiences (van de Ven et al.'s LwF
         *               weighting, which trains on {@code (1/t)·loss + (1 − 1/t)·KD}; with Adam this equals
         *               {@code loss + (t − 1)·KD}); default false (constant α, as Mammoth)
         * @return this builder
         */
        public Builder weightByPreviousExperiences(boolean weight) {
            c.weightByPreviousExperiences = weight;
            return this;
        }
    }

    /** Runtime: remembers the previous experiences' classes and makes the teacher at each experience start. */
    static final class Runtime implements ContinualPlugin {
        private final LwfConfiguration conf;
        private final List<int[]> previous = new ArrayList<>();
        private LwfListener listener;

        Runtime(LwfConfiguration conf) {
            this.conf = conf;
        }

        /** Refuses a model LwF cannot distil before anything is trained (the listener would, one experience late). */
        @Override
        public void onStreamStart(ContinualContext ctx) {
            checkOneOutput(ctx.model());
        }

        @Override
        public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
            listener = null;
            if (previous.isEmpty() || conf.alpha == 0) {
                return List.of();
            }
            int width = ctx.headSize();
            int[] groupOf = new int[width];
            java.util.Arrays.fill(groupOf, -1);
            for (int t = 0; t < previous.size(); t++) {
                for (int c : previous.get(t)) {
                    if (c < width) {
                        groupOf[c] = conf.mode == DistillationMode.MULTI_HEAD ? t : 0;
                    }
                }
            }
            boolean[] padded = new boolean[width];
            if (conf.mode == DistillationMode.SEEN_CLASSES_SOFTMAX) {
                for (int c : experience.classArray()) {
                    if (c < width && groupOf[c] < 0) {
                        groupOf[c] = 0;
                        padded[c] = true;
                    }
                }
            }
            int groups = conf.mode == DistillationMode.MULTI_HEAD ? previous.size() : 1;
            double w = conf.alpha * (conf.weightByPreviousExperiences ? previous.size() : 1) / groups
                    * (conf.scaleByTemperatureSquared ? conf.temperature * conf.temperature : 1);
            listener = new LwfListener(ctx.model(), new DistillationLoss(groupOf, padded, conf.temperature, conf.mode, w));
            return List.of(listener);
        }

        /** The classes of the previous experiences; the teacher is the model as it was when the next experience
         * starts, i.e. the model a checkpoint holds, so it needs no copy of its own. */
        @Override
        public java.io.Serializable saveState() {
            ArrayList<int[]> copy = new ArrayList<>();
            previous.forEach(p -> copy.add(p.clone()));
            return copy;
        }

        @Override
        @SuppressWarnings("unchecked")
        public void restoreState(ContinualContext ctx, java.io.Serializable state) {
            if (!(state instanceof ArrayList)) {
                throw new IllegalArgumentException("Expected the state of an lwf plugin, a list of class arrays (got: "
                        + (state == null ? null : state.getClass().getName()) + ")");
            }
            previous.clear();
            ((ArrayList<int[]>) state).forEach(p -> previous.add(p.clone()));
        }

        @Override
        public void afterExperience(ContinualContext ctx, Experience experience) {
            previous.add(experience.classArray());
            if (listener != null) {
                LOG.info("Experience {}: lwf mean distillation loss {} over {} iterations", experience.index(),
                        listener.meanLoss(), listener.iterations());
            }
        }

        /** {@inheritDoc} <p>{@code lwf.distillation_mean}: the weighted distillation loss, mean over iterations
         * (0 on the first experience).</p> */
        @Override
        public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
            return Map.of("lwf.distillation_mean", listener == null ? 0 : listener.meanLoss());
        }
    }
}
