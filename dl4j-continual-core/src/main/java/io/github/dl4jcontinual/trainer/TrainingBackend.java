package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.List;

/**
 * Where the {@link ContinualTrainer} runs the two heavy steps of an experience: training on the experience's
 * (plugin-adapted) data and evaluating the model's class-IL and task-IL accuracy on the test stream. Without a
 * backend the trainer does both in its own JVM through the model's {@code fit} and {@code output}; a backend (e.g.
 * the Spark one of {@code dl4j-continual-spark}) runs them elsewhere while the trainer keeps the continual logic —
 * head growth, plugin hooks, accuracy matrices, checkpoints — on the driver.
 *
 * <p>Contract: {@link #fit} leaves the trained parameters (and updater state) in {@code model}'s network, the
 * object the trainer holds; {@link #evaluate} returns what
 * {@link io.github.dl4jcontinual.eval.AccuracyMetric#evaluate(java.util.function.Function, int, List, int, int[], int)}
 * returns for the same model (e.g. by running
 * {@link io.github.dl4jcontinual.eval.AccuracyMetric#evaluations}' evaluations remotely).</p>
 */
public interface TrainingBackend {

    /**
     * Trains {@code model} for {@code epochs} passes over {@code data}.
     *
     * @param model     the model, updated in place
     * @param data      the experience's training data, already adapted by the plugins (resettable)
     * @param epochs    passes over the data, at least 1
     * @param listeners the user's listeners and the plugins' listeners of this experience, in that order; active
     *                  only during this call
     */
    void fit(ContinualModel model, MultiDataSetIterator data, int epochs, List<TrainingListener> listeners);

    /**
     * @param model          the model
     * @param test           the test experiences
     * @param numClasses     label width
     * @param classIlAllowed classes allowed for class-IL predictions
     * @param batchSize      evaluation minibatch size
     * @return {classIlCorrect[], taskIlCorrect[]} per experience of the stream, -1 where undefined
     */
    long[][] evaluate(ContinualModel model, List<Experience> test, int numClasses, int[] classIlAllowed,
                      int batchSize);
}
