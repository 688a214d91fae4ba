package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.report.ContinualReport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * How the example commands write a run: {@link ContinualResult#writeTo(File)} plus, unless {@code --no-report} was
 * given, the run's HTML report ({@value #FILE} in the same directory) and, after several runs, one comparison
 * report in the command's output directory. Prints the path of every report it writes. One instance per command
 * invocation; not thread-safe.
 */
final class ReportOutput {
    /** The report's file name. */
    static final String FILE = "report.html";

    private final boolean enabled;
    private final List<ContinualResult> runs = new ArrayList<>();

    /**
     * @param enabled whether reports are written ({@code --no-report}, {@link Options.NoReport}, turns them off)
     */
    ReportOutput(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Writes the result files and the run's report.
     *
     * @param r   the run
     * @param dir its directory
     * @throws UncheckedIOException on write failure
     */
    void write(ContinualResult r, File dir) {
        try {
            r.writeTo(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        report(r, dir);
    }

    /**
     * Writes only the run's report (for results whose files another writer made).
     *
     * @param r   the run
     * @param dir its directory
     * @throws UncheckedIOException on write failure
     */
    void report(ContinualResult r, File dir) {
        runs.add(r);
        write(ContinualReport.from(r), new File(dir, FILE));
    }

    /**
     * After the last run: the comparison report of every run written so far, when there were several.
     *
     * @param dir the command's output directory
     */
    void compare(File dir) {
        if (runs.size() > 1) {
            write(ContinualReport.from(runs), new File(dir, FILE));
        }
    }

    private void write(ContinualReport report, File file) {
        if (!enabled) {
            return;
        }
        try {
            System.out.println("Report: " + report.writeTo(file).getAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
