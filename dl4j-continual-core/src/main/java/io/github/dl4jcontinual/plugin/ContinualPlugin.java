package io.github.dl4jcontinual.plugin;

import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Experience-level extension of the continual trainer, the one way every method plugs into the one training loop.
 * The trainer calls the hooks on its own thread, in registration order, for every plugin:
 * {@code onStreamStart}; the baseline evaluation of the test stream (the trainer's accuracy metric and the
 * {@code streamMetrics} whose {@link StreamMetric#hasBaseline()} is true); then per experience {@code adaptModel}
 * (after the trainer grew an expanding head), {@code beforeExperience}, {@code trainsOn} (until a plugin says
 * no), {@code adaptTrainingData} (each plugin wraps the previous plugin's iterator), {@code listeners},
 * {@code training} (at most one plugin replaces the training step), training, {@code afterExperience},
 * {@code experienceMetrics}; then the evaluation of the test stream by the trainer's accuracy metric and every
 * plugin's {@code streamMetrics}; finally {@code onStreamEnd}. When experiences are learned one at a time
 * ({@code ContinualTrainer.learn}/{@code evaluate}), the evaluations come where the caller asks for them and
 * {@code onStreamEnd} with {@code ContinualTrainer.finish()}.
 *
 * <p>Plugins reach the network only through {@link ContinualContext#model()} (a
 * {@link io.github.dl4jcontinual.model.ContinualModel}), never by its type. Iteration, epoch and gradient behaviour
 * is not duplicated here: return DL4J {@link TrainingListener}s from {@link #listeners}; the trainer attaches them
 * for the experience only. Plugins compose values (iterators, listeners) and never replace trainer state. Arrays a
 * plugin keeps across calls must be detached copies.</p>
 *
 * <p>Checkpoints: between experiences the trainer may ask for {@link #saveState()} and, when it resumes, hands
 * the state back to a fresh instance through {@link #restoreState} right after {@link #onStreamStart}. A plugin
 * that keeps nothing between experiences returns null; the default refuses, so that a plugin which does not
 * declare its state can never be resumed half-restored.</p>
 */
public interface ContinualPlugin {

    /**
     * Before the first experience.
     *
     * @param ctx the trainer's context
     */
    default void onStreamStart(ContinualContext ctx) {
    }

    /**
     * Adapts the model before training an experience: grow or add heads, add task keys, prompts or adapters, or
     * replace the network through {@code ctx.model().replace(...)}. Called after an expanding head has grown and
     * before {@link #beforeExperience}.
     *
     * @param ctx        the context
     * @param experience the training experience
     */
    default void adaptModel(ContinualContext ctx, Experience experience) {
    }

    /**
     * Before training on an experience.
     *
     * @param ctx        the context
     * @param experience the training experience
     */
    default void beforeExperience(ContinualContext ctx, Experience experience) {
    }

    /**
     * Whether the model is trained on this experience at all. If any plugin answers false, the trainer skips
     * training (evaluation still runs).
     *
     * @param ctx        the context
     * @param experience the training experience
     * @return true to train
     */
    default boolean trainsOn(ContinualContext ctx, Experience experience) {
        return true;
    }

    /**
     * Wraps the training data of the experience (e.g. to join replayed examples). Never modify {@code data}
     * in place; return it unchanged or a wrapper.
     *
     * @param ctx        the context
     * @param experience the training experience
     * @param data       the previous plugin's iterator (or the experience's own)
     * @return the iterator to train on
     */
    default MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                   MultiDataSetIterator data) {
        return data;
    }

    /**
     * DL4J listeners active only while training on this experience.
     *
     * @param ctx        the context
     * @param experience the training experience
     * @return listeners to add to the user's own
     */
    default List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
        return List.of();
    }

    /**
     * A training step that replaces the network's own {@code fit} for this experience (e.g. iTAML's inner/outer
     * meta-update). The trainer still runs the epochs over the adapted data, fires the listeners' epoch events and
     * measures the experience; the step decides what one minibatch does. At most one plugin may supply one.
     *
     * @param ctx        the context
     * @param experience the training experience
     * @return the step, or null to train with the network's own {@code fit} (the default)
     */
    default ExperienceTraining training(ContinualContext ctx, Experience experience) {
        return null;
    }

    /**
     * After training on an experience, before evaluation.
     *
     * @param ctx        the context
     * @param experience the training experience
     */
    default void afterExperience(ContinualContext ctx, Experience experience) {
    }

    /**
     * Named figures this plugin measured on the experience just trained (its mean penalty or distillation loss, the
     * time its importance computation took, ...), copied into that experience's
     * {@link io.github.dl4jcontinual.eval.ExperienceResult#metrics()} so they reach the result's JSON and every
     * {@link io.github.dl4jcontinual.trainer.ContinualListener}. Called after {@link #afterExperience}. Keys should
     * start with the plugin's name, e.g. {@code "ewc.penalty_mean"}.
     *
     * @param ctx        the context
     * @param experience the training experience
     * @return the figures; empty by default
     */
    default Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
        return Map.of();
    }

    /**
     * Metrics of the test stream this plugin adds beside the trainer's accuracy matrices (e.g. iCaRL's
     * nearest-mean-of-exemplars classifier, iTAML's task prediction): asked for at every evaluation of the test
     * stream and evaluated after every experience (and for the baseline, before the first, when the metric's
     * {@link StreamMetric#hasBaseline()} is true); their rows land in the result as {@code <name>.<row>} matrices.
     * A metric first returned after a later experience has undefined earlier rows.
     *
     * @param ctx the context
     * @return the metrics; none by default
     */
    default List<StreamMetric> streamMetrics(ContinualContext ctx) {
        return List.of();
    }

    /**
     * After the last experience.
     *
     * @param ctx the context
     */
    default void onStreamEnd(ContinualContext ctx) {
    }

    /**
     * Everything this plugin keeps from one experience to the next (buffer contents, importance, random generator
     * states, ...), for a checkpoint. Called on the trainer's thread between experiences (after
     * {@link #experienceMetrics}); the returned object must not share mutable state with the plugin (detached
     * copies of arrays) and must be {@link java.io.Serializable} with the JDK's serialization.
     *
     * @return the state, or null if the plugin keeps nothing between experiences
     * @throws UnsupportedOperationException by default: the plugin has not declared its state
     */
    default Serializable saveState() {
        throw new UnsupportedOperationException("The plugin " + getClass().getName() + " does not support "
                + "checkpoints: it does not implement ContinualPlugin.saveState()");
    }

    /**
     * Restores what {@link #saveState()} returned, on a fresh instance of the same configuration, after
     * {@link #onStreamStart} and before the first experience trained after the resume.
     *
     * @param ctx   the context (positioned before the next experience; its model is the restored one)
     * @param state the saved state, or null if {@link #saveState()} returned null
     * @throws IllegalArgumentException if the state is not one this plugin wrote
     */
    default void restoreState(ContinualContext ctx, Serializable state) {
        if (state != null) {
            throw new IllegalArgumentException("The plugin " + getClass().getName() + " keeps no state but the "
                    + "checkpoint holds a " + state.getClass().getName());
        }
    }
}
