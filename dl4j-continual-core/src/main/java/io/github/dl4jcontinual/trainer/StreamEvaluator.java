package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.eval.MaskedEvaluation;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.ExperienceStream;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * Evaluates the model on every experience of a test stream, computing the class-IL and the task-IL accuracy
 * from one forward pass per minibatch. Predictions are restricted to an allowed class set by a
 * {@link MaskedEvaluation} (a large negative constant added to the other outputs, then ND4J's evaluation). A cell is undefined
 * (-1) when the allowed set does not contain every class of the evaluated experience. Public for learners that
 * score examples themselves (the zoo's SameDiff learners) through {@link #evaluate(java.util.function.UnaryOperator,
 * int, ExperienceStream, int, int[], int)}.
 */
public final class StreamEvaluator {
    private StreamEvaluator() {
    }

    /**
     * @param net        the network
     * @param stream     the test stream
     * @param numClasses label width
     * @param classIlAllowed classes allowed for class-IL predictions
     * @param batchSize  evaluation minibatch size
     * @return {classIlCorrect[], taskIlCorrect[]} per experience of the stream
     */
    static long[][] evaluate(NetworkAdapter<?> net, ExperienceStream stream, int numClasses, int[] classIlAllowed,
                             int batchSize) {
        return evaluate(net::output, net.outputSize(), stream, numClasses, classIlAllowed, batchSize);
    }

    /**
     * @param scorer         features to scores [n, width] (larger is more likely)
     * @param headSize       the scorer's output width
     * @param stream         the test stream
     * @param numClasses     label width
     * @param classIlAllowed classes allowed for class-IL predictions
     * @param batchSize      evaluation minibatch size
     * @return {classIlCorrect[], taskIlCorrect[]} per experience of the stream
     */
    public static long[][] evaluate(java.util.function.UnaryOperator<INDArray> scorer, int headSize, ExperienceStream stream,
                             int numClasses, int[] classIlAllowed, int batchSize) {
        long[] classIl = new long[stream.size()];
        long[] taskIl = new long[stream.size()];
        for (Experience e : stream) {
            MaskedEvaluation[] ev = evaluations(e, numClasses, headSize, classIlAllowed);
            DataSetIterator it = e.iterator(batchSize, false, 0);
            while (it.hasNext()) {
                DataSet ds = it.next();
                INDArray out = scorer.apply(ds.getFeatures());
                for (MaskedEvaluation m : ev) {
                    if (m != null) {
                        m.eval(ds.getLabels(), out);
                    }
                }
            }
            classIl[e.index() - stream.get(0).index()] = ev[0] == null ? -1 : ev[0].correct();
            taskIl[e.index() - stream.get(0).index()] = ev[1] == null ? -1 : ev[1].correct();
        }
        return new long[][]{classIl, taskIl};
    }

    /**
     * The two evaluations of one test experience, for evaluators that run the forward passes elsewhere (e.g. on a
     * Spark cluster): class-IL restricted to {@code classIlAllowed}, task-IL restricted to the experience's own
     * classes. An evaluation is null when its cell is undefined (the allowed set, within the head, does not contain
     * every class of the experience).
     *
     * @param e              the test experience
     * @param numClasses     label width
     * @param headSize       width of the scores
     * @param classIlAllowed classes allowed for class-IL predictions
     * @return {classIl, taskIl}, each null where undefined
     */
    public static MaskedEvaluation[] evaluations(Experience e, int numClasses, int headSize, int[] classIlAllowed) {
        int[] classes = e.classArray();
        return new MaskedEvaluation[]{
                containsAll(classIlAllowed, classes, headSize)
                        ? new MaskedEvaluation(numClasses, headSize, classIlAllowed) : null,
                containsAll(classes, classes, headSize) ? new MaskedEvaluation(numClasses, headSize, classes) : null};
    }

    private static boolean containsAll(int[] allowed, int[] classes, int headSize) {
        java.util.Set<Integer> a = new java.util.HashSet<>();
        for (int c : allowed) {
            if (c < headSize) {
                a.add(c);
            }
        }
        for (int c : classes) {
            if (!a.contains(c)) {
                return false;
            }
        }
        return true;
    }
}
