package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.ui.ContinualStats;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * The options several commands share, as picocli mixins ({@code @Mixin Options.Seeds seeds = new Options.Seeds(1, 2,
 * 3)}: a mixin built with arguments carries the command's default), and {@link Command}, the base of the commands.
 */
final class Options {
    private Options() {
    }

    /**
     * The base of the commands: {@link #spec} and the checks picocli's types do not make, reported as a
     * {@link ParameterException} naming the option, the value and what was expected (exit code 2).
     */
    abstract static class Command implements Runnable {
        @Spec
        CommandSpec spec;

        /**
         * @param option   the option, e.g. {@code --repeats}
         * @param value    the value given
         * @param expected what the option takes
         * @return the exception to throw
         */
        ParameterException invalid(String option, Object value, String expected) {
            return Options.invalid(spec, option, value, expected);
        }

        /**
         * @return {@code value}
         * @throws ParameterException if it is less than {@code min}
         */
        int atLeast(String option, int value, int min) {
            if (value < min) {
                throw invalid(option, value, "an integer >= " + min);
            }
            return value;
        }

        /** @return whether the option was on the command line (not just its default) */
        boolean given(String option) {
            return spec.commandLine().getParseResult() != null
                    && spec.commandLine().getParseResult().hasMatchedOption(option);
        }

        /**
         * @param option   the option holding strategy names
         * @param names    its values
         * @param protocol the protocol whose strategies the command runs
         * @return {@code names}
         * @throws ParameterException naming the option and the first name the protocol does not know
         */
        List<String> strategies(String option, List<String> names, StrategyRegistry.Protocol protocol) {
            try {
                StrategyRegistry.check(protocol, names);
            } catch (IllegalArgumentException e) {
                throw new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': "
                        + e.getMessage());
            }
            return names;
        }

        /**
         * @param option the option holding names
         * @param values its values
         * @param known  the names it accepts
         * @return {@code values}
         * @throws ParameterException naming the first unknown value
         */
        List<String> oneOf(String option, List<String> values, List<String> known) {
            for (String v : values) {
                if (!known.contains(v)) {
                    throw invalid(option, v, "comma-separated names among " + String.join(", ", known));
                }
            }
            return values;
        }
    }

    /** @return a ParameterException: "Invalid value for option '--x': 'v', expected ..." */
    static ParameterException invalid(CommandSpec spec, String option, Object value, String expected) {
        return new ParameterException(spec.commandLine(), "Invalid value for option '" + option + "': '" + value
                + "', expected " + expected);
    }

    /** {@code --data-dir DIR}. */
    static final class DataDir {
        @Option(names = "--data-dir", paramLabel = "DIR", description = "The data directory (default: the "
                + "environment variable DL4J_CONTINUAL_DATA, else ~/.dl4j-continual/data).", showDefaultValue =
                picocli.CommandLine.Help.Visibility.NEVER)
        String dir;

        /** @return the data directory */
        DataDirectory resolve() {
            return DataDirectory.resolve(dir);
        }
    }

    /** {@code --seeds S,S,...}: one run per seed. */
    static final class Seeds {
        @Option(names = "--seeds", split = ",", paramLabel = "SEED", description = "Comma-separated seeds, one run "
                + "each.")
        List<Long> seeds;

        Seeds(long... defaults) {
            seeds = new ArrayList<>();
            for (long s : defaults) {
                seeds.add(s);
            }
        }

        /** @return the seeds */
        long[] get() {
            return seeds.stream().mapToLong(Long::longValue).toArray();
        }
    }

    /** {@code --out DIR}: where results are written. */
    static final class Out {
        @Option(names = "--out", paramLabel = "DIR", description = "The output directory.")
        String out;

        Out(String defaultDir) {
            out = defaultDir;
        }

        /** @return the output directory */
        File dir() {
            return new File(out);
        }
    }

    /** {@code --quiet}: no progress lines. */
    static final class Quiet {
        @Option(names = "--quiet", description = "No progress lines during training.")
        boolean quiet;

        /** @return whether progress lines are printed */
        boolean progress() {
            return !quiet;
        }
    }

    /** {@code --no-report}: see {@link ReportOutput}. */
    static final class NoReport {
        @Option(names = "--no-report", description = "Do not write the HTML reports (report.html per run and one "
                + "comparing the runs).")
        boolean noReport;

        /** @return the report writer of this invocation */
        ReportOutput output() {
            return new ReportOutput(!noReport);
        }
    }

    /** {@code --markdown FILE}: the command's table, also written to a file. */
    static final class Markdown {
        @Option(names = "--markdown", paramLabel = "FILE", description = "Also write the markdown table to FILE.")
        File file;

        /**
         * Writes the text (UTF-8) when the option was given.
         *
         * @param text the table
         * @throws UncheckedIOException on write failure
         */
        void write(String text) {
            if (file == null) {
                return;
            }
            try {
                Files.write(file.toPath(), text.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * {@code --ui FILE [--ui-frequency N]}: records DL4J UI statistics of every trained network with
     * {@link ContinualStats#attach(Model, File, int, String)}, one UI session per run (the session id is the run's
     * name, e.g. {@code naive-seed1}), all runs of the invocation in the one file (appended to when it exists).
     * Open it with {@code bin/continual-ui FILE}.
     */
    static final class Ui {
        @Option(names = "--ui", paramLabel = "FILE", description = "Record DL4J UI statistics (StatsListener) to FILE: "
                + "one UI session per run, named after the run (e.g. naive-seed1), every run of this command in FILE "
                + "(appended to when it exists); view with bin/continual-ui FILE. Slows training down.")
        File file;

        int frequency = 1;

        @Spec(Spec.Target.MIXEE)
        CommandSpec mixee;

        @Option(names = "--ui-frequency", paramLabel = "N", defaultValue = "1", description = "With --ui: report "
                + "every N iterations (>= 1).")
        void frequency(int n) {
            if (n < 1) {
                throw invalid(mixee, "--ui-frequency", n, "an integer >= 1");
            }
            frequency = n;
        }

        /**
         * Runs {@code fit} with the statistics listener on {@code net} when {@code --ui} was given, closing the
         * storage afterwards.
         *
         * @param net the network {@code fit} trains
         * @param run the run's name (the UI session id)
         * @param fit trains it
         * @return what {@code fit} returns
         */
        ContinualResult record(Model net, String run, Supplier<ContinualResult> fit) {
            if (file == null) {
                return fit.get();
            }
            FileStatsStorage storage = ContinualStats.attach(net, file, frequency, run);
            try {
                return fit.get();
            } finally {
                storage.close();
                System.out.println("UI statistics of " + run + ": " + file.getAbsolutePath() + " (session " + run
                        + ")");
            }
        }
    }
}
