package io.github.dl4jcontinual.data;

import java.io.File;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Objects;

/**
 * Where the datasets live, and how that was decided.
 *
 * <p>Resolution order (first match wins):</p>
 * <ol>
 *   <li>an explicit path, e.g. the examples' {@code --data-dir} flag;</li>
 *   <li>the environment variable {@value #ENV_VAR};</li>
 *   <li>the system property {@value #SYSTEM_PROPERTY};</li>
 *   <li>the default {@code ~/.dl4j-continual/data}.</li>
 * </ol>
 *
 * <p>The layout below the directory is the one of the project's {@code shared/data}: {@code mnist/},
 * {@code fashion-mnist/} (the official gzipped IDX files, unrenamed), {@code sklearn-digits/digits.csv.gz},
 * {@code uci-letter-recognition/letter-recognition.data}. Instances are immutable.</p>
 */
public final class DataDirectory {
    /** Environment variable naming the data directory. */
    public static final String ENV_VAR = "DL4J_CONTINUAL_DATA";
    /** System property naming the data directory. */
    public static final String SYSTEM_PROPERTY = "dl4jcontinual.data";
    /** The default data directory, below the user's home. */
    public static final Path DEFAULT = Paths.get(System.getProperty("user.home"), ".dl4j-continual", "data");

    private final File root;
    private final String origin;

    private DataDirectory(File root, String origin) {
        this.root = root.getAbsoluteFile();
        this.origin = origin;
    }

    /**
     * Resolves the data directory.
     *
     * @param explicit a path given by the user (command-line flag), or {@code null} to fall back to the
     *                 environment variable, the system property and the default
     * @return the resolved directory (it is not required to exist yet; {@link #require} reports missing files)
     */
    public static DataDirectory resolve(String explicit) {
        if (explicit != null && !explicit.isBlank()) {
            return new DataDirectory(new File(explicit), "--data-dir " + explicit);
        }
        String env = System.getenv(ENV_VAR);
        if (env != null && !env.isBlank()) {
            return new DataDirectory(new File(env), "environment variable " + ENV_VAR + "=" + env);
        }
        String prop = System.getProperty(SYSTEM_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return new DataDirectory(new File(prop), "system property " + SYSTEM_PROPERTY + "=" + prop);
        }
        return new DataDirectory(DEFAULT.toFile(), "the default " + DEFAULT
                + " (set --data-dir or " + ENV_VAR + " to change it)");
    }

    /**
     * A data directory at a known path.
     *
     * @param root the directory
     * @return the data directory
     */
    public static DataDirectory of(File root) {
        return new DataDirectory(Objects.requireNonNull(root, "root"), "path " + root);
    }

    /** @return the absolute directory */
    public File root() {
        return root;
    }

    /** @return how the directory was chosen (flag, environment variable, property or default) */
    public String origin() {
        return origin;
    }

    /**
     * Returns a file below the directory, failing with a complete explanation when it is not there.
     *
     * @param relativePath path below the root, e.g. {@code mnist/train-images-idx3-ubyte.gz}
     * @param source       where the file can be obtained (a URL or a package), for the message
     * @return the existing file
     * @throws MissingDataFileException if the file does not exist or is not a regular file
     */
    public File require(String relativePath, String source) {
        File f = new File(root, relativePath);
        if (!f.isFile()) {
            throw new MissingDataFileException(f, "Data file '" + relativePath + "' is missing: expected it at "
                    + f.getPath() + " (data directory " + root.getPath() + ", chosen by " + origin + "). "
                    + "Put the file there unchanged (do not decompress or rename it); it is available from "
                    + source + ".");
        }
        return f;
    }

    @Override
    public String toString() {
        return root.getPath() + " (" + origin + ")";
    }
}
