package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.scenario.Scenario;

/**
 * Experience-level events of a continual run, like DL4J's {@code EarlyStoppingListener} for early stopping.
 * Called on the trainer's thread. For iteration-level events use a DL4J {@code TrainingListener} on the model.
 */
public interface ContinualListener {

    /**
     * Once per run, when the trainer starts it (or a trainer made by {@code ContinualTrainer.load} resumes it): in
     * {@code fit}, or at the first {@code learn}/{@code evaluate} of a run learned one experience at a time.
     *
     * @param scenario the scenario about to be trained, or null when experiences are given one at a time
     */
    default void onStreamStart(Scenario scenario) {
    }

    /**
     * After training on and evaluating an experience: in {@code fit} after every experience (after its
     * checkpoint, so that the listener may write its own with {@code save}); one experience at a time, at every
     * {@code evaluate} after a {@code learn}.
     *
     * @param result          what happened in the experience
     * @param classIncremental class-IL matrix so far
     * @param taskIncremental  task-IL matrix so far
     */
    default void onExperienceEnd(ExperienceResult result, AccuracyMatrix classIncremental,
                                 AccuracyMatrix taskIncremental) {
    }

    /**
     * When {@code fit} has completed the stream, or at {@code ContinualTrainer.finish()}; once per run.
     *
     * @param result the whole run
     */
    default void onStreamEnd(ContinualResult result) {
    }
}
