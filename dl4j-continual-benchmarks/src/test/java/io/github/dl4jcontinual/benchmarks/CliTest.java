package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.TestScope;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The picocli command line: errors (exit code 2, the option and the value named), help, the strategy registry. */
class CliTest {
    private static void assertNamed(String err, String option, String value) {
        assertTrue(err.contains(option) && err.contains(value), err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace: " + err);
    }

    @Test
    void badCommandLinesExitWith2NamingTheOptionAndTheValue() {
        assertNamed(Cli.error("split-mnist", "--sedes", "1"), "--sedes", "--seeds");
        assertNamed(Cli.error("split-mnist", "--epochs", "two"), "--epochs", "'two'");
        assertNamed(Cli.error("split-mnist", "--seeds", "1,x"), "--seeds", "'x'");
        assertNamed(Cli.error("rehearsal", "reproduce", "--test-scope", "nearby"), "--test-scope", "'nearby'");
        assertTrue(Cli.error("rehearsal", "reproduce", "--test-scope", "nearby").contains("seen-and-next"));
        assertNamed(Cli.error("split-mnist", "--head", "growing"), "--head", "'growing'");
        assertNamed(Cli.error("split-mnist", "--strategies", "naive,gem"), "--strategies", "'gem'");
        assertNamed(Cli.error("benchmark", "--strategies", "icarl"), "--strategies", "'icarl'");
        assertNamed(Cli.error("reproduce-cil", "--methods", "ewc"), "--methods", "'ewc'");
        assertNamed(Cli.error("reproduce-regularization", "--protocol", "vdv", "--methods", "cumulative"), "--methods",
                "'cumulative'");
        assertNamed(Cli.error("benchmark", "--repeats", "0"), "--repeats", "'0'");
        assertNamed(Cli.error("benchmark-scaling", "--experiences", "1"), "--experiences", "'1'");
        assertNamed(Cli.error("benchmark-step", "--steps", "-5"), "--steps", "'-5'");
        assertNamed(Cli.error("itaml", "--er", "maybe"), "--er", "maybe");
        assertNamed(Cli.error("rehearsal", "benchmark", "--part", "gpu"), "--part", "'gpu'");
        assertNamed(Cli.error("rehearsal", "reproduce", "--targets", "er/123"), "--targets", "er/123");
        assertNamed(Cli.error("split-mnist", "--ui", "x.bin", "--ui-frequency", "0"), "--ui-frequency", "'0'");
        assertTrue(Cli.error("no-such-command").contains("no-such-command"));
        assertNamed(Cli.error("reproduce-gem", "--methods", "agem"), "--methods", "'agem'");
        assertNamed(Cli.error("reproduce-gem", "--tasks", "1"), "--tasks", "'1'");
        // without a command: split-mnist, the former default
        assertNamed(Cli.error("--sedes", "1"), "--sedes", "--seeds");
    }

    /** Every command and sub-command, depth first. */
    private static List<CommandLine> commands(CommandLine c) {
        List<CommandLine> out = new ArrayList<>();
        for (CommandLine sub : c.getSubcommands().values()) {
            out.add(sub);
            out.addAll(commands(sub));
        }
        return out;
    }

    private static String[] path(CommandLine c) {
        List<String> p = new ArrayList<>();
        for (CommandLine x = c; x.getParent() != null; x = x.getParent()) {
            p.add(0, x.getCommandName());
        }
        p.add("--help");
        return p.toArray(new String[0]);
    }

    @Test
    void everyCommandHasHelpListingItsOptions() {
        List<CommandLine> all = commands(BenchmarksMain.commandLine());
        assertEquals(21, all.size(), "19 commands, rehearsal's 2 sub-commands");
        for (CommandLine c : all) {
            Cli r = Cli.execute(path(c));
            assertEquals(0, r.code, String.join(" ", path(c)) + ": " + r.err);
            assertTrue(r.out.startsWith("Usage: benchmarks "), r.out);
            for (OptionSpec o : c.getCommandSpec().options()) {
                assertTrue(r.out.contains(o.longestName()), o.longestName() + " in\n" + r.out);
                assertTrue(o.description().length > 0 && !o.description()[0].isBlank(),
                        c.getCommandName() + " " + o.longestName() + " has a description");
            }
        }
        String help = Cli.execute("split-mnist", "--help").out;
        assertTrue(help.contains("Default: naive,joint") && help.contains("Default: 0.03"), help);
        Cli top = Cli.execute("--help");
        assertEquals(0, top.code);
        for (String name : List.of("split-mnist", "rehearsal", "reproduce-regularization", "arbiter-search",
                "reproduce-cil", "daformer", "itaml", "prompts", "alta", "ctp", "atlas", "benchmark",
                "benchmark-scaling", "benchmark-step", "report", "spark-split-mnist", "reproduce-gem", "online")) {
            assertTrue(BenchmarksMain.commandLine().getSubcommands().containsKey(name), name);
            assertTrue(top.out.contains(name), name);
        }
    }

    @Test
    void enumOptionsAreCaseInsensitiveWithDashes() {
        CommandLine cl = BenchmarksMain.commandLine();
        cl.parseArgs("rehearsal", "reproduce", "--test-scope", "Seen-And-Next");
        RehearsalExample.Reproduce r = cl.getSubcommands().get("rehearsal").getSubcommands().get("reproduce")
                .getCommand();
        assertEquals(TestScope.SEEN_AND_NEXT, r.scope);
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L), r.seeds.seeds, "the mixin's default");
        cl = BenchmarksMain.commandLine();
        cl.parseArgs("rehearsal", "reproduce", "--seeds", "7,8");
        r = cl.getSubcommands().get("rehearsal").getSubcommands().get("reproduce").getCommand();
        assertEquals(List.of(7L, 8L), r.seeds.seeds, "given seeds replace the default");
    }

    /** The commands whose --strategies / --methods come from the registry, and their protocols. */
    private static final Map<String, StrategyRegistry.Protocol> REGISTRY_COMMANDS = Map.of(
            "split-mnist", StrategyRegistry.Protocol.DER, "spark-split-mnist", StrategyRegistry.Protocol.DER,
            "benchmark", StrategyRegistry.Protocol.DEFAULT, "reproduce-cil", StrategyRegistry.Protocol.CIL,
            "reproduce-regularization", StrategyRegistry.Protocol.DER, "online", StrategyRegistry.Protocol.ONLINE);

    @Test
    void theRegistryKnowsEveryStrategyTheDocsRun() throws IOException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        List<Path> docs = new ArrayList<>(List.of(root.resolve("README.md")));
        try (Stream<Path> s = Files.list(root.resolve("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).forEach(docs::add);
        }
        Pattern command = Pattern.compile("(?:bin/benchmarks|dl4j-continual-benchmarks\\.jar) ([a-z-]+)([^`\\n]*)");
        Pattern list = Pattern.compile("--(?:strategies|methods)[ =]([a-z][a-z0-9+_,-]*)"); // not placeholders (M)
        int checked = 0;
        for (Path doc : docs) {
            String text = Files.readString(doc).replace("\\\n", " ");
            Matcher m = command.matcher(text);
            while (m.find()) {
                StrategyRegistry.Protocol p = REGISTRY_COMMANDS.get(m.group(1));
                if (p == null) {
                    continue;
                }
                if (m.group(2).contains("--protocol vdv")) {
                    p = StrategyRegistry.Protocol.VDV;
                }
                Matcher l = list.matcher(m.group(2));
                while (l.find()) {
                    List<String> names = List.of(l.group(1).split(","));
                    StrategyRegistry.check(p, names);
                    checked += names.size();
                }
            }
        }
        assertTrue(checked >= 10, "strategy names found in the docs: " + checked);
        for (String n : List.of("naive", "joint", "cumulative", "er", "der++", "ewc", "oewc", "si", "mas", "rwalk",
                "lwf", "icarl", "lucir", "replay", "wa", "wa-kd", "bic")) {
            assertTrue(StrategyRegistry.names().contains(n), n);
            assertFalse(StrategyRegistry.description(n).isBlank(), n);
        }
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> StrategyRegistry.plugins("gem", new StrategyRegistry.Params(StrategyRegistry.Protocol.DER)));
        assertTrue(e.getMessage().contains("'gem'") && e.getMessage().contains("oewc"), e.getMessage());
    }

    @Test
    void uiRecordsOneSessionPerRun(@TempDir File dir) {
        Scenario s = new ClassIncrementalScenario.Builder().train(SyntheticData.blobs(4, 20, 10, 1, 2))
                .test(SyntheticData.blobs(4, 10, 10, 1, 3)).numExperiences(2).name("blobs").build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(8).seed(5).progress(false)
                .build();
        CommandLine cl = BenchmarksMain.commandLine();
        File file = new File(dir, "ui/stats.bin");
        cl.parseArgs("split-mnist", "--ui", file.getPath(), "--ui-frequency", "2");
        Options.Ui ui = cl.getSubcommands().get("split-mnist").<SplitMnistExample>getCommand().ui;
        for (String run : List.of("naive-seed1", "naive-seed2")) {
            MultiLayerNetwork net = Models.mlp(10, 16, 4, 0.1, 1);
            assertEquals(2, ui.record(net, run, () -> ContinualTrainer.wrap(net, conf).fit(s)).classIncremental()
                    .rows());
        }
        FileStatsStorage stored = new FileStatsStorage(file);
        try {
            assertEquals(List.of("naive-seed1", "naive-seed2"), stored.listSessionIDs().stream().sorted()
                    .collect(java.util.stream.Collectors.toList()));
            assertFalse(stored.getAllUpdatesAfter("naive-seed1", stored.listTypeIDsForSession("naive-seed1").get(0),
                    stored.listWorkerIDsForSession("naive-seed1").get(0), 0).isEmpty());
        } finally {
            stored.close();
        }
    }
}
