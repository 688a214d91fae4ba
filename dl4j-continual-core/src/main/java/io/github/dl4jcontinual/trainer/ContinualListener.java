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
     * @param scenario the scenario about to be trained
     */
    default void onStreamStart(Scenario scenario) {
    }

    /**
     * After training on and evaluating an experience.
     *
     * @param result          what happened in the experience
     * @param classIncremental class-IL matrix so far
     * @param taskIncremental  task-IL matrix so far
     */
    default void onExperienceEnd(ExperienceResult result, AccuracyMatrix classIncremental,
                                 AccuracyMatrix taskIncremental) {
    }

    /**
     * @param result the whole run
     */
    default void onStreamEnd(ContinualResult result) {
    }
}
