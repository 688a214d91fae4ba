package io.github.dl4jcontinual.benchmarks;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Entry point of the benchmarks jar: {@code java -jar dl4j-continual-benchmarks.jar <command> [options]}
 * ({@code bin/benchmarks}). One picocli command line with one subcommand per reproduction; without a command (or
 * with options only) it runs {@code split-mnist}. {@code <command> --help} lists a command's options with their
 * defaults. Exit codes: 0 success; 2 a bad command line (unknown option, a value of the wrong type or out of range,
 * an unknown strategy) or a run refused for its settings ({@link IllegalArgumentException} /
 * {@link IllegalStateException}: the message only, no stack trace); 1 any other failure.
 */
@Command(name = "benchmarks", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, showDefaultValues = true,
        sortOptions = false, usageHelpAutoWidth = true, versionProvider = BenchmarksMain.Version.class,
        description = "The reproductions of the dl4j-continual docs. Without a command: split-mnist.",
        commandListHeading = "%nCommands (<command> --help lists its options):%n",
        subcommands = {SplitMnistExample.class, RehearsalExample.class, RegularizationReproduction.class,
                ArbiterSearchExample.class, CilReproduction.class, DaFormerExample.class, ItamlExample.class,
                PromptsExample.class, AltaExample.class, CtpExample.class, AtlasExample.class, Benchmark.class,
                ScalingBenchmark.class, StepBenchmark.class, ReportCommand.class, SparkSplitMnistExample.class,
                GemReproduction.class, GssReproduction.class, OnlineExample.class})
public final class BenchmarksMain {
    /** The command run when the arguments name none. */
    static final String DEFAULT_COMMAND = "split-mnist";

    private BenchmarksMain() {
    }

    /**
     * Runs the command line and exits with its exit code.
     *
     * @param args command and its options
     */
    public static void main(String[] args) {
        System.exit(execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
    }

    /**
     * Runs a command line as {@link #main} does, without exiting.
     *
     * @param out  standard output of picocli (usage help, version)
     * @param err  error output (bad options, refused runs)
     * @param args the arguments
     * @return the exit code: 0, 2 for a bad command line or a refused run, 1 for another failure
     */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cl = commandLine();
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((e, argv) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("error: " + e.getMessage());
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(e, c.getErr())) {
                c.getErr().println("Options and defaults: " + fullName(c.getCommandSpec()) + " --help");
            }
            c.getErr().flush();
            return CommandLine.ExitCode.USAGE;
        });
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            if (e instanceof IllegalArgumentException || e instanceof IllegalStateException) {
                c.getErr().println("error: " + e.getMessage());
                c.getErr().flush();
                return CommandLine.ExitCode.USAGE;
            }
            throw e;
        });
        return cl.execute(withDefaultCommand(args));
    }

    /**
     * Parses the arguments and runs the command they name, letting its exceptions through (no exit codes, no error
     * handling): for tests and for calling a reproduction from code.
     *
     * @param args command and options, as on the command line
     * @throws ParameterException for a bad command line
     */
    static void run(String... args) {
        ParseResult r = commandLine().parseArgs(withDefaultCommand(args));
        while (r.hasSubcommand()) {
            r = r.subcommand();
        }
        if (CommandLine.printHelpIfRequested(r)) {
            return;
        }
        Object command = r.commandSpec().userObject();
        if (!(command instanceof Runnable)) {
            throw new ParameterException(r.commandSpec().commandLine(), "Missing the command");
        }
        ((Runnable) command).run();
    }

    /**
     * @return the command line: every command, enum options read case-insensitively with '-' for '_'
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(BenchmarksMain.class);
        registerEnumConverters(cl);
        return cl;
    }

    private static String[] withDefaultCommand(String[] args) {
        Set<String> own = Set.of("-h", "--help", "-V", "--version");
        if (args.length == 0 || args[0].startsWith("-") && !own.contains(args[0])) {
            String[] a = new String[args.length + 1];
            a[0] = DEFAULT_COMMAND;
            System.arraycopy(args, 0, a, 1, args.length);
            return a;
        }
        return args;
    }

    private static String fullName(CommandSpec spec) {
        return spec.parent() == null ? spec.name() : fullName(spec.parent()) + " " + spec.name();
    }

    /** Registers {@link DashedEnum} for the type of every enum option, in every (sub)command. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void registerEnumConverters(CommandLine cl) {
        for (ArgSpec a : cl.getCommandSpec().args()) {
            Class<?> t = a.type();
            if (t.isEnum()) {
                cl.registerConverter((Class) t, new DashedEnum(t));
            }
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            registerEnumConverters(sub);
        }
    }

    /**
     * An enum option's value: the constant's name case-insensitive, '-' read as '_' ({@code seen-and-next} is
     * {@code SEEN_AND_NEXT}).
     *
     * @param <E> the enum
     */
    static final class DashedEnum<E extends Enum<E>> implements CommandLine.ITypeConverter<E> {
        private final Class<E> type;

        DashedEnum(Class<E> type) {
            this.type = type;
        }

        @Override
        public E convert(String value) {
            for (E e : type.getEnumConstants()) {
                if (e.name().equalsIgnoreCase(value.replace('-', '_'))) {
                    return e;
                }
            }
            throw new CommandLine.TypeConversionException("'" + value + "', expected one of " + names(type));
        }

        /** @return the constants as typed on the command line: lower case, '-' for '_' */
        static String names(Class<? extends Enum<?>> type) {
            return Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                    .collect(Collectors.joining(", "));
        }
    }

    /** {@code --version}: the jar's implementation version. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = BenchmarksMain.class.getPackage().getImplementationVersion();
            return new String[]{"dl4j-continual benchmarks " + (v == null ? "(development build)" : v)};
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
