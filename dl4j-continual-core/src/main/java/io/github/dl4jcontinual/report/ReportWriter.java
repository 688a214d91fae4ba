package io.github.dl4jcontinual.report;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.trainer.ContinualListener;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * A {@link ContinualListener} that writes the {@link ContinualReport} of a run to a file when the run ends
 * ({@code trainer.addListener(new ReportWriter(new File("results/run1/report.html")))}). A later run through the
 * same trainer overwrites the file. Called on the trainer's thread.
 */
public final class ReportWriter implements ContinualListener {
    private final File file;

    /**
     * @param file the HTML file to write (parent directories are created)
     */
    public ReportWriter(File file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** @return the file the report goes to */
    public File file() {
        return file;
    }

    /**
     * @param result the whole run
     * @throws UncheckedIOException if the file cannot be written
     */
    @Override
    public void onStreamEnd(ContinualResult result) {
        try {
            ContinualReport.from(result).writeTo(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the report " + file, e);
        }
    }
}
