package io.github.dl4jcontinual.metalearning;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Locale;

/**
 * What {@link ItamlTrainer#fit} returns; immutable. Four views of the same run, each an {@link AccuracyMatrix}
 * R[i][j] over sessions i and test experiences j (undefined, NaN, for tasks not seen yet where task prediction is
 * involved):
 * <ul>
 *   <li>{@link #generic()}: the generic (un-adapted) model's plain class-IL and task-IL accuracies, no continuum,
 *   with its per-session {@code ExperienceResult.metrics()} ({@code itaml.*} figures);</li>
 *   <li>{@link #withTaskPrediction()}: iTAML's reported accuracy — task predicted per continuum, then the adapted
 *   model's arg-max inside the predicted task's block; a wrongly predicted continuum counts wholly as wrong;</li>
 *   <li>{@link #taskPrediction()}: the fraction of test samples whose continuum's task was predicted right;</li>
 *   <li>{@link #adaptedTaskAware()}: the adapted model with the true task given (the released "task-aware"
 *   accuracy).</li>
 * </ul>
 */
public final class ItamlResult {
    private final ItamlConfiguration conf;
    private final ContinualResult generic;
    private final AccuracyMatrix withTaskPrediction;
    private final AccuracyMatrix taskPrediction;
    private final AccuracyMatrix adaptedTaskAware;

    /**
     * @param conf               the configuration
     * @param generic            the generic model's class-IL/task-IL result
     * @param withTaskPrediction accuracy with task prediction and adaptation
     * @param taskPrediction     task-prediction accuracy
     * @param adaptedTaskAware   adapted model, true task
     */
    public ItamlResult(ItamlConfiguration conf, ContinualResult generic, AccuracyMatrix withTaskPrediction,
                       AccuracyMatrix taskPrediction, AccuracyMatrix adaptedTaskAware) {
        this.conf = conf;
        this.generic = generic;
        this.withTaskPrediction = withTaskPrediction;
        this.taskPrediction = taskPrediction;
        this.adaptedTaskAware = adaptedTaskAware;
    }

    /** @return the configuration */
    public ItamlConfiguration configuration() {
        return conf;
    }

    /** @return the generic model's plain class-IL / task-IL result */
    public ContinualResult generic() {
        return generic;
    }

    /** @return accuracy with task prediction (iTAML's headline number) */
    public AccuracyMatrix withTaskPrediction() {
        return withTaskPrediction;
    }

    /** @return task-prediction accuracy per test experience */
    public AccuracyMatrix taskPrediction() {
        return taskPrediction;
    }

    /** @return the adapted model's accuracy given the true task */
    public AccuracyMatrix adaptedTaskAware() {
        return adaptedTaskAware;
    }

    /** @return final accuracy with task prediction, mean over tasks */
    public double finalAccuracy() {
        return withTaskPrediction.finalAverageAccuracy();
    }

    /** @return final accuracy with task prediction over all test samples (the released notebook's definition) */
    public double finalAccuracyWeighted() {
        return withTaskPrediction.seenAccuracy(withTaskPrediction.rows() - 1);
    }

    /** @return final task-prediction accuracy over all test samples */
    public double finalTaskPredictionAccuracy() {
        return taskPrediction.seenAccuracy(taskPrediction.rows() - 1);
    }

    /** @return final plain class-IL accuracy of the generic model, mean over tasks */
    public double finalClassIlAccuracy() {
        return generic.classIncremental().finalAverageAccuracy();
    }

    /** @return a human-readable report */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append(conf).append('\n');
        sb.append("Accuracy with task prediction (continuum ").append(conf.getContinuum()).append("):\n")
                .append(withTaskPrediction).append('\n');
        sb.append("Task-prediction accuracy:\n").append(taskPrediction).append('\n');
        sb.append("Plain class-IL (generic model, no continuum):\n").append(generic.classIncremental()).append('\n');
        sb.append(String.format(Locale.ROOT, "final: iTAML %.2f (sample-weighted %.2f), task prediction %.2f, "
                        + "plain class-IL %.2f, task-IL %.2f, adapted task-aware %.2f%n", 100 * finalAccuracy(),
                100 * finalAccuracyWeighted(), 100 * finalTaskPredictionAccuracy(), 100 * finalClassIlAccuracy(),
                100 * generic.taskIncremental().finalAverageAccuracy(),
                100 * adaptedTaskAware.finalAverageAccuracy()));
        return sb.toString();
    }

    /**
     * Writes the generic result ({@link ContinualResult#writeTo}) plus {@code itaml-configuration.json},
     * {@code accuracy-itaml.csv}, {@code task-prediction.csv} and {@code accuracy-adapted-task-aware.csv}.
     *
     * @param dir the directory (created)
     * @throws IOException on write errors
     */
    public void writeTo(File dir) throws IOException {
        generic.writeTo(dir);
        write(new File(dir, "itaml-configuration.json"), conf.toJson());
        write(new File(dir, "accuracy-itaml.csv"), withTaskPrediction.toCsv());
        write(new File(dir, "task-prediction.csv"), taskPrediction.toCsv());
        write(new File(dir, "accuracy-adapted-task-aware.csv"), adaptedTaskAware.toCsv());
    }

    private static void write(File f, String s) throws IOException {
        Files.write(f.toPath(), s.getBytes(StandardCharsets.UTF_8));
    }
}
