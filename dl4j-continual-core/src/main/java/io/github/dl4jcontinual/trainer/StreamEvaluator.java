package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.ExperienceStream;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Evaluates the model on every experience of a test stream, computing the class-IL and the task-IL accuracy
 * from one forward pass per minibatch. Predictions are restricted to an allowed class set by adding a large
 * negative constant to the other outputs, then scored with ND4J's {@link Evaluation}. A cell is undefined
 * (-1) when the allowed set does not contain every class of the evaluated experience. Public for learners that
 * score examples themselves (the zoo's SameDiff learners) through {@link #evaluate(java.util.function.UnaryOperator,
 * int, ExperienceStream, int, int[], int)}.
 */
public final class StreamEvaluator {
    private static final double MASKED = -1e9;

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
        INDArray classMask = penalty(classIlAllowed, numClasses, headSize);
        for (Experience e : stream) {
            int[] classes = e.classArray();
            boolean classDefined = containsAll(classIlAllowed, classes, headSize);
            boolean taskDefined = containsAll(classes, classes, headSize);
            INDArray taskMask = penalty(classes, numClasses, headSize);
            Evaluation ce = new Evaluation(numClasses);
            Evaluation te = new Evaluation(numClasses);
            DataSetIterator it = e.iterator(batchSize, false, 0);
            while (it.hasNext()) {
                DataSet ds = it.next();
                INDArray out = scorer.apply(ds.getFeatures()).castTo(DataType.DOUBLE);
                if (out.size(1) != headSize) {
                    throw new IllegalStateException("The scorer gave " + out.size(1) + " columns; expected "
                            + headSize);
                }
                // -Infinity (a class a head cannot predict) would give NaN once masked: clamp it
                out = org.nd4j.linalg.ops.transforms.Transforms.max(out, MASKED, false);
                if (headSize < numClasses) {
                    out = Nd4j.hstack(out, Nd4j.valueArrayOf(new long[]{out.rows(), numClasses - headSize}, MASKED,
                            DataType.DOUBLE));
                }
                if (classDefined) {
                    ce.eval(ds.getLabels(), out.addRowVector(classMask));
                }
                if (taskDefined) {
                    te.eval(ds.getLabels(), out.addRowVector(taskMask));
                }
            }
            classIl[e.index() - stream.get(0).index()] = classDefined ? correct(ce) : -1;
            taskIl[e.index() - stream.get(0).index()] = taskDefined ? correct(te) : -1;
        }
        return new long[][]{classIl, taskIl};
    }

    private static long correct(Evaluation ev) {
        long c = 0;
        for (int v : ev.truePositives().values()) {
            c += v;
        }
        return c;
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

    private static INDArray penalty(int[] allowed, int numClasses, int headSize) {
        double[] p = new double[numClasses];
        java.util.Arrays.fill(p, MASKED);
        for (int c : allowed) {
            if (c < headSize) {
                p[c] = 0;
            }
        }
        return Nd4j.createFromArray(p).reshape(1, numClasses);
    }
}
