package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark command's measurement on a sliver of real MNIST, and its argument errors. */
class BenchmarkTest {

    @Test
    void measuresEveryStrategyAgainstThePlainReference() {
        Scenario s = Benchmark.scenario(SharedData.dir(), 40, 100);
        assertEquals(5, s.trainStream().size());
        Map<String, List<double[]>> rows = Benchmark.measure(Benchmark.model("mlp100"), s, List.of("naive", "er"), 1);
        assertEquals(List.of("naive", "er", "plain fit, batch 10", "plain fit, batch 20"), List.copyOf(rows.keySet()));
        for (String k : List.of("naive", "er")) {
            double[] r = rows.get(k).get(0);
            assertTrue(r[0] > 0 && Double.isFinite(r[0]), k + " wall ratio " + r[0]);
            assertTrue(r[1] > 0, k + " samples/s " + r[1]);
            assertTrue(r[2] > 0, k + " evaluation share " + r[2]);
            assertTrue(r[3] > 0, k + " peak heap " + r[3]);
            assertTrue(r[5] > 0 && Double.isFinite(r[5]), k + " CPU ratio " + r[5]);
        }
        assertEquals(1.0, rows.get("plain fit, batch 10").get(0)[0]);
    }

    @Test
    void rejectsUnknownModelsStrategiesAndSizes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Benchmark.model("resnet"));
        assertTrue(e.getMessage().contains("resnet") && e.getMessage().contains("lenet"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Benchmark.plugins("icarl", 10));
        assertTrue(e.getMessage().contains("icarl") && e.getMessage().contains("der++"), e.getMessage());
        String err = Cli.error("benchmark", "--repeats", "0", "--data-dir", SharedData.dir().root().getPath());
        assertTrue(err.contains("--repeats") && err.contains("'0'"), err);
    }
}
