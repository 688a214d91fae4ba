package io.github.dl4jcontinual.eval;

import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The outcome of a continual run: the class-IL and task-IL accuracy matrices from the same run, the
 * per-experience results, the accuracy matrices of extra evaluation heads (e.g. iCaRL's nearest-mean-of-exemplars
 * classifier, {@link #classIncremental(String)}), the configuration (with its seed) and the scenario's identity. Immutable;
 * round-trips through {@link #toJson()} / {@link #fromJson(String)}.
 *
 * <p>Class-IL: the prediction is the arg-max over the classes the model has seen (or over every output,
 * see {@link ContinualConfiguration#isMaskUnseenClasses()}). Task-IL: the arg-max over the classes of the
 * evaluated experience only (Mammoth's "masked" task-IL on a single head).</p>
 */
public final class ContinualResult {
    private String scenario;
    private String scenarioType;
    private int[] classOrder;
    private String strategy;
    private ContinualConfiguration configuration;
    private AccuracyMatrix classIncremental;
    private AccuracyMatrix taskIncremental;
    private List<ExperienceResult> experiences;
    private long totalMillis;
    private Map<String, AccuracyMatrix> headClassIncremental = new LinkedHashMap<>();
    private Map<String, AccuracyMatrix> headTaskIncremental = new LinkedHashMap<>();

    private ContinualResult() {
        // for Jackson
    }

    /**
     * @param scenario         scenario name
     * @param scenarioType     class/task/domain-incremental
     * @param classOrder       dataset class ids in arrival order
     * @param strategy         a short description of the strategy (plugins)
     * @param configuration    the trainer configuration
     * @param classIncremental class-IL matrix
     * @param taskIncremental  task-IL matrix
     * @param experiences      per-experience results
     * @param totalMillis      wall time of the whole run
     */
    public ContinualResult(String scenario, String scenarioType, int[] classOrder, String strategy,
                           ContinualConfiguration configuration, AccuracyMatrix classIncremental,
                           AccuracyMatrix taskIncremental, List<ExperienceResult> experiences, long totalMillis) {
        this.scenario = scenario;
        this.scenarioType = scenarioType;
        this.classOrder = classOrder.clone();
        this.strategy = strategy;
        this.configuration = configuration;
        this.classIncremental = classIncremental;
        this.taskIncremental = taskIncremental;
        this.experiences = new ArrayList<>(experiences);
        this.totalMillis = totalMillis;
    }

    /**
     * A copy of this result with the accuracy matrices of extra evaluation heads (e.g. iCaRL's "nme").
     *
     * @param heads per head name, {class-IL matrix, task-IL matrix}
     * @return a new result
     */
    public ContinualResult withHeads(Map<String, AccuracyMatrix[]> heads) {
        ContinualResult r = new ContinualResult(scenario, scenarioType, classOrder, strategy, configuration,
                classIncremental, taskIncremental, experiences, totalMillis);
        for (Map.Entry<String, AccuracyMatrix[]> e : heads.entrySet()) {
            r.headClassIncremental.put(e.getKey(), e.getValue()[0]);
            r.headTaskIncremental.put(e.getKey(), e.getValue()[1]);
        }
        return r;
    }

    /** @return the names of the extra evaluation heads (e.g. "nme"), in the order the plugins offered them */
    public Set<String> heads() {
        return Collections.unmodifiableSet(headClassIncremental.keySet());
    }

    /**
     * @param head an extra evaluation head's name, see {@link #heads()}
     * @return its class-IL accuracy matrix
     * @throws IllegalArgumentException if the run had no such head
     */
    public AccuracyMatrix classIncremental(String head) {
        return head(headClassIncremental, head);
    }

    /**
     * @param head an extra evaluation head's name, see {@link #heads()}
     * @return its task-IL (masked) accuracy matrix
     * @throws IllegalArgumentException if the run had no such head
     */
    public AccuracyMatrix taskIncremental(String head) {
        return head(headTaskIncremental, head);
    }

    private static AccuracyMatrix head(Map<String, AccuracyMatrix> m, String head) {
        AccuracyMatrix a = m.get(head);
        if (a == null) {
            throw new IllegalArgumentException("This result has no evaluation head '" + head + "' (heads: "
                    + m.keySet() + ")");
        }
        return a;
    }

    /** @return the scenario's name */
    public String scenario() {
        return scenario;
    }

    /** @return the scenario type */
    public String scenarioType() {
        return scenarioType;
    }

    /** @return the dataset class ids in arrival order */
    public int[] classOrder() {
        return classOrder.clone();
    }

    /** @return the strategy description */
    public String strategy() {
        return strategy;
    }

    /** @return the configuration the run used */
    public ContinualConfiguration configuration() {
        return configuration;
    }

    /** @return the class-incremental accuracy matrix */
    public AccuracyMatrix classIncremental() {
        return classIncremental;
    }

    /** @return the task-incremental (masked single-head) accuracy matrix */
    public AccuracyMatrix taskIncremental() {
        return taskIncremental;
    }

    /** @return per-experience results */
    public List<ExperienceResult> experiences() {
        return Collections.unmodifiableList(experiences);
    }

    /** @return wall time of the run in ms */
    public long totalMillis() {
        return totalMillis;
    }

    /** @return JSON form */
    public String toJson() {
        return ContinualJson.toJson(this);
    }

    /**
     * @param json the output of {@link #toJson()}
     * @return the result
     */
    public static ContinualResult fromJson(String json) {
        return ContinualJson.fromJson(json, ContinualResult.class);
    }

    /** @return summary metrics as CSV lines {@code metric,class_il,task_il} */
    public String summaryCsv() {
        StringBuilder sb = new StringBuilder("metric,class_il,task_il\n");
        row(sb, "final_average_accuracy", classIncremental.finalAverageAccuracy(),
                taskIncremental.finalAverageAccuracy());
        row(sb, "average_incremental_accuracy", classIncremental.averageIncrementalAccuracy(),
                taskIncremental.averageIncrementalAccuracy());
        row(sb, "average_forgetting", classIncremental.averageForgetting(), taskIncremental.averageForgetting());
        row(sb, "backward_transfer", classIncremental.backwardTransfer(), taskIncremental.backwardTransfer());
        row(sb, "forward_transfer", classIncremental.forwardTransfer(), taskIncremental.forwardTransfer());
        for (String h : headClassIncremental.keySet()) {
            row(sb, h + "_final_average_accuracy", headClassIncremental.get(h).finalAverageAccuracy(),
                    headTaskIncremental.get(h).finalAverageAccuracy());
            row(sb, h + "_average_incremental_accuracy", headClassIncremental.get(h).averageIncrementalAccuracy(),
                    headTaskIncremental.get(h).averageIncrementalAccuracy());
        }
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, double a, double b) {
        sb.append(name).append(',').append(fmt(a)).append(',').append(fmt(b)).append('\n');
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "NaN" : String.format(Locale.ROOT, "%.4f", v);
    }

    /**
     * Writes {@code result.json}, {@code summary.csv}, {@code accuracy-class-il.csv},
     * {@code accuracy-task-il.csv} and {@code experiences.csv} into a directory (created if needed).
     *
     * @param dir the output directory
     * @throws IOException on write failure
     */
    public void writeTo(File dir) throws IOException {
        Files.createDirectories(dir.toPath());
        write(new File(dir, "result.json"), toJson());
        write(new File(dir, "summary.csv"), summaryCsv());
        write(new File(dir, "accuracy-class-il.csv"), classIncremental.toCsv());
        write(new File(dir, "accuracy-task-il.csv"), taskIncremental.toCsv());
        for (String h : headClassIncremental.keySet()) {
            write(new File(dir, "accuracy-class-il-" + h + ".csv"), headClassIncremental.get(h).toCsv());
        }
        StringBuilder sb = new StringBuilder(ExperienceResult.csvHeader()).append('\n');
        for (ExperienceResult e : experiences) {
            sb.append(e.toCsvRow()).append('\n');
        }
        write(new File(dir, "experiences.csv"), sb.toString());
    }

    private static void write(File f, String text) throws IOException {
        Files.write(f.toPath(), text.getBytes(StandardCharsets.UTF_8));
    }

    /** @return a multi-line, human-readable report: both matrices and the summary metrics */
    public String report() {
        StringBuilder sb = new StringBuilder();
        sb.append("Scenario ").append(scenario).append(" (").append(scenarioType).append("), class order ")
                .append(Arrays.toString(classOrder)).append(", strategy ").append(strategy).append(", seed ")
                .append(configuration.getSeed()).append('\n');
        sb.append("Class-IL accuracy matrix (row: after training experience i; column: test experience j)\n")
                .append(classIncremental);
        sb.append("Task-IL accuracy matrix (single head, predictions masked to the experience's classes)\n")
                .append(taskIncremental);
        for (String h : headClassIncremental.keySet()) {
            sb.append("Class-IL accuracy matrix of the '").append(h).append("' head\n")
                    .append(headClassIncremental.get(h));
        }
        sb.append(summaryCsv().replace(',', '\t'));
        sb.append(String.format(Locale.ROOT, "total time %.1f s%n", totalMillis / 1000.0));
        return sb.toString();
    }
}
