package io.github.dl4jcontinual.checkpoint;

/**
 * A checkpoint cannot be used: the file is missing, truncated or corrupt, of another format version, or was
 * written for another configuration, scenario or network type. The message names the file and what was expected.
 * Nothing was loaded when it is thrown.
 */
public class CheckpointException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, naming the file and what was expected */
    public CheckpointException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, naming the file and what was expected
     * @param cause   the underlying failure
     */
    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
