package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.checkpoint.SafeObjectInput;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Saves and restores a {@link CtpLearner} between experiences: parameters, momentum and reference models, both
 * feature queues (rows, ids, pointer), regularisation state, memory and the experience counter, as one Java
 * serialisation file written and read through {@link SafeObjectInput} (the checkpoint allow-list; ND4J arrays as
 * shape + primitive values). The file is written to a temporary sibling and moved into
 * place, so an interrupted write never leaves a half file.
 */
public final class CtpCheckpoint {
    private CtpCheckpoint() {
    }

    /** Writes the learner's state to {@code file}. */
    public static void write(Path file, CtpLearner learner) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            Files.write(tmp, SafeObjectInput.write("the CTP state", learner.saveState()));
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write CTP checkpoint " + file, e);
        }
    }

    /** Restores {@code learner} (same configuration) from {@code file}. */
    public static void read(Path file, CtpLearner learner) {
        try {
            // through the checkpoint allow-list: a file from elsewhere cannot run code while it is read
            Object state = SafeObjectInput.read(Files.readAllBytes(file), "CTP checkpoint " + file);
            if (!(state instanceof Serializable)) {
                throw new IllegalArgumentException("CTP checkpoint " + file + " holds no state");
            }
            learner.restoreState((Serializable) state);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read CTP checkpoint " + file + ": " + e.getMessage(), e);
        }
    }
}
