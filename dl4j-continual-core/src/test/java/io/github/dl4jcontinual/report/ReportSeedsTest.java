package io.github.dl4jcontinual.report;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs that differ only in their seed are aggregated: three ER seeds (buffer 200), one ER run with buffer 500 and
 * one naive run; the mean curves, their sd and the summary's mean ± sd and n are checked against a hand computation.
 */
class ReportSeedsTest {
    /** A 2-experience run whose class-IL matrix is {{a, -}, {b, c}} out of 100 examples per experience. */
    private static ContinualResult run(String strategy, ContinualConfiguration conf, long a, long b, long c,
                                       long millis) {
        AccuracyMatrix m = new AccuracyMatrix(new long[][]{{a, -1}, {b, c}}, new long[]{100, 100}, null);
        return new ContinualResult("s", "CLASS_INCREMENTAL", new int[]{0, 1}, strategy, conf, m, m, List.of(),
                millis);
    }

    private static ContinualConfiguration er(int buffer, long seed) {
        return new ContinualConfiguration.Builder().seed(seed)
                .plugin(new ExperienceReplay.Builder().bufferSize(buffer).build()).build();
    }

    private static final List<ContinualResult> RUNS = List.of(
            run("ER", er(200, 1), 90, 60, 80, 1000),
            run("ER", er(200, 2), 96, 50, 90, 2000),
            run("ER", er(500, 1), 99, 70, 70, 4000),
            run("ER", er(200, 3), 93, 40, 85, 6000),
            run("naive", new ContinualConfiguration.Builder().seed(1).build(), 99, 0, 99, 500));

    @Test
    void groupsAreTheConfigurationsApartFromTheSeed() {
        assertEquals(List.of(List.of(0, 1, 3), List.of(2), List.of(4)), ContinualReport.seedGroups(RUNS));
        assertEquals(List.of(List.of(0), List.of(1)), ContinualReport.seedGroups(List.of(RUNS.get(0),
                RUNS.get(4))));
    }

    @Test
    void meanAndSdMatchAHandComputation() {
        String page = ContinualReport.from(RUNS).toHtml();
        // A_0 of the three seeds: 0.90, 0.96, 0.93 -> mean 0.93, sd sqrt((0.03² + 0.03² + 0) / 2) = 0.03
        // A_1: (0.6 + 0.8) / 2 = 0.70, (0.5 + 0.9) / 2 = 0.70, (0.4 + 0.85) / 2 = 0.625 -> mean 0.675,
        // sd sqrt((0.025² + 0.025² + 0.05²) / 2) = sqrt(0.001875)
        String svg = ReportTest.svg(page, "comparison-seeds-average-class-il");
        Map<String, Map<Integer, Double>> mean = ReportTest.series(svg, "circle");
        assertEquals(List.of("ER (capacity=200) (n=3)", "ER (capacity=500) (n=1)", "naive (n=1)"),
                List.copyOf(mean.keySet()));
        assertEquals(0.93, mean.get("ER (capacity=200) (n=3)").get(0), 1e-12);
        assertEquals(0.675, mean.get("ER (capacity=200) (n=3)").get(1), 1e-12);
        assertEquals(0.70, mean.get("ER (capacity=500) (n=1)").get(1), 1e-12);
        Map<Integer, Double> sd = sd(svg, "ER (capacity=200) (n=3)");
        assertEquals(0.03, sd.get(0), 1e-12);
        assertEquals(Math.sqrt(0.001875), sd.get(1), 1e-12);
        assertTrue(Double.isNaN(sd(svg, "naive (n=1)").get(1)), "one run: no sd");
        assertEquals(3, svg.split("<polygon class=\"band\"", -1).length - 1, "one band per configuration");
        // the summary over seeds: final average accuracy = A_1, time in seconds 1, 2, 6 -> 3 ± sqrt(7)
        String row = row(page, "summary-seeds", 0);
        assertEquals(0.675, value(row, "final-class-il", "data-value"), 1e-12);
        assertEquals(Math.sqrt(0.001875), value(row, "final-class-il", "data-sd"), 1e-12);
        assertEquals(3, value(row, "final-class-il", "data-n"));
        // forgetting of experience 0: 0.30, 0.46, 0.53 -> mean 0.43, sd sqrt((0.13² + 0.03² + 0.1²) / 2)
        assertEquals(0.43, value(row, "forgetting-class-il", "data-value"), 1e-12);
        assertEquals(Math.sqrt((0.0169 + 0.0009 + 0.01) / 2), value(row, "forgetting-class-il", "data-sd"), 1e-12);
        assertEquals(3.0, value(row, "seconds", "data-value"), 1e-12);
        assertEquals(Math.sqrt(7), value(row, "seconds", "data-sd"), 1e-12);
        assertTrue(row.contains("<td>1, 2, 3</td>"), "the seeds are listed: " + row);
        assertTrue(row.contains("67.50 &#177; 4.33"), row);
        // every run stays available
        assertTrue(page.contains("id=\"summary\""), "the per-run summary");
        for (int r = 0; r < RUNS.size(); r++) {
            assertTrue(page.contains("id=\"run-" + r + "\""), "run " + r);
        }
    }

    @Test
    void withoutRepeatedConfigurationsNothingIsAggregated() {
        String page = ContinualReport.from(RUNS.get(0), RUNS.get(2), RUNS.get(4)).toHtml();
        assertFalse(page.contains("comparison-seeds-average"), "no configuration has two seeds");
        assertFalse(page.contains("summary-seeds"));
        assertTrue(page.contains("comparison-average-class-il"));
    }

    private static Map<Integer, Double> sd(String svg, String series) {
        String g = svg.substring(svg.indexOf("data-series=\"" + series + "\""));
        g = g.substring(0, g.indexOf("</g>"));
        Map<Integer, Double> out = new java.util.LinkedHashMap<>();
        Matcher m = Pattern.compile("data-x=\"(\\d+)\" data-value=\"[^\"]+\" data-sd=\"([^\"]+)\"").matcher(g);
        while (m.find()) {
            out.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)));
        }
        return out;
    }

    private static String row(String page, String table, int group) {
        String t = page.substring(page.indexOf("id=\"" + table + "\""));
        t = t.substring(t.indexOf("<tr data-group=\"" + group + "\""));
        return t.substring(0, t.indexOf("</tr>"));
    }

    private static double value(String row, String name, String attribute) {
        Matcher m = Pattern.compile("data-name=\"" + name + "\" data-value=\"([^\"]+)\" data-sd=\"([^\"]+)\" "
                + "data-n=\"([^\"]+)\"").matcher(row);
        assertTrue(m.find(), name + " in " + row);
        return Double.parseDouble(m.group(attribute.equals("data-value") ? 1 : attribute.equals("data-sd") ? 2 : 3));
    }
}
