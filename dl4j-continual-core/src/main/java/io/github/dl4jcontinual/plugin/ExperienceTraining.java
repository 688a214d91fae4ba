package io.github.dl4jcontinual.plugin;

import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A plugin's replacement for the network's own {@code fit} on one experience
 * ({@link ContinualPlugin#training}): the trainer runs {@link #epochs} passes over the experience's (adapted) data,
 * fires the network's listeners' epoch events around each and hands every minibatch to {@link #step}. The step
 * updates the model through {@link io.github.dl4jcontinual.model.ContinualModel} (e.g. several {@code fit(batch)}
 * calls, whose DL4J listeners fire, and a parameter interpolation).
 */
public interface ExperienceTraining {

    /**
     * @param configured the trainer's epochs per experience
     * @return the epochs of this experience
     */
    default int epochs(int configured) {
        return configured;
    }

    /**
     * Before the first minibatch of an epoch (e.g. to set the learning rate of a schedule).
     *
     * @param epoch the epoch, 0-based
     */
    default void onEpochStart(int epoch) {
    }

    /**
     * Trains on one minibatch.
     *
     * @param batch the minibatch (read only)
     * @return the number of parameter updates made
     */
    long step(MultiDataSet batch);
}
