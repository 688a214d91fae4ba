package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.scenario.ExperienceStream;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.List;

/**
 * Where the {@link ContinualTrainer} runs the two heavy steps of an experience: training on the experience's
 * (plugin-adapted) data and evaluating on the test stream. Without a backend the trainer does both in its own
 * JVM through the network's {@code fit} and {@code output}; a backend (e.g. the Spark one of
 * {@code dl4j-continual-spark}) runs them elsewhere while the trainer keeps the continual logic — head growth,
 * plugin hooks, accuracy matrices, checkpoints — on the driver.
 *
 * <p>Contract: {@link #fit} leaves the trained parameters (and updater state) in {@code model} itself, the object
 * the trainer holds; {@link #evaluate} returns what
 * {@link StreamEvaluator#evaluate(java.util.function.UnaryOperator, int, ExperienceStream, int, int[], int)}
 * returns for the same model (e.g. by running {@link StreamEvaluator#evaluations}' evaluations remotely).</p>
 */
public interface TrainingBackend {

    /**
     * Trains {@code model} for {@code epochs} passes over {@code data}.
     *
     * @param model     the network ({@code MultiLayerNetwork} or {@code ComputationGraph}), updated in place
     * @param data      the experience's training data, already adapted by the plugins (resettable)
     * @param epochs    passes over the data, at least 1
     * @param listeners the user's listeners, the plugins' listeners of this experience and the trainer's own
     *                  progress monitor, in that order; active only during this call
     */
    void fit(Model model, DataSetIterator data, int epochs, List<TrainingListener> listeners);

    /**
     * @param model          the network
     * @param headSize       the network's output width
     * @param test           the test stream
     * @param numClasses     label width
     * @param classIlAllowed classes allowed for class-IL predictions
     * @param batchSize      evaluation minibatch size
     * @return {classIlCorrect[], taskIlCorrect[]} per experience of the stream, -1 where undefined
     */
    long[][] evaluate(Model model, int headSize, ExperienceStream test, int numClasses, int[] classIlAllowed,
                      int batchSize);
}
