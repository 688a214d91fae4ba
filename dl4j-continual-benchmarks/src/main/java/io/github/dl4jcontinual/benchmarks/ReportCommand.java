package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.report.ContinualReport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code report} command: the HTML report of results written earlier ({@code result.json} files, run directories
 * or directories of run directories), e.g. {@code report --in results/split-mnist --out comparison.html}.
 */
@Command(name = "report", description = "The HTML report of results written earlier (result.json files, run "
        + "directories or directories of run directories).")
final class ReportCommand implements Runnable {
    @Option(names = "--in", split = ",", paramLabel = "PATH", required = true, description = "Comma-separated "
            + "result.json files, run directories or directories of run directories.")
    List<File> in;
    @Option(names = "--out", paramLabel = "FILE", defaultValue = ReportOutput.FILE, description = "The report file.")
    File out;
    @Option(names = "--title", paramLabel = "TEXT", description = "The report's title.")
    String title;

    @Override
    public void run() {
        try {
            ContinualReport report = ContinualReport.fromJson(in.toArray(new File[0]));
            if (title != null) {
                report = report.withTitle(title);
            }
            File written = report.writeTo(out);
            System.out.println("Report of " + report.results().size() + " run(s): " + written.getAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
