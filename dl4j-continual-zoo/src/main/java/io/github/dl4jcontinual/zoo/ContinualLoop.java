package io.github.dl4jcontinual.zoo;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.AccuracyMetric;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.ExperienceStream;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The train-then-evaluate loop of the zoo's self-contained learners (fixed K-way head): for every training
 * experience, {@link Learner#train}, then class-IL and task-IL accuracy of {@link Learner#logits} on every test
 * experience (core's {@link AccuracyMetric#evaluate}; undefined cells −1 for classes not yet allowed), collected into a
 * {@link ContinualResult}.
 */
public final class ContinualLoop {
    private ContinualLoop() {
    }

    /** What the loop drives. */
    public interface Learner {
        /** Trains on one experience; returns the number of parameter updates. */
        long train(Experience experience);

        /** Scores {@code [n, width]} (larger is more likely) for the test stream's features. */
        INDArray logits(INDArray features);

        /** Width of {@link #logits} after training {@code experience} (default: all K classes). */
        default int outputWidth(Experience experience, int numClasses) {
            return numClasses;
        }

        /** Training loss of the last minibatch, if known (default NaN). */
        default double lastScore() {
            return Double.NaN;
        }
    }

    /**
     * The whole experience read into memory, relabelled and transformed as its iterator gives it, in its unshuffled
     * order: the self-contained learners hold their current experience in memory (as they did before experiences
     * were streamed); they move onto the trainer, which streams, in a later issue. Not for anything else.
     *
     * @param experience the experience
     * @return its examples as one data set (single input, single output)
     * @throws IllegalArgumentException if the experience has several inputs or outputs
     */
    public static DataSet inMemory(Experience experience) {
        int[] all = new int[experience.numExamples()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        return Batches.toDataSet(experience.rows(all));
    }

    /**
     * @param scenario   the scenario
     * @param learner    the learner
     * @param numClasses K
     * @param allowed    classes allowed in class-IL predictions after an experience (e.g. its seen classes)
     * @param strategy   the result's strategy name
     * @param headPolicy the head policy recorded in the result's configuration
     * @param epochs     epochs per experience (recorded)
     * @param batchSize  minibatch (recorded)
     * @param evalBatch  evaluation minibatch
     * @param seed       seed (recorded)
     * @param progress   a line per experience, or null
     * @return accuracy matrices and per-experience records
     */
    public static ContinualResult run(Scenario scenario, Learner learner, int numClasses,
                                      Function<Experience, int[]> allowed, String strategy, HeadPolicy headPolicy,
                                      int epochs, int batchSize,
                                      int evalBatch, long seed, PrintStream progress) {
        long t0 = System.currentTimeMillis();
        ExperienceStream train = scenario.trainStream();
        ExperienceStream test = scenario.testStream();
        long[] totals = new long[test.size()];
        List<Experience> testList = new ArrayList<>();
        for (int j = 0; j < totals.length; j++) {
            totals[j] = test.get(j).numExamples();
            testList.add(test.get(j));
        }
        List<long[]> classRows = new ArrayList<>();
        List<long[]> taskRows = new ArrayList<>();
        List<ExperienceResult> results = new ArrayList<>();
        AccuracyMatrix cm = null;
        AccuracyMatrix tm = null;
        for (Experience exp : train) {
            long ts = System.currentTimeMillis();
            long steps = learner.train(exp);
            long te = System.currentTimeMillis();
            long[][] row = AccuracyMetric.evaluate(ds -> learner.logits(ds.getFeatures(0)),
                    learner.outputWidth(exp, numClasses), testList,
                    numClasses, allowed.apply(exp), evalBatch);
            classRows.add(row[0]);
            taskRows.add(row[1]);
            cm = new AccuracyMatrix(classRows.toArray(new long[0][]), totals, null);
            tm = new AccuracyMatrix(taskRows.toArray(new long[0][]), totals, null);
            results.add(new ExperienceResult(exp.index(), exp.classArray(), true, (long) exp.numExamples() * epochs,
                    epochs, steps, learner.lastScore(), te - ts, System.currentTimeMillis() - te, 0, 0));
            if (progress != null) {
                progress.printf(Locale.ROOT, "%s after task %d: class-IL %.2f %%, task-IL %.2f %% (%d s)%n", strategy,
                        exp.index(), 100 * cm.averageAccuracy(exp.index()), 100 * tm.averageAccuracy(exp.index()),
                        (System.currentTimeMillis() - ts) / 1000);
            }
        }
        ContinualConfiguration cc = new ContinualConfiguration.Builder().batchSize(batchSize)
                .epochsPerExperience(epochs).seed(seed).headPolicy(headPolicy).evalBatchSize(evalBatch).build();
        return new ContinualResult(scenario.name(), scenario.type().name(), scenario.classOrder(), strategy, cc, cm, tm,
                results, System.currentTimeMillis() - t0);
    }
}
