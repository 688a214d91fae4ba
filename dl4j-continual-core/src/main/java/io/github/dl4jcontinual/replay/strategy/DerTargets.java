package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.plugin.PluginConfiguration;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * The checked-in reproduction targets for rehearsal on Seq-MNIST ({@code der-seq-mnist-targets.csv} beside this
 * class): for each strategy and buffer size, Mammoth's selected hyper-parameters, the published class-IL and
 * task-IL accuracies and our acceptance band. {@link Target#plugin()} builds the strategy exactly as the row says,
 * so tests and the reproduction command share one source.
 */
public final class DerTargets {
    /** The resource name, relative to this class. */
    public static final String RESOURCE = "der-seq-mnist-targets.csv";

    private DerTargets() {
    }

    /** One row of the targets file. Values in percent; NaN where the file leaves a cell empty. */
    public static final class Target {
        private final String strategy;
        private final int buffer;
        private final double lr;
        private final double alpha;
        private final double beta;
        private final int replayBatch;
        private final double publishedClassIl;
        private final double publishedTaskIl;
        private final double minClassIl;
        private final double maxClassIl;
        private final int batch;
        private final String note;

        Target(String[] c) {
            strategy = c[0];
            buffer = Integer.parseInt(c[1]);
            lr = Double.parseDouble(c[2]);
            alpha = num(c[3]);
            beta = num(c[4]);
            replayBatch = c[5].isEmpty() ? 0 : Integer.parseInt(c[5]);
            publishedClassIl = num(c[6]);
            publishedTaskIl = num(c[7]);
            minClassIl = num(c[8]);
            maxClassIl = num(c[9]);
            batch = c.length > 10 && !c[10].isEmpty() ? Integer.parseInt(c[10]) : 10;
            note = c.length > 11 ? c[11] : "";
        }

        private static double num(String s) {
            return s.isEmpty() ? Double.NaN : Double.parseDouble(s);
        }

        /** @return strategy name: naive, er, der, der++, agem, gem, gss, gdumb, er-ace */
        public String strategy() {
            return strategy;
        }

        /** @return buffer size (0 for naive) */
        public int buffer() {
            return buffer;
        }

        /** @return SGD learning rate */
        public double lr() {
            return lr;
        }

        /** @return the training minibatch size (10, the DER protocol's, unless the row's Mammoth arguments differ) */
        public int batch() {
            return batch;
        }

        /** @return the published class-IL accuracy (%), or NaN */
        public double publishedClassIl() {
            return publishedClassIl;
        }

        /** @return the published task-IL accuracy (%), or NaN */
        public double publishedTaskIl() {
            return publishedTaskIl;
        }

        /** @return the lowest acceptable mean class-IL accuracy (%), or NaN (reported only) */
        public double minClassIl() {
            return minClassIl;
        }

        /** @return the highest acceptable mean class-IL accuracy (%), or NaN */
        public double maxClassIl() {
            return maxClassIl;
        }

        /** @return free-text note */
        public String note() {
            return note;
        }

        /** @return "strategy/buffer", e.g. "der++/500" */
        public String key() {
            return strategy + "/" + buffer;
        }

        /** @return the strategy as configured by this row, or null for naive */
        public PluginConfiguration plugin() {
            switch (strategy) {
                case "naive":
                    return null;
                case "er":
                    return new ExperienceReplay.Builder().bufferSize(buffer).replayBatch(replayBatch).build();
                case "der":
                case "der++":
                    return new DarkExperienceReplay.Builder().bufferSize(buffer).replayBatch(replayBatch)
                            .alpha(alpha).beta(Double.isNaN(beta) ? 0 : beta).build();
                case "agem":
                    return new AGem.Builder().bufferSize(buffer).replayBatch(replayBatch).build();
                case "gem":
                    // Mammoth at the DER paper (2020): buffer / N_TASKS memories per experience (5 tasks in
                    // Seq-MNIST), the whole memory of each past experience in its constraint
                    return new Gem.Builder().replayBatch(buffer).memoriesPerExperience(buffer / 5)
                            .memoryStrength(alpha).build();
                case "gss":
                    // Mammoth's gss_minibatch_size is the alpha column; batch_num 1
                    return new Gss.Builder().bufferSize(buffer).replayBatch(replayBatch).candidates((int) alpha)
                            .build();
                case "gdumb":
                    return new GDumb.Builder().bufferSize(buffer).build();
                case "er-ace":
                    return new ErAce.Builder().bufferSize(buffer).replayBatch(replayBatch).build();
                default:
                    throw new IllegalArgumentException("Unknown strategy '" + strategy + "' in " + RESOURCE);
            }
        }

        @Override
        public String toString() {
            return key() + " (lr " + lr + ")";
        }
    }

    /** @return every row of the targets file, in file order */
    public static List<Target> load() {
        List<Target> out = new ArrayList<>();
        try (InputStream in = DerTargets.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Resource " + RESOURCE + " is missing from the classpath");
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            String line;
            boolean header = true;
            while ((line = r.readLine()) != null) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                if (header) {
                    header = false;
                    continue;
                }
                out.add(new Target(line.split(",", -1)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * @param key "strategy/buffer", e.g. "er/500"
     * @return the row
     * @throws IllegalArgumentException listing the known keys if there is no such row
     */
    public static Target get(String key) {
        List<Target> all = load();
        for (Target t : all) {
            if (t.key().equals(key.toLowerCase(Locale.ROOT))) {
                return t;
            }
        }
        List<String> keys = new ArrayList<>();
        all.forEach(t -> keys.add(t.key()));
        throw new IllegalArgumentException("No target '" + key + "' (expected one of " + keys + ")");
    }
}
