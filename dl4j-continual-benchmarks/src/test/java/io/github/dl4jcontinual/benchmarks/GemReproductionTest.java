package io.github.dl4jcontinual.benchmarks;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reproduce-gem table: mean ± sample sd over seeds, the published ACC beside GEM only. */
class GemReproductionTest {
    @Test
    void tableGivesMeanAndSdPerMethod() {
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        rows.put("single", List.of(new double[]{50, -10}, new double[]{54, -14}));
        rows.put("gem", List.of(new double[]{80, 1}, new double[]{82, 3}, new double[]{84, 2}));
        String t = GemReproduction.table(rows, GemReproduction.PUBLISHED);
        assertTrue(t.contains("| single | 2 | 52.00 ± 2.83 | – | -12.00 ± 2.83 |"), t);
        assertTrue(t.contains("| gem | 3 | 82.00 ± 2.00 | ≈ 83 | 2.00 ± 1.00 |"), t);
    }

    @Test
    void rotationsFallInOneBandPerTaskAndHaveNoPublishedFigure() {
        double[] a = GemReproduction.angles(20, 0);
        for (int t = 0; t < 20; t++) {
            assertTrue(a[t] >= 9 * t && a[t] < 9 * (t + 1), "task " + t + ": " + a[t]);
        }
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        rows.put("gem", List.of(new double[]{80, 1}));
        assertTrue(GemReproduction.table(rows, Map.of()).contains("| gem | 1 | 80.00 ± 0.00 | – |"),
                GemReproduction.table(rows, Map.of()));
    }

    @Test
    void gssTableGivesMeanAndSdAndTheReference() {
        Map<String, List<Double>> rows = new LinkedHashMap<>();
        rows.put("reservoir", List.of(80.0, 84.0));
        rows.put("gss", List.of(82.0, 84.0, 86.0));
        String t = GssReproduction.table(rows);
        assertTrue(t.contains("| reservoir | 2 | 82.00 ± 2.83 | – |"), t);
        assertTrue(t.contains("| gss | 3 | 84.00 ± 2.00 | ≈ 82 |"), t);
    }
}
