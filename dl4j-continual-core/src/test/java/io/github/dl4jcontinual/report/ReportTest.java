package io.github.dl4jcontinual.report;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.logging.CsvLogger;
import io.github.dl4jcontinual.logging.JsonLinesLogger;
import io.github.dl4jcontinual.plugin.impl.CumulativeTraining;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The HTML report and the loggers on a real 5-experience Split-MNIST run (600 training and 200 test examples per
 * experience, MLP 784-64-64-10): Naive and Cumulative, so that the comparison part is rendered too. Every value the
 * report plots is read back from its {@code data-value} attributes and compared exactly with {@code result.json}.
 */
class ReportTest {
    @TempDir
    static Path tmp;
    private static File naiveDir;
    private static File cumulativeDir;
    private static ContinualResult naive;
    private static ContinualResult cumulative;

    @BeforeAll
    static void run() throws IOException {
        Scenario scenario = new ClassIncrementalScenario.Builder()
                .train(SharedData.head(SharedData.mnistTrain(), 3000))
                .test(SharedData.head(SharedData.mnistTest(), 1000))
                .numExperiences(5).name("split-mnist-small").build();
        ContinualConfiguration.Builder conf = new ContinualConfiguration.Builder().batchSize(32).seed(7)
                .progress(false);
        ContinualTrainer<?> t = ContinualTrainer.wrap(Models.mlp(784, 64, 10, 0.05, 1), conf.build());
        t.addListener(new CsvLogger(tmp.resolve("logs").toFile()))
                .addListener(new JsonLinesLogger(tmp.resolve("logs/log.jsonl").toFile()))
                .addListener(new ReportWriter(tmp.resolve("listener/report.html").toFile()));
        naive = t.fit(scenario);
        cumulative = ContinualTrainer.wrap(Models.mlp(784, 64, 10, 0.05, 1),
                conf.plugin(new CumulativeTraining()).build()).fit(scenario);
        naiveDir = tmp.resolve("runs/naive").toFile();
        cumulativeDir = tmp.resolve("runs/cumulative").toFile();
        naive.writeTo(naiveDir);
        cumulative.writeTo(cumulativeDir);
    }

    private static ContinualResult readJson(File dir) throws IOException {
        return ContinualResult.fromJson(Files.readString(new File(dir, "result.json").toPath()));
    }

    @Test
    void reportValuesEqualTheResultsJson() throws IOException {
        File html = ContinualReport.fromJson(naiveDir).writeTo(tmp.resolve("single.html").toFile());
        String page = Files.readString(html.toPath(), StandardCharsets.UTF_8);
        ContinualResult r = readJson(naiveDir);
        assertEquals(5, r.classIncremental().rows());
        assertMatrix(r.classIncremental(), svg(page, "run0-matrix-class-il"));
        assertMatrix(r.taskIncremental(), svg(page, "run0-matrix-task-il"));
        // accuracy on each experience over time: series "exp j" has R[i][j] for i >= j
        for (boolean task : new boolean[]{false, true}) {
            AccuracyMatrix m = task ? r.taskIncremental() : r.classIncremental();
            Map<String, Map<Integer, Double>> s = series(svg(page, "run0-experience-accuracy-"
                    + (task ? "task-il" : "class-il")), "circle");
            assertEquals(5, s.size());
            for (int j = 0; j < 5; j++) {
                Map<Integer, Double> pts = s.get("exp " + j);
                assertEquals(5 - j, pts.size(), "points of experience " + j);
                for (int i = j; i < 5; i++) {
                    assertEquals(m.get(i, j), pts.get(i), "R[" + i + "][" + j + "]");
                }
            }
        }
        Map<String, Map<Integer, Double>> avg = series(svg(page, "run0-average-accuracy"), "circle");
        Map<String, Map<Integer, Double>> forgetting = series(svg(page, "run0-forgetting"), "rect");
        for (int i = 0; i < 5; i++) {
            assertEquals(r.classIncremental().averageAccuracy(i), avg.get("class-IL").get(i), "A_" + i);
            assertEquals(r.taskIncremental().averageAccuracy(i), avg.get("task-IL").get(i), "task A_" + i);
        }
        for (int j = 0; j < 4; j++) {
            assertEquals(r.classIncremental().forgetting(j), forgetting.get("class-IL").get(j), "f_" + j);
            assertEquals(r.taskIncremental().forgetting(j), forgetting.get("task-IL").get(j), "task f_" + j);
        }
        assertTrue(r.classIncremental().forgetting(0) > 0.5, "naive forgets experience 0 in class-IL");
        Map<String, Map<Integer, Double>> time = series(svg(page, "run0-time"), "rect");
        for (int k = 0; k < 5; k++) {
            assertEquals(r.experiences().get(k).trainMillis() / 1000.0, time.get("train").get(k), "train time " + k);
        }
        Map<String, Map<Integer, Double>> memory = series(svg(page, "run0-memory"), "rect");
        assertEquals(r.experiences().get(4).peakHeapBytes() / 1048576.0, memory.get("peak heap").get(4));
        for (int k = 0; k < 5; k++) {
            long physical = r.experiences().get(k).physicalBytes();
            assertEquals(naive.experiences().get(k).physicalBytes(), physical, "physical bytes survive the JSON");
            assertTrue(physical > 100L << 20, "a JVM with ND4J uses more than 100 MiB: " + physical);
            assertEquals(physical / 1048576.0, memory.get("process physical").get(k), "physical memory " + k);
        }
        assertTrue(page.contains("<td data-key=\"seed\">7</td>"), "the seed is shown");
        assertFalse(page.contains("id=\"comparison\""), "one run: no comparison");
        // the embedded copy is the result itself
        assertEquals(r.toJson(), ContinualResult.fromJson(embedded(page).get(0).toString()).toJson());
        // loaded from JSON or built from the live result: the same page; the listener wrote it too
        assertEquals(page, ContinualReport.from(naive).toHtml());
        assertEquals(page, Files.readString(tmp.resolve("listener/report.html")));
    }

    @Test
    void modelClassAccuracyAndConfusionCellsEqualTheResultsJson() throws IOException {
        String page = ContinualReport.fromJson(naiveDir).toHtml();
        ContinualResult r = readJson(naiveDir);
        // the model table: DL4J's per-layer and total parameter counts
        io.github.dl4jcontinual.eval.ModelSummary m = r.modelSummary();
        assertEquals(784L * 64 + 64 + 64 * 64 + 64 + 64 * 10 + 10, m.totalParams());
        assertTrue(page.contains("<td data-name=\"total-params\" data-value=\"" + m.totalParams() + "\">"),
                "total parameters");
        Matcher layer = Pattern.compile("<tr data-layer=\"([^\"]+)\">.*?data-name=\"params\" data-value=\"(\\d+)\"")
                .matcher(page);
        for (io.github.dl4jcontinual.eval.ModelSummary.LayerSummary l : m.layers()) {
            assertTrue(layer.find(), "layer " + l.name());
            assertEquals(l.name(), layer.group(1));
            assertEquals(l.params(), Long.parseLong(layer.group(2)));
        }
        assertFalse(layer.find(), "one row per layer");
        // per-class accuracy and the confusion after the last experience
        io.github.dl4jcontinual.eval.ClassConfusion c = r.confusion();
        assertEquals(4, c.after());
        Map<Integer, Double> bars = series(svg(page, "run0-class-accuracy"), "rect").get("class-IL");
        assertEquals(10, bars.size());
        for (int k = 0; k < 10; k++) {
            assertEquals(c.accuracy(k), bars.get(k), "accuracy of class " + k);
        }
        Matcher cell = Pattern.compile("<rect class=\"cell\" data-row=\"(\\d+)\" data-col=\"(\\d+)\" "
                + "data-value=\"([^\"]+)\"").matcher(svg(page, "run0-confusion"));
        int n = 0;
        long diagonal = 0;
        while (cell.find()) {
            int a = Integer.parseInt(cell.group(1));
            int p = Integer.parseInt(cell.group(2));
            assertEquals(c.count(a, p), Long.parseLong(cell.group(3)), "confusion[" + a + "][" + p + "]");
            diagonal += a == p ? c.count(a, p) : 0;
            n++;
        }
        assertEquals(100, n, "one cell per class pair");
        long correct = 0;
        for (int j = 0; j < 5; j++) {
            correct += r.classIncremental().correct(4, j);
        }
        assertEquals(correct, diagonal, "the diagonal is the last row's correct count");
        // class names, when the scenario had them, label the axes and the class order (escaped)
        List<String> names = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            names.add(k == 3 ? "<three>" : "digit " + k);
        }
        String named = ContinualReport.from(r.withClassNames(names)).toHtml();
        String confusion = svg(named, "run0-confusion");
        assertTrue(confusion.contains(">&lt;three&gt;</text>") && confusion.contains(">digit 9</text>"), "axis names");
        assertFalse(named.contains("<three>"), "names are escaped");
        assertTrue(named.contains("<td data-key=\"class order\">[0 digit 0, 1 digit 1, 2 digit 2, 3 &lt;three&gt;"),
                "class order with names");
        assertTrue(svg(page, "run0-confusion").contains(">9</text>"), "without names: the class ids");
    }

    @Test
    void comparisonPlotsEveryRunAndSummarises() throws IOException {
        ContinualReport report = ContinualReport.fromJson(tmp.resolve("runs").toFile());
        String page = report.toHtml();
        // sub-directories in name order: cumulative, naive
        assertEquals(List.of("cumulative seed 7", "naive seed 7"), report.labels());
        List<ContinualResult> rs = List.of(readJson(cumulativeDir), readJson(naiveDir));
        Map<String, Map<Integer, Double>> curves = series(svg(page, "comparison-average-class-il"), "circle");
        assertEquals(report.labels(), new ArrayList<>(curves.keySet()));
        for (int r = 0; r < 2; r++) {
            for (int i = 0; i < 5; i++) {
                assertEquals(rs.get(r).classIncremental().averageAccuracy(i),
                        curves.get(report.labels().get(r)).get(i));
            }
            Matcher m = Pattern.compile("<tr data-run=\"" + r
                    + "\">.*?data-name=\"final-class-il\" data-value=\"([^\"]+)\"").matcher(page);
            assertTrue(m.find());
            assertEquals(rs.get(r).classIncremental().finalAverageAccuracy(), Double.parseDouble(m.group(1)));
        }
        assertTrue(rs.get(0).classIncremental().finalAverageAccuracy()
                > rs.get(1).classIncremental().finalAverageAccuracy() + 0.2, "cumulative beats naive");
        assertMatrix(rs.get(1).classIncremental(), svg(page, "run1-matrix-class-il"));
        assertEquals(2, embedded(page).size());
        // the naive run's intransigence against the cumulative run of the same scenario and seed
        double[] in = rs.get(1).withIntransigence(rs.get(0)).intransigence(ContinualResult.CLASS_IL);
        Map<Integer, Double> bars = series(svg(page, "run1-intransigence"), "rect").get("class-IL");
        for (int k = 0; k < 5; k++) {
            assertEquals(rs.get(0).classIncremental().get(k, k) - rs.get(1).classIncremental().get(k, k), in[k],
                    1e-12);
            assertEquals(in[k], bars.get(k), 1e-12, "I_" + k);
        }
        Matcher m = Pattern.compile("<tr data-run=\"1\">.*?data-name=\"intransigence-class-il\" "
                + "data-value=\"([^\"]+)\"").matcher(page);
        assertTrue(m.find());
        assertEquals(java.util.Arrays.stream(in).average().getAsDouble(), Double.parseDouble(m.group(1)), 1e-12);
        assertFalse(page.contains("data-chart=\"run0-intransigence\""), "the reference has none");
        // per-class accuracy after each experience: the recorded confusions' row accuracies
        String heat = svg(page, "run1-class-accuracy-matrix");
        Matcher cell = Pattern.compile("<rect class=\"cell\" data-row=\"(\\d+)\" data-col=\"(\\d+)\" "
                + "data-value=\"([^\"]+)\"").matcher(heat);
        int n = 0;
        while (cell.find()) {
            io.github.dl4jcontinual.eval.ClassConfusion c = rs.get(1).confusions().get(Integer.parseInt(cell.group(1)));
            assertEquals(c.accuracy(Integer.parseInt(cell.group(2))), Double.parseDouble(cell.group(3)), 1e-12);
            n++;
        }
        assertEquals(50, n, "5 experiences x 10 classes");
        assertTrue(page.contains("data-chart=\"run1-confusion-2\""), "the confusion after experience 2");
    }

    @Test
    void textIsEscaped() {
        String page = ContinualReport.from(naive).withTitle("<script>alert('x')</script> & co").toHtml();
        assertTrue(page.contains("<h1>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co</h1>"));
        assertFalse(page.contains("<script>alert"));
        // the embedded JSON cannot close its script element early
        assertEquals(2, page.split("</script>", -1).length - 1);
    }

    @Test
    void loggersWriteOneRecordPerExperienceAndEvaluation() throws IOException {
        List<String> exp = Files.readAllLines(tmp.resolve("logs").resolve(CsvLogger.EXPERIENCES));
        List<String> eval = Files.readAllLines(tmp.resolve("logs").resolve(CsvLogger.EVALUATIONS));
        assertEquals(1 + 5, exp.size(), String.join("\n", exp));
        assertEquals(1 + 5 * 5 + 5, eval.size(), "baseline + 5 rows of 5 evaluations");
        assertTrue(exp.get(0).startsWith("run,experience,classes,trained,examples_seen"));
        assertTrue(exp.get(1).startsWith("0,0,0 1,true,"), exp.get(1));
        String[] head = eval.get(0).split(",");
        for (String line : eval.subList(6, eval.size())) {
            String[] v = line.split(",", -1);
            int i = Integer.parseInt(v[col(head, "trained_up_to")]);
            int j = Integer.parseInt(v[col(head, "test_experience")]);
            assertEquals(naive.classIncremental().get(i, j), Double.parseDouble(v[col(head, "class_il_accuracy")]));
            assertEquals(naive.taskIncremental().correct(i, j), Long.parseLong(v[col(head, "task_il_correct")]));
        }
        List<String> lines = Files.readAllLines(tmp.resolve("logs/log.jsonl"));
        assertEquals(1 + 5 + 30 + 1, lines.size());
        Map<String, Integer> events = new LinkedHashMap<>();
        for (String l : lines) {
            JsonNode n = ContinualJson.mapper().readTree(l);
            events.merge(n.get("event").asText(), 1, Integer::sum);
            if (n.get("event").asText().equals("experience")) {
                int k = n.get("experience").asInt();
                assertEquals(naive.experiences().get(k).iterations(), n.get("iterations").asLong());
                assertEquals(naive.experiences().get(k).physicalBytes(), n.get("physical_bytes").asLong());
                assertEquals(naive.classIncremental().averageAccuracy(k),
                        n.get("class_il_average_accuracy").asDouble());
            }
            if (n.get("event").asText().equals("stream_end")) {
                assertEquals(naive.classIncremental().finalAverageAccuracy(),
                        n.get("class_il_final_average_accuracy").asDouble());
            }
        }
        assertEquals(Map.of("stream_start", 1, "experience", 5, "evaluation", 30, "stream_end", 1), events);
        assertEquals("stream_start", ContinualJson.mapper().readTree(lines.get(0)).get("event").asText());
    }

    /**
     * Opens the comparison report in headless Chromium: the page's script must have seen every chart laid out and
     * parsed the embedded results, nothing may reach the console, and the screenshot must show the heatmaps (dark
     * blue cells) and the curves (the second series' orange). Copies stay in {@code target/report-chromium}.
     */
    @Test
    void rendersInHeadlessChromium() throws Exception {
        File out = new File("target/report-chromium").getAbsoluteFile();
        File html = ContinualReport.fromJson(tmp.resolve("runs").toFile()).writeTo(new File(out, "report.html"));
        String page = Files.readString(html.toPath());
        HeadlessChromium chromium = HeadlessChromium.find();
        HeadlessChromium.Page dom = chromium.dumpDom(html);
        assertEquals(List.of(), dom.consoleMessages(), "console messages");
        int charts = page.split("<svg ", -1).length - 1;
        assertTrue(charts >= 14, "charts in the page: " + charts);
        assertTrue(dom.dom().contains("data-rendered-charts=\"" + charts + "\""), "every chart laid out");
        assertTrue(dom.dom().contains("data-runs=\"2\""), "the embedded results parse");
        java.awt.image.BufferedImage png = chromium.screenshot(html, new File(out, "report.png"), 1280, 1500);
        int dark = 0;
        int orange = 0;
        int nonWhite = 0;
        for (int y = 0; y < png.getHeight(); y++) {
            for (int x = 0; x < png.getWidth(); x++) {
                int rgb = png.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                nonWhite += r + g + b < 720 ? 1 : 0;
                dark += r < 60 && g < 110 && b > 100 ? 1 : 0;
                orange += r > 220 && g > 120 && g < 160 && b < 70 ? 1 : 0;
            }
        }
        assertTrue(nonWhite > png.getWidth() * png.getHeight() / 20, "not blank: " + nonWhite + " non-white pixels");
        assertTrue(dark > 5000, "heatmap cells visible: " + dark + " dark-blue pixels");
        assertTrue(orange > 300, "curves visible: " + orange + " orange pixels");
    }

    private static int col(String[] header, String name) {
        for (int i = 0; i < header.length; i++) {
            if (header[i].equals(name)) {
                return i;
            }
        }
        throw new AssertionError("no column " + name);
    }

    // ---- reading the page back -------------------------------------------------------------------------------

    /** @return the SVG element whose data-chart is the given id */
    static String svg(String page, String chart) {
        int at = page.indexOf("data-chart=\"" + chart + "\"");
        assertTrue(at > 0, "chart " + chart + " is in the report");
        return page.substring(page.lastIndexOf("<svg", at), page.indexOf("</svg>", at));
    }

    private static void assertMatrix(AccuracyMatrix m, String svg) {
        Matcher c = Pattern.compile("<rect class=\"cell\" data-row=\"(\\d+)\" data-col=\"(\\d+)\" "
                + "data-value=\"([^\"]+)\"").matcher(svg);
        int n = 0;
        while (c.find()) {
            int i = Integer.parseInt(c.group(1));
            int j = Integer.parseInt(c.group(2));
            assertEquals(m.get(i, j), Double.parseDouble(c.group(3)), "R[" + i + "][" + j + "]");
            n++;
        }
        assertEquals(m.rows() * m.columns(), n, "one cell per entry");
    }

    /** @return per series, x → value of its points ({@code circle}) or bars ({@code rect}) */
    static Map<String, Map<Integer, Double>> series(String svg, String element) {
        Map<String, Map<Integer, Double>> out = new LinkedHashMap<>();
        String[] groups = svg.split("<g class=\"series\" data-series=\"");
        Pattern p = Pattern.compile("<" + element
                + " class=\"(?:point|bar)\" data-x=\"(\\d+)\" data-value=\"([^\"]+)\"");
        for (int g = 1; g < groups.length; g++) {
            String name = groups[g].substring(0, groups[g].indexOf('"'));
            Map<Integer, Double> pts = new LinkedHashMap<>();
            Matcher m = p.matcher(groups[g]);
            while (m.find()) {
                pts.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)));
            }
            out.put(name, pts);
        }
        return out;
    }

    static JsonNode embedded(String page) throws IOException {
        String open = "<script type=\"application/json\" id=\"" + ContinualReport.RESULTS_ELEMENT_ID + "\">";
        int from = page.indexOf(open) + open.length();
        return ContinualJson.mapper().readTree(page.substring(from, page.indexOf("</script>", from)));
    }
}
