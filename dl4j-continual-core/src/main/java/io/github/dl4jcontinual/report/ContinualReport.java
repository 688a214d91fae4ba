package io.github.dl4jcontinual.report;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

import static io.github.dl4jcontinual.report.Svg.escape;
import static io.github.dl4jcontinual.report.Svg.fmt;

/**
 * A self-contained HTML report of one or more continual runs: per run the class-IL and task-IL accuracy matrices as
 * heatmaps, the accuracy on each experience over time, the average accuracy after each experience, forgetting per
 * experience, time and memory per experience, the configuration and seed; for several runs (strategies, seeds)
 * their average-accuracy curves on one plot and a summary table.
 *
 * <p>The page needs no network: charts are inline SVG made here, and the only script (a few lines) counts the
 * rendered charts. Every plotted value carries its exact value in a {@code data-value} attribute, and the results
 * themselves are embedded as {@code <script type="application/json" id="continual-results">} (a JSON array of
 * {@link ContinualResult#toJson()} in run order), so the report can be checked against {@code result.json}.
 * Immutable; the HTML depends only on the results (no timestamps), so equal results give equal reports.</p>
 *
 * <pre>{@code
 * ContinualReport.from(result).writeTo(new File("results/run1/report.html"));
 * ContinualReport.fromJson(new File("results/split-mnist")).writeTo(new File("comparison.html"));
 * }</pre>
 */
public final class ContinualReport {
    /** The element id of the embedded JSON copy of the results. */
    public static final String RESULTS_ELEMENT_ID = "continual-results";

    private final List<ContinualResult> results;
    private final List<String> labels;
    private final String title;

    private ContinualReport(List<ContinualResult> results, String title) {
        if (results.isEmpty()) {
            throw new IllegalArgumentException("A report needs at least one result");
        }
        this.results = List.copyOf(withIntransigence(results));
        this.labels = Collections.unmodifiableList(labels(results));
        this.title = Objects.requireNonNull(title, "title");
    }

    /**
     * Adds the intransigence of every run that has none recorded against a run of the {@code cumulative} strategy on
     * the same scenario with the same seed, when the report holds one (Chaudhry et al. 2018).
     */
    private static List<ContinualResult> withIntransigence(List<ContinualResult> results) {
        List<ContinualResult> out = new ArrayList<>();
        for (ContinualResult r : results) {
            ContinualResult withRef = r;
            if (r.intransigence(ContinualResult.CLASS_IL) == null && !"cumulative".equals(r.strategy())) {
                for (ContinualResult ref : results) {
                    if ("cumulative".equals(ref.strategy()) && Objects.equals(ref.scenario(), r.scenario())
                            && ref.configuration().getSeed() == r.configuration().getSeed()
                            && ref.classIncremental().rows() >= Math.min(r.classIncremental().rows(),
                            r.classIncremental().columns())) {
                        withRef = r.withIntransigence(ref);
                        break;
                    }
                }
            }
            out.add(withRef);
        }
        return out;
    }

    /**
     * @param results one or more runs; several are compared on one plot and in a summary table
     * @return the report
     * @throws IllegalArgumentException if no result is given
     */
    public static ContinualReport from(ContinualResult... results) {
        return from(Arrays.asList(results));
    }

    /**
     * @param results one or more runs, in the order they appear in the report
     * @return the report
     * @throws IllegalArgumentException if the list is empty
     */
    public static ContinualReport from(List<ContinualResult> results) {
        String title = results.isEmpty() ? ""
                : (results.size() > 1 ? "Continual runs: " : "Continual run: ") + results.get(0).scenario();
        return new ContinualReport(results, title);
    }

    /**
     * Loads results written by {@link ContinualResult#writeTo(File)}. Each path is a {@code result.json}, a run
     * directory holding one, or a directory whose sub-directories hold one each (taken in name order).
     *
     * @param paths files or directories
     * @return the report of every result found
     * @throws IOException              if a file cannot be read
     * @throws IllegalArgumentException if no result is found or a file is not a result
     */
    public static ContinualReport fromJson(File... paths) throws IOException {
        List<ContinualResult> found = new ArrayList<>();
        for (File p : paths) {
            for (File f : resultFiles(p)) {
                found.add(ContinualResult.fromJson(Files.readString(f.toPath(), StandardCharsets.UTF_8)));
            }
        }
        if (found.isEmpty()) {
            throw new IllegalArgumentException("No result.json found in " + Arrays.toString(paths));
        }
        return from(found);
    }

    private static List<File> resultFiles(File p) {
        if (p.isFile()) {
            return List.of(p);
        }
        File own = new File(p, "result.json");
        if (own.isFile()) {
            return List.of(own);
        }
        List<File> out = new ArrayList<>();
        File[] subs = p.listFiles(File::isDirectory);
        if (subs != null) {
            Arrays.sort(subs);
            for (File s : subs) {
                if (new File(s, "result.json").isFile()) {
                    out.add(new File(s, "result.json"));
                }
            }
        }
        return out;
    }

    /**
     * @param newTitle the page title
     * @return a copy of this report with that title
     */
    public ContinualReport withTitle(String newTitle) {
        return new ContinualReport(results, newTitle);
    }

    /** @return the results in report order */
    public List<ContinualResult> results() {
        return results;
    }

    /** @return each run's label ({@code strategy seed N}, made unique), in report order */
    public List<String> labels() {
        return labels;
    }

    /**
     * Run labels: the strategy and the seed, plus the settings that tell runs of the same strategy apart (the leaves
     * of the trainer's and the network's configuration JSON whose values differ between them, seeds and DL4J's
     * iteration/epoch counters excluded, at most
     * {@value #MAX_LABEL_SETTINGS}, named by their last path element): two ER runs with buffers of 200 and 500 read
     * "ER seed 1 (capacity=200)" and "ER seed 1 (capacity=500)". Identical labels left get "#2", "#3".
     */
    static List<String> labels(List<ContinualResult> results) {
        List<String> suffixes = suffixes(results, settings(results));
        List<String> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (int i = 0; i < results.size(); i++) {
            ContinualResult r = results.get(i);
            String base = r.strategy() + " seed " + r.configuration().getSeed() + suffixes.get(i);
            int n = seen.merge(base, 1, Integer::sum);
            out.add(n == 1 ? base : base + " #" + n);
        }
        return out;
    }

    /** Every run's flattened trainer and network configuration, path to value. */
    private static List<Map<String, String>> settings(List<ContinualResult> results) {
        List<Map<String, String>> settings = new ArrayList<>();
        for (ContinualResult r : results) {
            Map<String, String> m = new java.util.LinkedHashMap<>();
            try {
                flatten("", ContinualJson.mapper().readTree(r.configuration().toJson()), m);
            } catch (IOException e) {
                throw new IllegalStateException("A run's configuration does not read back as JSON", e);
            }
            if (r.network() != null) {
                flatten("network", ContinualJson.mapper().valueToTree(r.network()), m);
            }
            settings.add(m);
        }
        return settings;
    }

    /** Every run's " (key=value, ...)": the settings that differ from another run of its strategy, or "". */
    private static List<String> suffixes(List<ContinualResult> results, List<Map<String, String>> settings) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            ContinualResult r = results.get(i);
            StringBuilder differing = new StringBuilder();
            int shown = 0;
            for (Map.Entry<String, String> e : settings.get(i).entrySet()) {
                String key = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
                if (NOT_SETTINGS.contains(key) || shown == MAX_LABEL_SETTINGS) {
                    continue;
                }
                for (int k = 0; k < results.size(); k++) {
                    if (k != i && results.get(k).strategy().equals(r.strategy())
                            && !e.getValue().equals(settings.get(k).get(e.getKey()))) {
                        differing.append(shown++ == 0 ? " (" : ", ").append(key).append('=').append(e.getValue());
                        break;
                    }
                }
            }
            out.add(shown > 0 ? differing + ")" : "");
        }
        return out;
    }

    /**
     * Runs that share one configuration apart from the seed: the same scenario, strategy and settings (the leaves
     * of the trainer's and network's configuration, seeds and DL4J's counters excluded), in order of their first
     * run; each group lists its runs in report order.
     */
    static List<List<Integer>> seedGroups(List<ContinualResult> results) {
        List<Map<String, String>> settings = settings(results);
        Map<String, List<Integer>> groups = new java.util.LinkedHashMap<>();
        for (int i = 0; i < results.size(); i++) {
            ContinualResult r = results.get(i);
            StringBuilder key = new StringBuilder(r.scenario()).append('\u0000').append(r.strategy());
            for (Map.Entry<String, String> e : settings.get(i).entrySet()) {
                String leaf = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
                if (!NOT_SETTINGS.contains(leaf)) {
                    key.append('\u0000').append(e.getKey()).append('=').append(e.getValue());
                }
            }
            groups.computeIfAbsent(key.toString(), k -> new ArrayList<>()).add(i);
        }
        return new ArrayList<>(groups.values());
    }

    /** @return each seed group's label: the strategy and the settings that tell it apart (made unique) */
    private static List<String> groupLabels(List<ContinualResult> results, List<List<Integer>> groups) {
        List<String> suffixes = suffixes(results, settings(results));
        List<String> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        for (List<Integer> g : groups) {
            int first = g.get(0);
            String base = results.get(first).strategy() + suffixes.get(first);
            int n = seen.merge(base, 1, Integer::sum);
            out.add(n == 1 ? base : base + " #" + n);
        }
        return out;
    }

    /** Keys that differ between runs without being settings: the seed (in the label already), DL4J's counters. */
    private static final java.util.Set<String> NOT_SETTINGS = java.util.Set.of("seed", "iterationCount",
            "epochCount");

    /** How many differing settings a run label names at most. */
    static final int MAX_LABEL_SETTINGS = 4;

    private static void flatten(String path, org.nd4j.shade.jackson.databind.JsonNode n, Map<String, String> out) {
        if (n.isObject()) {
            n.fields().forEachRemaining(f -> flatten(path.isEmpty() ? f.getKey() : path + "." + f.getKey(),
                    f.getValue(), out));
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                flatten(path + "[" + i + "]", n.get(i), out);
            }
        } else {
            out.put(path, n.asText());
        }
    }

    /**
     * Writes the HTML (UTF-8), creating parent directories.
     *
     * @param file the target, e.g. {@code report.html}
     * @return the file
     * @throws IOException on write failure
     */
    public File writeTo(File file) throws IOException {
        File parent = file.getAbsoluteFile().getParentFile();
        if (parent != null) {
            Files.createDirectories(parent.toPath());
        }
        Files.write(file.toPath(), toHtml().getBytes(StandardCharsets.UTF_8));
        return file;
    }

    /** @return the whole page */
    public String toHtml() {
        StringBuilder sb = new StringBuilder(64 * 1024);
        sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
                .append("<meta name=\"generator\" content=\"dl4j-continual\"><title>").append(escape(title))
                .append("</title><style>").append(CSS).append("</style></head><body>\n");
        sb.append("<h1>").append(escape(title)).append("</h1>\n");
        if (results.size() > 1) {
            comparison(sb);
        }
        for (int r = 0; r < results.size(); r++) {
            run(sb, r);
        }
        sb.append("<script type=\"application/json\" id=\"").append(RESULTS_ELEMENT_ID).append("\">[");
        for (int r = 0; r < results.size(); r++) {
            sb.append(r == 0 ? "" : ",").append(scriptSafe(results.get(r).toJson()));
        }
        sb.append("]</script>\n<script>").append(SCRIPT).append("</script>\n</body></html>\n");
        return sb.toString();
    }

    /** JSON inside a script element: "&lt;/" would end the element, so every '&lt;' is written as \u003c. */
    private static String scriptSafe(String json) {
        return json.replace("<", "\\u003c");
    }

    private void comparison(StringBuilder sb) {
        sb.append("<section id=\"comparison\"><h2>Comparison</h2>\n");
        int maxRows = results.stream().mapToInt(r -> r.classIncremental().rows()).max().orElse(0);
        List<String> x = experienceLabels(maxRows);
        List<List<Integer>> groups = seedGroups(results);
        boolean aggregated = groups.stream().anyMatch(g -> g.size() > 1);
        if (aggregated) {
            List<String> groupLabels = groupLabels(results, groups);
            sb.append("<p class=\"note\">Runs that differ only in their seed are aggregated: the curves are the mean "
                    + "over seeds with a band of &#177; one standard deviation (sample, n &#8722; 1); the table gives "
                    + "mean &#177; sd and n. Every run is listed below.</p><div class=\"row\">");
            for (boolean task : new boolean[]{false, true}) {
                List<Svg.Series> series = new ArrayList<>();
                for (int g = 0; g < groups.size(); g++) {
                    double[][] ms = meanSd(groups.get(g), r -> averages(matrix(results.get(r), task), maxRows),
                            maxRows);
                    series.add(new Svg.Series(groupLabels.get(g) + " (n=" + groups.get(g).size() + ")", ms[0],
                            ms[1]));
                }
                String name = task ? "task-IL" : "class-IL";
                figure(sb, "Average accuracy after each experience, " + name + ", mean \u00b1 sd over seeds",
                        Svg.lineChart("comparison-seeds-average-" + (task ? "task-il" : "class-il"), x,
                                "trained up to experience", series, 0, 1, true));
            }
            sb.append("</div>\n");
            seedSummary(sb, groups, groupLabels);
            sb.append("<h3>Individual runs</h3>");
        }
        sb.append("<div class=\"row\">");
        for (boolean task : new boolean[]{false, true}) {
            List<Svg.Series> series = new ArrayList<>();
            for (int r = 0; r < results.size(); r++) {
                series.add(new Svg.Series(labels.get(r), averages(matrix(results.get(r), task), maxRows)));
            }
            String name = task ? "task-IL" : "class-IL";
            figure(sb, "Average accuracy after each experience, " + name,
                    Svg.lineChart("comparison-average-" + (task ? "task-il" : "class-il"), x,
                            "trained up to experience", series, 0, 1, true));
        }
        sb.append("</div>\n<table class=\"summary\" id=\"summary\"><thead><tr><th>run</th><th>scenario</th>"
                + "<th>experiences</th><th>final avg acc class-IL</th><th>final avg acc task-IL</th>"
                + "<th>avg incremental acc class-IL</th><th>avg forgetting class-IL</th><th>avg forgetting task-IL</th>"
                + "<th>BWT class-IL</th><th>FWT task-IL</th><th>avg intransigence class-IL</th><th>time (s)</th></tr>"
                + "</thead><tbody>\n");
        for (int r = 0; r < results.size(); r++) {
            ContinualResult res = results.get(r);
            AccuracyMatrix c = res.classIncremental();
            AccuracyMatrix t = res.taskIncremental();
            sb.append("<tr data-run=\"").append(r).append("\"><td><a href=\"#run-").append(r).append("\">")
                    .append(escape(labels.get(r))).append("</a></td><td>").append(escape(res.scenario()))
                    .append("</td><td>").append(c.rows()).append("</td>");
            cell(sb, "final-class-il", c.finalAverageAccuracy(), true);
            cell(sb, "final-task-il", t.finalAverageAccuracy(), true);
            cell(sb, "average-incremental-class-il", c.averageIncrementalAccuracy(), true);
            cell(sb, "forgetting-class-il", c.averageForgetting(), true);
            cell(sb, "forgetting-task-il", t.averageForgetting(), true);
            cell(sb, "bwt-class-il", c.backwardTransfer(), true);
            cell(sb, "fwt-task-il", t.forwardTransfer(), true);
            cell(sb, "intransigence-class-il", averageIntransigence(res), true);
            cell(sb, "seconds", res.totalMillis() / 1000.0, false);
            sb.append("</tr>\n");
        }
        sb.append("</tbody></table></section>\n");
    }

    /** The summary metrics of a run, in the columns of both summary tables; fractions first, then seconds. */
    private static final String[] SUMMARY_NAMES = {"final-class-il", "final-task-il", "average-incremental-class-il",
        "forgetting-class-il", "forgetting-task-il", "bwt-class-il", "fwt-task-il", "intransigence-class-il", "seconds"};

    private static double[] summaryValues(ContinualResult res) {
        AccuracyMatrix c = res.classIncremental();
        AccuracyMatrix t = res.taskIncremental();
        return new double[]{c.finalAverageAccuracy(), t.finalAverageAccuracy(), c.averageIncrementalAccuracy(),
            c.averageForgetting(), t.averageForgetting(), c.backwardTransfer(), t.forwardTransfer(),
            averageIntransigence(res), res.totalMillis() / 1000.0};
    }

    /** @return the mean of the run's recorded class-IL intransigence, NaN when none is recorded */
    private static double averageIntransigence(ContinualResult res) {
        double[] v = res.intransigence(ContinualResult.CLASS_IL);
        if (v == null) {
            return Double.NaN;
        }
        double sum = 0;
        int n = 0;
        for (double x : v) {
            if (!Double.isNaN(x)) {
                sum += x;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    private void seedSummary(StringBuilder sb, List<List<Integer>> groups, List<String> groupLabels) {
        sb.append("<table class=\"summary\" id=\"summary-seeds\"><thead><tr><th>configuration</th><th>scenario</th>"
                + "<th>n</th><th>seeds</th><th>final avg acc class-IL</th><th>final avg acc task-IL</th>"
                + "<th>avg incremental acc class-IL</th><th>avg forgetting class-IL</th><th>avg forgetting task-IL</th>"
                + "<th>BWT class-IL</th><th>FWT task-IL</th><th>avg intransigence class-IL</th><th>time (s)</th></tr>"
                + "</thead><tbody>\n");
        for (int g = 0; g < groups.size(); g++) {
            List<Integer> members = groups.get(g);
            StringBuilder seeds = new StringBuilder();
            for (int r : members) {
                seeds.append(seeds.length() == 0 ? "" : ", ").append(results.get(r).configuration().getSeed());
            }
            sb.append("<tr data-group=\"").append(g).append("\" data-runs=\"")
                    .append(members.toString().replaceAll("[\\[\\] ]", "")).append("\"><td>")
                    .append(escape(groupLabels.get(g))).append("</td><td>")
                    .append(escape(results.get(members.get(0)).scenario())).append("</td><td>").append(members.size())
                    .append("</td><td>").append(escape(seeds.toString())).append("</td>");
            for (int k = 0; k < SUMMARY_NAMES.length; k++) {
                int col = k;
                double[][] ms = meanSd(members, r -> new double[]{summaryValues(results.get(r))[col]}, 1);
                meanSdCell(sb, SUMMARY_NAMES[k], ms[0][0], ms[1][0], (int) ms[2][0], k < SUMMARY_NAMES.length - 1);
            }
            sb.append("</tr>\n");
        }
        sb.append("</tbody></table>\n");
    }

    /**
     * Mean and sample standard deviation over runs, position by position, of the values that are defined.
     *
     * @param runs   the runs
     * @param values a run's values
     * @param length positions
     * @return {mean[], sd[], n[]}: NaN mean where no run has a value, NaN sd where fewer than two have
     */
    static double[][] meanSd(List<Integer> runs, java.util.function.IntFunction<double[]> values, int length) {
        double[] mean = new double[length];
        double[] sd = new double[length];
        double[] count = new double[length];
        List<double[]> all = new ArrayList<>();
        for (int r : runs) {
            all.add(values.apply(r));
        }
        for (int i = 0; i < length; i++) {
            double sum = 0;
            int n = 0;
            for (double[] v : all) {
                if (i < v.length && !Double.isNaN(v[i])) {
                    sum += v[i];
                    n++;
                }
            }
            double m = n == 0 ? Double.NaN : sum / n;
            double sq = 0;
            for (double[] v : all) {
                if (i < v.length && !Double.isNaN(v[i])) {
                    sq += (v[i] - m) * (v[i] - m);
                }
            }
            mean[i] = m;
            sd[i] = n < 2 ? Double.NaN : Math.sqrt(sq / (n - 1));
            count[i] = n;
        }
        return new double[][]{mean, sd, count};
    }

    private static void meanSdCell(StringBuilder sb, String name, double mean, double sd, int n, boolean percent) {
        String shown = Double.isNaN(mean) ? "&#8211;"
                : (percent ? fmt("%.2f", 100 * mean) : fmt("%.4g", mean))
                + (Double.isNaN(sd) ? "" : " &#177; " + (percent ? fmt("%.2f", 100 * sd) : fmt("%.4g", sd)));
        sb.append("<td data-name=\"").append(escape(name)).append("\" data-value=\"").append(mean)
                .append("\" data-sd=\"").append(sd).append("\" data-n=\"").append(n).append("\">").append(shown)
                .append("</td>");
    }

    private void run(StringBuilder sb, int r) {
        ContinualResult res = results.get(r);
        String p = "run" + r + "-";
        sb.append(fmt("<section class=\"run\" id=\"run-%d\" data-run=\"%d\" data-label=\"%s\"><h2>%s</h2>\n", r, r,
                escape(labels.get(r)), escape(labels.get(r))));
        configuration(sb, res);
        model(sb, res);
        sb.append("<h3>Accuracy matrices</h3><p class=\"note\">Row: after training experience i; column: test "
                + "experience j; values in %. Class-IL: arg-max over the classes seen so far; task-IL: arg-max over "
                + "the evaluated experience's classes.</p><div class=\"row\">");
        figure(sb, "class-IL", Svg.heatmap(p + "matrix-class-il", res.classIncremental()));
        figure(sb, "task-IL", Svg.heatmap(p + "matrix-task-il", res.taskIncremental()));
        for (String h : res.heads()) {
            figure(sb, "class-IL, head '" + h + "'", Svg.heatmap(p + "matrix-class-il-" + h, res.classIncremental(h)));
        }
        sb.append("</div>\n<h3>Curves</h3><div class=\"row\">");
        int rows = res.classIncremental().rows();
        List<String> x = experienceLabels(rows);
        for (boolean task : new boolean[]{false, true}) {
            AccuracyMatrix m = matrix(res, task);
            List<Svg.Series> perExperience = new ArrayList<>();
            for (int j = 0; j < m.columns(); j++) {
                double[] v = new double[rows];
                for (int i = 0; i < rows; i++) {
                    v[i] = i >= j ? m.get(i, j) : Double.NaN;
                }
                perExperience.add(new Svg.Series("exp " + j, v));
            }
            String name = task ? "task-il" : "class-il";
            figure(sb, "Accuracy on each experience over time, " + (task ? "task-IL" : "class-IL"),
                    Svg.lineChart(p + "experience-accuracy-" + name, x, "trained up to experience", perExperience,
                            0, 1, true));
        }
        List<Svg.Series> avg = new ArrayList<>();
        avg.add(new Svg.Series("class-IL", averages(res.classIncremental(), rows)));
        avg.add(new Svg.Series("task-IL", averages(res.taskIncremental(), rows)));
        for (String h : res.heads()) {
            avg.add(new Svg.Series("class-IL " + h, averages(res.classIncremental(h), rows)));
        }
        figure(sb, "Average accuracy after each experience",
                Svg.lineChart(p + "average-accuracy", x, "trained up to experience", avg, 0, 1, true));
        int forgettable = Math.max(0, Math.min(rows - 1, res.classIncremental().columns()));
        List<Svg.Series> forgetting = List.of(
                new Svg.Series("class-IL", forgetting(res.classIncremental(), forgettable)),
                new Svg.Series("task-IL", forgetting(res.taskIncremental(), forgettable)));
        figure(sb, "Forgetting per experience (after the last one)",
                Svg.barChart(p + "forgetting", experienceLabels(forgettable), "test experience", forgetting, true));
        double[] ic = res.intransigence(ContinualResult.CLASS_IL);
        if (ic != null) {
            List<Svg.Series> in = new ArrayList<>();
            in.add(new Svg.Series("class-IL", ic));
            double[] it = res.intransigence(ContinualResult.TASK_IL);
            if (it != null) {
                in.add(new Svg.Series("task-IL", it));
            }
            figure(sb, "Intransigence per experience (against " + res.intransigenceReference() + ")",
                    Svg.barChart(p + "intransigence", experienceLabels(ic.length), "experience", in, true));
        }
        io.github.dl4jcontinual.eval.AnytimeCurve anytime = res.anytime();
        if (anytime != null) {
            List<String> seen = new ArrayList<>();
            for (long n : anytime.examples()) {
                seen.add(Long.toString(n));
            }
            figure(sb, String.format(java.util.Locale.ROOT, "Anytime accuracy on the classes seen so far (A_AUC "
                            + "%.2f %%)", 100 * anytime.areaUnderCurve()), Svg.lineChart(p + "anytime-accuracy", seen,
                    "training examples seen", List.of(new Svg.Series("class-IL", anytime.accuracy())), 0, 1, true));
        }
        sb.append("</div>\n");
        classes(sb, res, p);
        timeAndMemory(sb, res, p);
        sb.append("</section>\n");
    }

    private static void configuration(StringBuilder sb, ContinualResult res) {
        ContinualConfiguration conf = res.configuration();
        sb.append("<h3>Configuration</h3><table class=\"conf\"><tbody>");
        keyValue(sb, "scenario", res.scenario() + " (" + res.scenarioType() + ")");
        if (res.classNames().isEmpty()) {
            keyValue(sb, "class order", Arrays.toString(res.classOrder()));
        } else {
            StringBuilder order = new StringBuilder("[");
            int[] ids = res.classOrder();
            for (int k = 0; k < ids.length; k++) {
                order.append(k == 0 ? "" : ", ").append(ids[k]).append(' ').append(res.className(k));
            }
            keyValue(sb, "class order", order.append(']').toString());
        }
        keyValue(sb, "strategy", res.strategy());
        keyValue(sb, "seed", Long.toString(conf.getSeed()));
        keyValue(sb, "epochs per experience", Integer.toString(conf.getEpochsPerExperience()));
        keyValue(sb, "batch size", Integer.toString(conf.getBatchSize()));
        keyValue(sb, "head", conf.getHeadPolicy() + (conf.isMaskUnseenClasses() ? ", unseen classes masked" : ""));
        keyValue(sb, "total time", fmt("%.1f s", res.totalMillis() / 1000.0));
        sb.append("</tbody></table><details><summary>configuration JSON</summary><pre>").append(escape(conf.toJson()))
                .append("</pre></details>\n");
    }

    /** The network's layers and parameter counts as the run started, and DL4J's own summary table. */
    private static void model(StringBuilder sb, ContinualResult res) {
        io.github.dl4jcontinual.eval.ModelSummary m = res.modelSummary();
        if (m == null) {
            return;
        }
        sb.append("<h3>Model</h3><p class=\"note\">").append(escape(m.kind())).append(" as the run started: ")
                .append(m.layers().size()).append(" layers, ").append(fmt("%,d", m.totalParams()))
                .append(" parameters (DL4J's numParams()).</p><table class=\"model\"><thead><tr><th>layer</th>"
                        + "<th>type</th><th>nIn</th><th>nOut</th><th>parameter shapes</th><th>parameters</th></tr>"
                        + "</thead><tbody>");
        for (io.github.dl4jcontinual.eval.ModelSummary.LayerSummary l : m.layers()) {
            sb.append("<tr data-layer=\"").append(escape(l.name())).append("\"><td>").append(escape(l.name()))
                    .append("</td><td>").append(escape(l.type())).append("</td><td>")
                    .append(l.nIn() < 0 ? "" : Long.toString(l.nIn())).append("</td><td>")
                    .append(l.nOut() < 0 ? "" : Long.toString(l.nOut())).append("</td><td>").append(escape(l.shape()))
                    .append("</td><td data-name=\"params\" data-value=\"").append(l.params()).append("\">")
                    .append(fmt("%,d", l.params())).append("</td></tr>");
        }
        sb.append("<tr class=\"total\"><th colspan=\"5\">total</th><td data-name=\"total-params\" data-value=\"")
                .append(m.totalParams()).append("\">").append(fmt("%,d", m.totalParams()))
                .append("</td></tr></tbody></table>");
        if (m.text() != null) {
            sb.append("<details><summary>DL4J summary()</summary><pre>").append(escape(m.text()))
                    .append("</pre></details>");
        }
        sb.append('\n');
    }

    /** Per-class accuracy and the class-IL confusion heatmap after the last experience. */
    private static void classes(StringBuilder sb, ContinualResult res, String p) {
        io.github.dl4jcontinual.eval.ClassConfusion c = res.confusion();
        if (c == null) {
            return;
        }
        int n = c.numClasses();
        List<String> names = new ArrayList<>();
        double[] accuracy = new double[n];
        for (int k = 0; k < n; k++) {
            names.add(res.className(k));
            accuracy[k] = c.accuracy(k);
        }
        sb.append("<h3>Classes after experience ").append(c.after()).append("</h3><p class=\"note\">Class-IL, every "
                + "test example evaluated after the last experience; classes in arrival order")
                .append(res.classNames().isEmpty() ? " (dataset class ids)" : "")
                .append(". Confusion: row = actual class, column = predicted class, colour = share of the row, "
                        + "numbers = examples.</p><div class=\"row\">");
        figure(sb, "Accuracy per class", Svg.barChart(p + "class-accuracy", names, "class",
                List.of(new Svg.Series("class-IL", accuracy)), true));
        figure(sb, "Confusion matrix (class-IL)", Svg.confusion(p + "confusion", c.counts(), names));
        List<io.github.dl4jcontinual.eval.ClassConfusion> all = res.confusions();
        if (all.size() > 1) {
            figure(sb, "Accuracy per class after each experience (class-IL)", Svg.heatmap(p + "class-accuracy-matrix",
                    classAccuracy(all, n), "class", names));
        }
        sb.append("</div>\n");
        if (all.size() > 1 && n <= 50) {
            sb.append("<details><summary>Confusion after each experience</summary><div class=\"row\">");
            for (io.github.dl4jcontinual.eval.ClassConfusion e : all) {
                figure(sb, "after experience " + e.after(), Svg.confusion(p + "confusion-" + e.after(), e.counts(),
                        names));
            }
            sb.append("</div></details>\n");
        }
    }

    /**
     * @return rows = after experience k (the recorded ones, in order), columns = classes: correct counts over each
     *         class's test examples (undefined where a class had none evaluated)
     */
    private static AccuracyMatrix classAccuracy(List<io.github.dl4jcontinual.eval.ClassConfusion> all, int n) {
        long[] total = new long[n];
        for (io.github.dl4jcontinual.eval.ClassConfusion e : all) {
            for (int k = 0; k < Math.min(n, e.numClasses()); k++) {
                total[k] = Math.max(total[k], e.actualTotal(k));
            }
        }
        long[][] correct = new long[all.size()][n];
        for (int i = 0; i < all.size(); i++) {
            io.github.dl4jcontinual.eval.ClassConfusion e = all.get(i);
            for (int k = 0; k < n; k++) {
                correct[i][k] = k < e.numClasses() && e.actualTotal(k) == total[k] && total[k] > 0 ? e.count(k, k) : -1;
            }
        }
        return new AccuracyMatrix(correct, total, null);
    }

    private static String classList(ContinualResult res, int[] relabelled) {
        StringBuilder b = new StringBuilder("[");
        for (int k = 0; k < relabelled.length; k++) {
            b.append(k == 0 ? "" : ", ").append(res.className(relabelled[k]));
        }
        return b.append(']').toString();
    }

    private static void keyValue(StringBuilder sb, String key, String value) {
        sb.append("<tr><th>").append(escape(key)).append("</th><td data-key=\"").append(escape(key)).append("\">")
                .append(escape(value)).append("</td></tr>");
    }

    private static void timeAndMemory(StringBuilder sb, ContinualResult res, String p) {
        List<ExperienceResult> ex = res.experiences();
        int n = ex.size();
        double[] train = new double[n];
        double[] eval = new double[n];
        double[] heap = new double[n];
        double[] offHeap = new double[n];
        double[] physical = new double[n];
        TreeSet<String> metricNames = new TreeSet<>();
        for (int k = 0; k < n; k++) {
            ExperienceResult e = ex.get(k);
            train[k] = e.trainMillis() / 1000.0;
            eval[k] = e.evalMillis() / 1000.0;
            heap[k] = e.peakHeapBytes() / (1024.0 * 1024.0);
            offHeap[k] = e.offHeapBytes() / (1024.0 * 1024.0);
            physical[k] = e.physicalBytes() == 0 ? Double.NaN : e.physicalBytes() / (1024.0 * 1024.0);
            metricNames.addAll(e.metrics().keySet());
        }
        List<String> x = new ArrayList<>();
        ex.forEach(e -> x.add(Integer.toString(e.experience())));
        sb.append("<h3>Time and memory per experience</h3><div class=\"row\">");
        figure(sb, "Wall time (s)", Svg.barChart(p + "time", x, "experience",
                List.of(new Svg.Series("train", train), new Svg.Series("evaluation", eval)), false));
        figure(sb, "Memory (MiB)", Svg.barChart(p + "memory", x, "experience",
                List.of(new Svg.Series("peak heap", heap), new Svg.Series("JavaCPP off-heap", offHeap),
                        new Svg.Series("process physical", physical)), false));
        sb.append("</div>\n<table class=\"experiences\"><thead><tr><th>experience</th><th>classes</th>"
                + "<th>trained</th><th>examples seen</th><th>epochs</th><th>iterations</th><th>last score</th>"
                + "<th>train (ms)</th><th>eval (ms)</th><th>peak heap (MiB)</th><th>off-heap (MiB)</th>"
                + "<th>physical (MiB)</th>");
        metricNames.forEach(m -> sb.append("<th>").append(escape(m)).append("</th>"));
        sb.append("</tr></thead><tbody>");
        for (int k = 0; k < n; k++) {
            ExperienceResult e = ex.get(k);
            sb.append("<tr data-experience=\"").append(e.experience()).append("\"><td>").append(e.experience())
                    .append("</td><td>").append(escape(res.classNames().isEmpty() ? Arrays.toString(e.classes())
                            : classList(res, e.classes()))).append("</td><td>")
                    .append(e.trained()).append("</td><td>").append(e.examplesSeen()).append("</td><td>")
                    .append(e.epochs()).append("</td><td>").append(e.iterations()).append("</td>");
            cell(sb, "last-score", e.lastScore(), false);
            sb.append("<td data-name=\"train-ms\" data-value=\"").append(e.trainMillis()).append("\">")
                    .append(e.trainMillis()).append("</td><td data-name=\"eval-ms\" data-value=\"")
                    .append(e.evalMillis()).append("\">").append(e.evalMillis()).append("</td>");
            cell(sb, "peak-heap-mib", heap[k], false);
            cell(sb, "off-heap-mib", offHeap[k], false);
            cell(sb, "physical-mib", physical[k], false);
            for (String m : metricNames) {
                Double v = e.metrics().get(m);
                cell(sb, m, v == null ? Double.NaN : v, false);
            }
            sb.append("</tr>");
        }
        sb.append("</tbody></table>\n");
    }

    private static void cell(StringBuilder sb, String name, double v, boolean percent) {
        String shown = Double.isNaN(v) ? "&#8211;" : percent ? fmt("%.2f", 100 * v) : fmt("%.4g", v);
        sb.append("<td data-name=\"").append(escape(name)).append("\" data-value=\"").append(v).append("\">")
                .append(shown).append("</td>");
    }

    private static void figure(StringBuilder sb, String caption, String svg) {
        sb.append("<figure>").append(svg).append("<figcaption>").append(escape(caption))
                .append("</figcaption></figure>");
    }

    private static AccuracyMatrix matrix(ContinualResult r, boolean task) {
        return task ? r.taskIncremental() : r.classIncremental();
    }

    private static double[] averages(AccuracyMatrix m, int length) {
        double[] v = new double[length];
        for (int i = 0; i < length; i++) {
            v[i] = i < m.rows() ? m.averageAccuracy(i) : Double.NaN;
        }
        return v;
    }

    private static double[] forgetting(AccuracyMatrix m, int length) {
        double[] v = new double[length];
        for (int j = 0; j < length; j++) {
            v[j] = m.forgetting(j);
        }
        return v;
    }

    private static List<String> experienceLabels(int n) {
        List<String> x = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            x.add(Integer.toString(i));
        }
        return x;
    }

    private static final String CSS = "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
            + "margin:24px;color:#222;max-width:1240px}h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid "
            + "#ccc;padding-bottom:4px;margin-top:32px}h3{font-size:15px;margin:18px 0 6px}.row{display:flex;"
            + "flex-wrap:wrap;gap:12px}figure{margin:0}figcaption{font-size:13px;color:#444;text-align:center}"
            + "table{border-collapse:collapse;font-size:12px;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 7px;"
            + "text-align:right}th{background:#f4f4f4}.conf th,.conf td{text-align:left}.note{font-size:12px;"
            + "color:#555}pre{font-size:11px;background:#f8f8f8;padding:8px;overflow:auto}svg text{font-size:11px;"
            + "fill:#333}svg .axis{font-size:12px}svg .cellText{font-size:11px}svg .grid{stroke:#e3e3e3}"
            + "svg .legend{font-size:11px}.model td:nth-child(-n+2),.model td:nth-child(5){text-align:left}"
            + "tr.total th{text-align:right}td[data-sd]{white-space:nowrap}";

    /** Counts the charts the browser actually laid out (width &gt; 0) and checks the embedded results parse. */
    private static final String SCRIPT = "(function(){var n=0;document.querySelectorAll('svg').forEach("
            + "function(s){if(s.getBBox().width>0){n++;}});var runs=JSON.parse(document.getElementById('"
            + RESULTS_ELEMENT_ID + "').textContent);document.documentElement.setAttribute('data-rendered-charts',"
            + "String(n));document.documentElement.setAttribute('data-runs',String(runs.length));})();";
}
