package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.report.ContinualReport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The {@code report} command: the HTML report of results written earlier ({@code result.json} files, run directories
 * or directories of run directories), e.g. {@code report --in results/split-mnist --out comparison.html}.
 */
final class ReportCommand {
    private ReportCommand() {
    }

    /**
     * @param argv options: --in PATH[,PATH...] (required), --out FILE (default report.html), --title TEXT
     */
    static void run(String[] argv) {
        Args a = new Args(argv, "in", "out", "title");
        if (a.has("help") || !a.has("in")) {
            System.out.println("report --in RESULT_DIR_OR_JSON[,...] [--out report.html] [--title TEXT]");
            return;
        }
        List<String> in = a.getList("in", "");
        try {
            ContinualReport report = ContinualReport.fromJson(in.stream().map(File::new).toArray(File[]::new));
            if (a.has("title")) {
                report = report.withTitle(a.get("title", ""));
            }
            File out = report.writeTo(new File(a.get("out", ReportOutput.FILE)));
            System.out.println("Report of " + report.results().size() + " run(s): " + out.getAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
