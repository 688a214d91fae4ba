package io.github.dl4jcontinual.plugin;

import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;
import java.util.Random;

/**
 * What the trainer shows a plugin: the current model, the configuration and the position in the stream.
 * Only the trainer changes it; plugins read it on the trainer's thread.
 */
public interface ContinualContext {

    /** @return the model being trained (a new object after the expanding head grows) */
    Model model();

    /** @return the trainer configuration */
    ContinualConfiguration configuration();

    /** @return the index of the current (or last) training experience, -1 before the first */
    int experienceIndex();

    /** @return the number of experiences in the training stream */
    int numExperiences();

    /** @return the classes seen so far, the current experience's included */
    List<Integer> seenClasses();

    /** @return the number of outputs of the model's head now */
    int headSize();

    /**
     * A training iterator over arbitrary examples, with the trainer's batch size, shuffling, seed and label
     * handling (e.g. label columns sliced to the head size) — use it for data a plugin assembles.
     *
     * @param data examples with one-hot labels over the scenario's classes
     * @return a new iterator
     */
    DataSetIterator trainingIterator(DataSet data);

    /**
     * A random generator for one plugin component, derived from the configured seed and the component name,
     * so that adding a plugin does not change another's random draws.
     *
     * @param component a stable name, e.g. "replay.sampling"
     * @return a new generator
     */
    Random rng(String component);
}
