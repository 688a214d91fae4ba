package io.github.dl4jcontinual.data;

import java.io.File;

/**
 * Thrown when a data file that a reader needs is absent. The message names the file, the directory it was
 * expected in, how that directory was chosen, and where the file can be obtained.
 */
public class MissingDataFileException extends IllegalStateException {
    private static final long serialVersionUID = 1L;
    private final File expected;

    /**
     * @param expected the absolute path the file was expected at
     * @param message  the full explanation (what, where to put it, where to get it)
     */
    public MissingDataFileException(File expected, String message) {
        super(message);
        this.expected = expected;
    }

    /** @return the path at which the missing file was expected */
    public File getExpectedFile() {
        return expected;
    }
}
