package io.github.dl4jcontinual.plugin;

import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.Serializable;
import java.util.List;
import java.util.Map;

/**
 * Experience-level extension of the continual trainer. The trainer calls the hooks on its own thread, in
 * registration order, for every plugin:
 * {@code onStreamStart}, then per experience {@code beforeExperience}, {@code trainsOn},
 * {@code adaptTrainingData} (each plugin wraps the previous plugin's iterator), {@code listeners}, training
 * through the model's own {@code fit}, {@code afterExperience}, {@code evaluationHeads}; finally
 * {@code onStreamEnd}.
 *
 * <p>Iteration, epoch and gradient behaviour is not duplicated here: return DL4J {@link TrainingListener}s from
 * {@link #listeners}; the trainer attaches them for the experience only. Plugins compose values (iterators,
 * listeners) and never replace trainer state. Arrays a plugin keeps across calls must be detached copies.</p>
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
     * Before training on an experience (after the head has been grown, if it grows).
     *
     * @param ctx        the context
     * @param experience the training experience
     */
    default void beforeExperience(ContinualContext ctx, Experience experience) {
    }

    /**
     * Whether the model is trained on this experience at all. If any plugin answers false, the trainer skips
     * {@code fit} (evaluation still runs).
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
    default DataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience, DataSetIterator data) {
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
     * After the last experience.
     *
     * @param ctx the context
     */
    default void onStreamEnd(ContinualContext ctx) {
    }

    /**
     * Extra classifiers to evaluate after this experience, beside the network's own head (called after
     * {@link #afterExperience}). Each head's accuracies go into the result under its {@link EvaluationHead#name()}.
     *
     * @param ctx the context
     * @return the heads; none by default
     */
    default List<EvaluationHead> evaluationHeads(ContinualContext ctx) {
        return List.of();
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
