package io.github.dl4jcontinual.plugin;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.List;
import java.util.Random;

/**
 * What the trainer shows a plugin or a stream metric: the model, the configuration and the position in the stream.
 * Only the trainer changes it; plugins read it on the trainer's thread.
 */
public interface ContinualContext {

    /** @return the model being trained (its network object changes when a head grows or a plugin replaces it) */
    ContinualModel model();

    /** @return the trainer configuration */
    ContinualConfiguration configuration();

    /** @return the index of the current (or last) training experience, -1 before the first */
    int experienceIndex();

    /** @return the number of experiences in the training stream, or -1 when the trainer learns one at a time */
    int numExperiences();

    /** @return the classes seen so far, the current experience's included */
    List<Integer> seenClasses();

    /**
     * @return the classes a class-IL prediction may take after the current experience: the seen classes, or
     *         every output of a fixed head when {@link ContinualConfiguration#isMaskUnseenClasses()} is false
     */
    int[] classIlAllowed();

    /** @return the label width of the classification output (the scenario's number of classes) */
    int numClasses();

    /** @return the number of outputs of the model's head now */
    int headSize();

    /**
     * A training iterator over examples a plugin assembles, with the trainer's batch size, shuffling, seed and label
     * handling (e.g. label columns sliced to the head size).
     *
     * @param data examples with one-hot labels over the scenario's classes (kept by reference)
     * @return a new iterator
     */
    MultiDataSetIterator trainingIterator(MultiDataSet data);

    /**
     * A training iterator over an experience or a union of experiences ({@link Experience#union}), read from their
     * sources, with the trainer's batch size, shuffling, seed and label handling.
     *
     * @param data the examples
     * @return a new iterator
     */
    MultiDataSetIterator trainingIterator(Experience data);

    /**
     * A training experience of this run at an earlier position, e.g. for a plugin resumed from a checkpoint that
     * needs the data it saw before (the cumulative baseline): under {@code fit(scenario)} any of the scenario's;
     * under {@code learn(experience)} one learned by this trainer object.
     *
     * @param index the experience's position
     * @return the experience, as the trainer placed it
     * @throws IllegalStateException if the trainer does not have it (learned in another process)
     */
    Experience trainExperience(int index);

    /**
     * A random generator for one plugin component, derived from the configured seed, the component name and the
     * experience, so that adding a plugin does not change another's random draws.
     *
     * @param component a stable name, e.g. "replay.sampling"
     * @return a new generator
     */
    Random rng(String component);
}
