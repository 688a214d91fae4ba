package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.checkpoint.CheckpointException;
import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.model.ContinualModel;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The trainer's part of a checkpoint: what goes into a {@link CheckpointFile} besides the network (configuration,
 * stream progress, ND4J's generator state, every plugin's state) and the checks made when it is read back.
 * Package-private; used by {@link ContinualTrainer} on its thread.
 */
final class TrainerCheckpoint {
    static final String CONFIGURATION = "continual.configuration";
    static final String PROGRESS = "continual.progress";
    static final String RNG = "continual.nd4j-rng";
    static final String PLUGIN = "continual.plugin-";
    static final String FINGERPRINT = "configurationSha256";
    static final String DONE = "experiencesDone";
    /** Settings that do not change what is computed, left out of the comparison. */
    private static final String[] IGNORED = {"progress"};

    final CheckpointFile file;
    final StreamProgress progress;
    final long[] rng;
    final List<Serializable> pluginStates = new ArrayList<>();

    private TrainerCheckpoint(CheckpointFile file, StreamProgress progress, long[] rng) {
        this.file = file;
        this.progress = progress;
        this.rng = rng;
    }

    static void write(Path target, ContinualModel model, ContinualConfiguration conf, StreamProgress progress,
                      List<ContinualPlugin> plugins, long[] rng) {
        Map<String, Serializable> objects = new LinkedHashMap<>();
        objects.put(CONFIGURATION, conf.toJson());
        objects.put(PROGRESS, progress);
        objects.put(RNG, rng.clone());
        for (int i = 0; i < plugins.size(); i++) {
            objects.put(PLUGIN + i, plugins.get(i).saveState());
        }
        Map<String, String> props = new LinkedHashMap<>();
        props.put(FINGERPRINT, fingerprint(conf.toJson()));
        props.put(DONE, Integer.toString(progress.next()));
        // a run learned one experience at a time has no scenario fingerprint, only its name ("experiences")
        props.put("scenario", progress.scenarioName);
        CheckpointFile.write(target, model, objects, props);
    }

    /**
     * @param path a checkpoint file
     * @param conf the configuration the caller resumes with
     * @return the verified checkpoint
     * @throws CheckpointException if the file is unusable or was written with another configuration (the message
     *                             names each differing setting)
     */
    static TrainerCheckpoint read(Path path, ContinualConfiguration conf) {
        CheckpointFile f = CheckpointFile.read(path);
        String stored = f.object(CONFIGURATION, String.class);
        if (!f.property(FINGERPRINT).equals(fingerprint(conf.toJson()))) {
            List<String> diff = differences(stored, conf.toJson());
            throw new CheckpointException("Checkpoint " + path + " was written with another configuration: "
                    + (diff.isEmpty() ? "its fingerprint differs" : String.join("; ", diff)));
        }
        TrainerCheckpoint c = new TrainerCheckpoint(f, f.object(PROGRESS, StreamProgress.class),
                f.object(RNG, long[].class));
        for (int i = 0; i < conf.getPlugins().size(); i++) {
            c.pluginStates.add(f.object(PLUGIN + i, Serializable.class));
        }
        return c;
    }

    private static JsonNode normalised(String json) {
        try {
            JsonNode n = ContinualJson.mapper().readTree(json);
            for (String k : IGNORED) {
                ((ObjectNode) n).remove(k);
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String fingerprint(String confJson) {
        return CheckpointFile.sha256(normalised(confJson).toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @param stored the configuration JSON in the checkpoint
     * @param given  the configuration JSON resumed with
     * @return one line per differing setting, e.g. {@code seed: checkpoint 42, given 7}
     */
    static List<String> differences(String stored, String given) {
        List<String> out = new ArrayList<>();
        diff("", normalised(stored), normalised(given), out);
        return out;
    }

    private static void diff(String path, JsonNode a, JsonNode b, List<String> out) {
        if (a != null && b != null && a.isObject() && b.isObject()) {
            TreeSet<String> keys = new TreeSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                diff(path.isEmpty() ? k : path + "." + k, a.get(k), b.get(k), out);
            }
        } else if (a != null && b != null && a.isArray() && b.isArray() && a.size() == b.size()) {
            Iterator<JsonNode> ia = a.elements();
            Iterator<JsonNode> ib = b.elements();
            for (int i = 0; ia.hasNext(); i++) {
                diff(path + "[" + i + "]", ia.next(), ib.next(), out);
            }
        } else if (a == null || !a.equals(b)) {
            out.add(path + ": checkpoint " + a + ", given " + b);
        }
    }
}
