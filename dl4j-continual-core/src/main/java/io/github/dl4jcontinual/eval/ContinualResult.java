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
import java.util.LinkedHashSet;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The outcome of a continual run: named accuracy matrices measured on the test stream after every experience —
 * {@code "class_il"} and {@code "task_il"} of the network, and those of every stream metric (e.g. iCaRL's
 * {@code "nme.class_il"}, iTAML's {@code "itaml.with_task_prediction"}) —, named scalars, the per-experience results,
 * the configuration (with its seed) and the scenario's identity, and, when recorded, the network's summary, the
 * scenario's class names and the class-IL confusion after the last experience. Immutable; round-trips through
 * {@link #toJson()} / {@link #fromJson(String)} (results written by earlier versions, with separate class-IL,
 * task-IL and head matrices, or without the summary, names and confusion, are read too).
 *
 * <p>Class-IL: the prediction is the arg-max over the classes the model has seen (or over every output,
 * see {@link ContinualConfiguration#isMaskUnseenClasses()}). Task-IL: the arg-max over the classes of the
 * evaluated experience only (Mammoth's "masked" task-IL on a single head).</p>
 */
public final class ContinualResult {
    /** Key of the network's class-IL matrix. */
    public static final String CLASS_IL = AccuracyMetric.CLASS_IL;
    /** Key of the network's task-IL matrix. */
    public static final String TASK_IL = AccuracyMetric.TASK_IL;

    private String scenario;
    private String scenarioType;
    private int[] classOrder;
    private String strategy;
    private ContinualConfiguration configuration;
    private Map<String, AccuracyMatrix> matrices = new LinkedHashMap<>();
    private Map<String, Double> scalars = new LinkedHashMap<>();
    private List<ExperienceResult> experiences;
    private long totalMillis;
    /** The run's identity: its id and the network's configuration (layers, updater, learning rates), or null. */
    private String runId;
    private Object network;
    /** The network when the run started, or null (results written before it was recorded). */
    private ModelSummary modelSummary;
    /** Class names by the dataset's class id, or null when the scenario had none. */
    private List<String> classNames;
    /** The class-IL confusion after the last evaluated experience, or null. */
    private ClassConfusion confusion;
    /** The class-IL confusion after each experience (streams of at most 256 classes), or null. */
    private List<ClassConfusion> confusions;
    /** Intransigence per experience by matrix name (class-IL, task-IL) against {@link #intransigenceReference}. */
    private Map<String, double[]> intransigence;
    /** The strategy and run id of the reference run of {@link #intransigence}, or null. */
    private String intransigenceReference;
    /** The anytime-evaluation curve, or null (absent from the JSON when there is none, as before it existed). */
    @org.nd4j.shade.jackson.annotation.JsonInclude(org.nd4j.shade.jackson.annotation.JsonInclude.Include.NON_NULL)
    private AnytimeCurve anytime;

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
        this(scenario, scenarioType, classOrder, strategy, configuration,
                matrices(classIncremental, taskIncremental), Map.of(), experiences, totalMillis);
    }

    /**
     * @param scenario      scenario name
     * @param scenarioType  class/task/domain-incremental
     * @param classOrder    dataset class ids in arrival order
     * @param strategy      a short description of the strategy (plugins)
     * @param configuration the trainer configuration
     * @param matrices      named matrices; {@value #CLASS_IL} and {@value #TASK_IL} are required
     * @param scalars       named scalars
     * @param experiences   per-experience results
     * @param totalMillis   wall time of the whole run
     */
    public ContinualResult(String scenario, String scenarioType, int[] classOrder, String strategy,
                           ContinualConfiguration configuration, Map<String, AccuracyMatrix> matrices,
                           Map<String, Double> scalars, List<ExperienceResult> experiences, long totalMillis) {
        if (!matrices.containsKey(CLASS_IL) || !matrices.containsKey(TASK_IL)) {
            throw new IllegalArgumentException("A result needs the matrices " + CLASS_IL + " and " + TASK_IL
                    + " (got: " + matrices.keySet() + ")");
        }
        this.scenario = scenario;
        this.scenarioType = scenarioType;
        this.classOrder = classOrder.clone();
        this.strategy = strategy;
        this.configuration = configuration;
        this.matrices = new LinkedHashMap<>(matrices);
        this.scalars = new LinkedHashMap<>(scalars);
        this.experiences = new ArrayList<>(experiences);
        this.totalMillis = totalMillis;
    }

    private static Map<String, AccuracyMatrix> matrices(AccuracyMatrix c, AccuracyMatrix t) {
        Map<String, AccuracyMatrix> m = new LinkedHashMap<>();
        m.put(CLASS_IL, c);
        m.put(TASK_IL, t);
        return m;
    }

    /**
     * A copy of this result with the accuracy matrices of extra evaluation heads (e.g. iCaRL's "nme").
     *
     * @param heads per head name, {class-IL matrix, task-IL matrix}
     * @return a new result
     */
    public ContinualResult withHeads(Map<String, AccuracyMatrix[]> heads) {
        Map<String, AccuracyMatrix> m = new LinkedHashMap<>(matrices);
        for (Map.Entry<String, AccuracyMatrix[]> e : heads.entrySet()) {
            m.put(e.getKey() + "." + CLASS_IL, e.getValue()[0]);
            m.put(e.getKey() + "." + TASK_IL, e.getValue()[1]);
        }
        ContinualResult r = new ContinualResult(scenario, scenarioType, classOrder, strategy, configuration, m,
                scalars, experiences, totalMillis);
        r.runId = runId;
        r.network = network;
        r.modelSummary = modelSummary;
        r.classNames = classNames;
        r.confusion = confusion;
        r.confusions = confusions;
        r.intransigence = intransigence;
        r.intransigenceReference = intransigenceReference;
        r.anytime = anytime;
        return r;
    }

    /** @return a copy of this result with every field */
    private ContinualResult copy() {
        return withHeads(Map.of());
    }

    /**
     * @param summary the network's layers and parameter counts when the run started (see
     *                {@link io.github.dl4jcontinual.model.ContinualModel#summary()}), or null
     * @return a copy of this result that records it
     */
    public ContinualResult withModelSummary(ModelSummary summary) {
        ContinualResult r = copy();
        r.modelSummary = summary;
        return r;
    }

    /**
     * @param names the scenario's class names by the dataset's class id (see
     *              {@link io.github.dl4jcontinual.scenario.Scenario#classNames()}); null or empty for none
     * @return a copy of this result that records them
     */
    public ContinualResult withClassNames(List<String> names) {
        ContinualResult r = copy();
        r.classNames = names == null || names.isEmpty() ? null : List.copyOf(names);
        return r;
    }

    /**
     * @param c the class-IL confusion after the last evaluated experience, or null
     * @return a copy of this result that records it
     */
    public ContinualResult withConfusion(ClassConfusion c) {
        ContinualResult r = copy();
        r.confusion = c;
        return r;
    }

    /**
     * @param all the class-IL confusion after each experience, in experience order (see {@link #confusions()}); null
     *            or empty for none
     * @return a copy of this result that records them
     */
    public ContinualResult withConfusions(List<ClassConfusion> all) {
        ContinualResult r = copy();
        r.confusions = all == null || all.isEmpty() ? null : List.copyOf(all);
        return r;
    }

    /**
     * @return the class-IL confusion after each experience the trainer recorded one for, in experience order
     *         ({@link ClassConfusion#after()}; its row accuracies are the per-class accuracies after that
     *         experience), unmodifiable; empty for older results and for streams of more than 256 classes (only
     *         {@link #confusion()} then)
     */
    public List<ClassConfusion> confusions() {
        return confusions == null ? List.of() : confusions;
    }

    /**
     * Records the intransigence of this run against a reference run (see
     * {@link AccuracyMatrix#intransigence(AccuracyMatrix)}): per experience, for the class-IL and task-IL matrices.
     *
     * @param reference a run of a cumulative strategy on the same scenario, at least as long as this one
     * @return a copy of this result that records it
     * @throws IllegalArgumentException if the reference ran another scenario or fewer experiences
     */
    public ContinualResult withIntransigence(ContinualResult reference) {
        java.util.Objects.requireNonNull(reference, "reference");
        if (!java.util.Objects.equals(reference.scenario, scenario)) {
            throw new IllegalArgumentException("The reference ran scenario '" + reference.scenario + "', this run '"
                    + scenario + "'");
        }
        Map<String, double[]> m = new LinkedHashMap<>();
        for (String name : List.of(CLASS_IL, TASK_IL)) {
            if (matrices.containsKey(name) && reference.matrices.containsKey(name)) {
                m.put(name, matrices.get(name).intransigence(reference.matrices.get(name)));
            }
        }
        ContinualResult r = copy();
        r.intransigence = m;
        r.intransigenceReference = reference.strategy + (reference.runId == null ? "" : " (" + reference.runId + ")");
        return r;
    }

    /**
     * @param curve the anytime-evaluation curve, or null
     * @return a copy of this result that records it
     */
    public ContinualResult withAnytime(AnytimeCurve curve) {
        ContinualResult r = copy();
        r.anytime = curve;
        return r;
    }

    /**
     * @param matrix a matrix name ({@link #CLASS_IL}, {@link #TASK_IL})
     * @return the intransigence per experience recorded by {@link #withIntransigence}, a copy, or null
     */
    public double[] intransigence(String matrix) {
        double[] v = intransigence == null ? null : intransigence.get(matrix);
        return v == null ? null : v.clone();
    }

    /** @return the reference run of {@link #intransigence(String)} (strategy and run id), or null */
    public String intransigenceReference() {
        return intransigenceReference;
    }

    /**
     * @return the accuracy on the classes seen so far after every k training examples
     *         ({@code ContinualConfiguration.Builder.anytimeEvaluationEvery(k)}), or null when the run had none
     */
    public AnytimeCurve anytime() {
        return anytime;
    }

    /** @return the network's layers and parameter counts when the run started, or null if not recorded */
    public ModelSummary modelSummary() {
        return modelSummary;
    }

    /**
     * @return the scenario's class names by the dataset's class id (index = label column), unmodifiable; empty when
     *         the scenario had none
     */
    public List<String> classNames() {
        return classNames == null ? List.of() : Collections.unmodifiableList(classNames);
    }

    /**
     * @param relabelled a class id of the scenario (arrival order, as in the accuracy matrices and
     *                   {@link #confusion()})
     * @return its name when the scenario had names, else its dataset class id ({@link #classOrder()}), else the id
     *         itself
     */
    public String className(int relabelled) {
        if (relabelled >= 0 && relabelled < classOrder.length) {
            int id = classOrder[relabelled];
            return classNames != null && id >= 0 && id < classNames.size() ? classNames.get(id) : Integer.toString(id);
        }
        return Integer.toString(relabelled);
    }

    /**
     * @return the class-IL confusion matrix of the test stream after the last experience (classes relabelled in
     *         arrival order), or null: not recorded (older results, a training backend that evaluates elsewhere, a
     *         run stopped before its last experience)
     */
    public ClassConfusion confusion() {
        return confusion;
    }

    /**
     * A copy of this result that records the run's identity, so that {@code result.json} holds every setting of
     * the run: the trainer's configuration and the network's (updater, learning rates, layers).
     *
     * @param runId       the run's id (kept by its checkpoints), or null
     * @param networkJson the network's configuration JSON, or null (SameDiff)
     * @return a new result
     */
    public ContinualResult withRun(String runId, String networkJson) {
        ContinualResult r = copy();
        r.runId = runId;
        try {
            r.network = networkJson == null ? null : ContinualJson.mapper().readValue(networkJson, Object.class);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("The network configuration is not JSON: " + e.getMessage(), e);
        }
        return r;
    }

    /** @return the run's id (see {@link #withRun}), or null */
    public String runId() {
        return runId;
    }

    /** @return the network's configuration as a JSON tree (maps, lists, values), or null if not recorded */
    public Object network() {
        return network;
    }

    /** @return the names of the matrices, in order (the network's first) */
    public Set<String> matrixNames() {
        return Collections.unmodifiableSet(matrices.keySet());
    }

    /**
     * @param name a matrix name, see {@link #matrixNames()}
     * @return that matrix
     * @throws IllegalArgumentException naming the matrices there are if there is no such matrix
     */
    public AccuracyMatrix matrix(String name) {
        AccuracyMatrix a = matrices.get(name);
        if (a == null) {
            throw new IllegalArgumentException("This result has no matrix '" + name + "' (matrices: "
                    + matrices.keySet() + ")");
        }
        return a;
    }

    /** @return the named scalars */
    public Map<String, Double> scalars() {
        return Collections.unmodifiableMap(scalars);
    }

    /**
     * @return the names of the extra heads that have class-IL and task-IL matrices (e.g. "nme"), in order
     */
    public Set<String> heads() {
        Set<String> h = new LinkedHashSet<>();
        for (String k : matrices.keySet()) {
            if (k.endsWith("." + CLASS_IL) && matrices.containsKey(k.substring(0, k.length() - CLASS_IL.length())
                    + TASK_IL)) {
                h.add(k.substring(0, k.length() - CLASS_IL.length() - 1));
            }
        }
        return Collections.unmodifiableSet(h);
    }

    /**
     * @param head an extra evaluation head's name, see {@link #heads()}
     * @return its class-IL accuracy matrix
     * @throws IllegalArgumentException if the run had no such head
     */
    public AccuracyMatrix classIncremental(String head) {
        return head(head, CLASS_IL);
    }

    /**
     * @param head an extra evaluation head's name, see {@link #heads()}
     * @return its task-IL (masked) accuracy matrix
     * @throws IllegalArgumentException if the run had no such head
     */
    public AccuracyMatrix taskIncremental(String head) {
        return head(head, TASK_IL);
    }

    private AccuracyMatrix head(String head, String row) {
        AccuracyMatrix a = matrices.get(head + "." + row);
        if (a == null) {
            throw new IllegalArgumentException("This result has no evaluation head '" + head + "' (heads: "
                    + heads() + ")");
        }
        return a;
    }

    /** Reads the matrices of results written before named matrices existed. */
    @JsonProperty("classIncremental")
    private void setLegacyClassIncremental(AccuracyMatrix m) {
        matrices.put(CLASS_IL, m);
    }

    @JsonProperty("taskIncremental")
    private void setLegacyTaskIncremental(AccuracyMatrix m) {
        matrices.put(TASK_IL, m);
    }

    @JsonProperty("headClassIncremental")
    private void setLegacyHeadClass(Map<String, AccuracyMatrix> m) {
        m.forEach((k, v) -> matrices.put(k + "." + CLASS_IL, v));
    }

    @JsonProperty("headTaskIncremental")
    private void setLegacyHeadTask(Map<String, AccuracyMatrix> m) {
        m.forEach((k, v) -> matrices.put(k + "." + TASK_IL, v));
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
        return matrices.get(CLASS_IL);
    }

    /** @return the task-incremental (masked single-head) accuracy matrix */
    public AccuracyMatrix taskIncremental() {
        return matrices.get(TASK_IL);
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
        AccuracyMatrix c = classIncremental();
        AccuracyMatrix t = taskIncremental();
        row(sb, "final_average_accuracy", c.finalAverageAccuracy(), t.finalAverageAccuracy());
        row(sb, "average_incremental_accuracy", c.averageIncrementalAccuracy(), t.averageIncrementalAccuracy());
        row(sb, "average_forgetting", c.averageForgetting(), t.averageForgetting());
        row(sb, "backward_transfer", c.backwardTransfer(), t.backwardTransfer());
        row(sb, "forward_transfer", c.forwardTransfer(), t.forwardTransfer());
        for (String h : heads()) {
            row(sb, h + "_final_average_accuracy", classIncremental(h).finalAverageAccuracy(),
                    taskIncremental(h).finalAverageAccuracy());
            row(sb, h + "_average_incremental_accuracy", classIncremental(h).averageIncrementalAccuracy(),
                    taskIncremental(h).averageIncrementalAccuracy());
        }
        for (Map.Entry<String, AccuracyMatrix> m : matrices.entrySet()) {
            String k = m.getKey();
            if (!k.equals(CLASS_IL) && !k.equals(TASK_IL) && !k.endsWith("." + CLASS_IL)
                    && !k.endsWith("." + TASK_IL)) {
                row(sb, k.replace('.', '_') + "_final_average_accuracy", m.getValue().finalAverageAccuracy(),
                        Double.NaN);
            }
        }
        for (Map.Entry<String, Double> e : scalars.entrySet()) {
            row(sb, e.getKey().replace('.', '_'), e.getValue(), Double.NaN);
        }
        if (anytime != null) {
            row(sb, "anytime_auc", anytime.areaUnderCurve(), Double.NaN);
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
        write(new File(dir, "accuracy-class-il.csv"), classIncremental().toCsv());
        write(new File(dir, "accuracy-task-il.csv"), taskIncremental().toCsv());
        for (Map.Entry<String, AccuracyMatrix> m : matrices.entrySet()) {
            String k = m.getKey();
            if (k.equals(CLASS_IL) || k.equals(TASK_IL)) {
                continue;
            }
            String file = k.endsWith("." + CLASS_IL) ? "accuracy-class-il-" + k.substring(0, k.length() - 9)
                    : k.endsWith("." + TASK_IL) ? "accuracy-task-il-" + k.substring(0, k.length() - 8)
                    : "accuracy-" + k.replace('.', '-');
            write(new File(dir, file + ".csv"), m.getValue().toCsv());
        }
        StringBuilder sb = new StringBuilder(ExperienceResult.csvHeader()).append('\n');
        for (ExperienceResult e : experiences) {
            sb.append(e.toCsvRow()).append('\n');
        }
        write(new File(dir, "experiences.csv"), sb.toString());
        if (anytime != null) {
            write(new File(dir, "anytime.csv"), anytime.toCsv());
        }
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
                .append(classIncremental());
        sb.append("Task-IL accuracy matrix (single head, predictions masked to the experience's classes)\n")
                .append(taskIncremental());
        for (Map.Entry<String, AccuracyMatrix> m : matrices.entrySet()) {
            String k = m.getKey();
            if (k.endsWith("." + CLASS_IL)) {
                sb.append("Class-IL accuracy matrix of the '").append(k, 0, k.length() - 9).append("' head\n")
                        .append(m.getValue());
            } else if (!k.equals(CLASS_IL) && !k.equals(TASK_IL) && !k.endsWith("." + TASK_IL)) {
                sb.append("Matrix '").append(k).append("'\n").append(m.getValue());
            }
        }
        sb.append(summaryCsv().replace(',', '\t'));
        sb.append(String.format(Locale.ROOT, "total time %.1f s%n", totalMillis / 1000.0));
        return sb.toString();
    }
}
