package io.github.dl4jcontinual.zoo.ctp;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Saves and restores a {@link CtpLearner} between experiences: parameters, momentum and reference models, both
 * feature queues (rows, ids, pointer), regularisation state, memory and the experience counter, as one Java
 * serialisation file (ND4J arrays serialise themselves). The file is written to a temporary sibling and moved into
 * place, so an interrupted write never leaves a half file.
 */
public final class CtpCheckpoint {
    private CtpCheckpoint() {
    }

    /** Writes the learner's state to {@code file}. */
    public static void write(Path file, CtpLearner learner) {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (ObjectOutputStream out = new ObjectOutputStream(Files.newOutputStream(tmp))) {
                out.writeObject(learner.saveState());
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write CTP checkpoint " + file, e);
        }
    }

    /** Restores {@code learner} (same configuration) from {@code file}. */
    public static void read(Path file, CtpLearner learner) {
        try (ObjectInputStream in = new ObjectInputStream(Files.newInputStream(file))) {
            learner.restoreState((Serializable) in.readObject());
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalArgumentException("cannot read CTP checkpoint " + file + ": " + e.getMessage(), e);
        }
    }
}
