package io.github.dl4jcontinual.benchmarks;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Entry point of the examples jar: {@code java -jar dl4j-continual-examples.jar <command> [options]}.
 * Without a command it runs {@code split-mnist}. {@code --help} after a command lists its options.
 */
public final class BenchmarksMain {
    /** Commands by name; each takes the arguments after its name. */
    static final Map<String, Consumer<String[]>> COMMANDS = new LinkedHashMap<>();

    static {
        COMMANDS.put("split-mnist", SplitMnistExample::run);
        COMMANDS.put("rehearsal", RehearsalExample::run);
        COMMANDS.put("reproduce-regularization", RegularizationReproduction::run);
        COMMANDS.put("arbiter-search", ArbiterSearchExample::run);
        COMMANDS.put("reproduce-cil", CilReproduction::run);
        COMMANDS.put("daformer", DaFormerExample::run);
        COMMANDS.put("itaml", ItamlExample::run);
        COMMANDS.put("prompts", PromptsExample::run);
        COMMANDS.put("alta", AltaExample::run);
        COMMANDS.put("ctp", CtpExample::run);
        COMMANDS.put("atlas", AtlasExample::run);
        COMMANDS.put("benchmark", Benchmark::run);
        COMMANDS.put("benchmark-scaling", ScalingBenchmark::run);
        COMMANDS.put("benchmark-step", StepBenchmark::run);
        COMMANDS.put("report", ReportCommand::run);
        COMMANDS.put("spark-split-mnist", SparkSplitMnistExample::run);
    }

    private BenchmarksMain() {
    }

    /**
     * @param args command and its options
     */
    public static void main(String[] args) {
        String cmd = args.length == 0 || args[0].startsWith("--") ? "split-mnist" : args[0];
        String[] rest = args.length == 0 || args[0].startsWith("--") ? args : Arrays.copyOfRange(args, 1, args.length);
        Consumer<String[]> c = COMMANDS.get(cmd);
        if (c == null) {
            System.err.println("Unknown command '" + cmd + "'. Commands: " + COMMANDS.keySet());
            System.exit(2);
        }
        try {
            c.accept(rest);
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
        }
    }

    /**
     * Between runs of a reproduction: closes this thread's ND4J workspaces (the next network opens its own) and
     * asks for a GC, so that the off-heap memory of the finished run's networks is released before the next one
     * allocates.
     */
    static void releaseMemory() {
        org.nd4j.linalg.factory.Nd4j.getWorkspaceManager().destroyAllWorkspacesForCurrentThread();
        System.gc();
    }
}
