package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code online} command: its table, a short online and blurry run on real MNIST, and (long) MIR's bands. */
class OnlineExampleTest {
    private static final Pattern ROW = Pattern.compile(
            "\\| (\\S+) \\| (\\d+) \\| (\\d+) \\| ([0-9.]+) ± ([0-9.]+) \\|");

    @Test
    void tableGivesMeanAndSdPerStrategyAndMemory() {
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        rows.put("mir/20", List.of(new double[]{80, 10, 85, 20}, new double[]{84, 14, 89, 22}));
        rows.put("mir/100", List.of(new double[]{88, 6, 90, 30}));
        String t = OnlineExample.table(rows, 2);
        assertTrue(t.contains("| mir | 20 | 2 | 82.00 ± 2.83 | – | 12.00 ± 2.83 | 87.00 ± 2.83 | 21 |"), t);
        assertTrue(t.contains("| mir | 100 | 1 | 88.00 ± 0.00 | 87.6 (recalled) | 6.00 ± 0.00 | 90.00 ± 0.00 | 30 |"),
                t);
    }

    @Test
    void anOnlineAndABlurryRunFromTheCommandLine(@TempDir Path out) throws Exception {
        String data = SharedData.dir().root().getPath();
        Cli c = Cli.execute("online", "--data-dir", data, "--seeds", "1", "--mem-per-class", "20", "--per-task", "200",
                "--hidden", "100", "--strategies", "mir", "--anytime-every", "250", "--quiet", "--no-report",
                "--out", out.toString(), "--markdown", out.resolve("table.md").toString());
        assertEquals(0, c.code, c.err);
        String table = Files.readString(out.resolve("table.md"));
        Matcher m = ROW.matcher(table);
        assertTrue(m.find(), table);
        assertTrue(Double.parseDouble(m.group(4)) > 50, "MIR keeps earlier tasks (fine-tuning: about 20): " + table);
        Cli b = Cli.execute("online", "--stream", "blurry", "--data-dir", data, "--seeds", "1", "--mem-per-class",
                "20", "--per-task", "200", "--hidden", "100", "--strategies", "er", "--anytime-every", "250",
                "--quiet", "--no-report", "--out", out.toString());
        assertEquals(0, b.code, b.err);
        ContinualResult r = ContinualResult.fromJson(Files.readString(new File(out.toFile(),
                "blurry-er-mem20-seed1/result.json").toPath()));
        assertEquals("i-blurry-50-10-200-per-experience", r.scenario());
        assertNotNull(r.anytime());
        assertEquals(4, r.anytime().size());
        String err = Cli.error("online", "--stream", "fuzzy");
        assertTrue(err.contains("--stream") && err.contains("fuzzy"), err);
        err = Cli.error("online", "--strategies", "ewc");
        assertTrue(err.contains("ewc"), err);
    }

    /**
     * @return the mean accuracy per "strategy/memory" of the {@code online} command over seeds 1–5 (random replay
     *         and MIR, memories 20 / 50 / 100 per class), with the extra options
     */
    private static Map<String, Double> reproduce(Path out, String... extra) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("online", "--data-dir",
                SharedData.dir().root().getPath(), "--seeds", "1,2,3,4,5", "--strategies", "rand-replay,mir",
                "--quiet", "--no-report", "--anytime-every", "1000", "--out", out.toString(), "--markdown",
                out.resolve("table.md").toString()));
        args.addAll(List.of(extra));
        Cli c = Cli.execute(args.toArray(new String[0]));
        assertEquals(0, c.code, c.err);
        Map<String, Double> mean = new LinkedHashMap<>();
        Matcher m = ROW.matcher(Files.readString(out.resolve("table.md")));
        while (m.find()) {
            mean.put(m.group(1) + "/" + m.group(2), Double.parseDouble(m.group(4)));
        }
        return mean;
    }

    /**
     * The reproduction of docs/online.md (MIR's MNIST Split protocol, 5 seeds, memories 20 / 50 / 100 per class):
     * MIR's mean accuracy beats random replay's at 50 and 100 memories per class and is not below it at 20 (a tie
     * there: 81.84 vs 81.67), and MIR's means stay within 2 points of the table.
     */
    @Test
    @Tag("long")
    void mirBeatsRandomReplayOnOnlineSplitMnist(@TempDir Path out) throws Exception {
        Map<String, Double> mean = reproduce(out);
        assertTrue(mean.get("mir/20") >= mean.get("rand-replay/20") - 1, mean.toString());
        assertTrue(mean.get("mir/50") > mean.get("rand-replay/50") + 3, mean.toString());
        assertTrue(mean.get("mir/100") > mean.get("rand-replay/100") + 3, mean.toString());
        Map.of("mir/20", 81.84, "mir/50", 88.75, "mir/100", 91.26)
                .forEach((k, v) -> assertTrue(Math.abs(mean.get(k) - v) < 2, k + " in " + mean));
    }

    /**
     * The second reproduction of docs/online.md, with the released code's task exclusion (not boundary-free): MIR
     * beats random replay by more than 2 points at every memory.
     */
    @Test
    @Tag("long")
    void mirBeatsRandomReplayAtEveryMemoryWithTheReleasedTaskExclusion(@TempDir Path out) throws Exception {
        Map<String, Double> mean = reproduce(out, "--exclude-current-task");
        for (int mem : new int[]{20, 50, 100}) {
            assertTrue(mean.get("mir/" + mem) > mean.get("rand-replay/" + mem) + 2, mem + " per class: " + mean);
        }
        Map.of("mir/20", 83.34, "mir/50", 89.25, "mir/100", 90.49)
                .forEach((k, v) -> assertTrue(Math.abs(mean.get(k) - v) < 2, k + " in " + mean));
    }
}
