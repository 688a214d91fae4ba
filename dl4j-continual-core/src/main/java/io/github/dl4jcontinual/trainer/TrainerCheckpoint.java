package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.checkpoint.CheckpointException;
import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.model.ContinualModel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
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
    static final String PROGRESS = "continual.progress";
    static final String RNG = "continual.nd4j-rng";
    static final String PLUGIN = "continual.plugin-";
    static final String FINGERPRINT = "configurationSha256";
    /** Manifest property: the configuration JSON, compared before anything is deserialised. */
    static final String CONFIGURATION_JSON = "configuration";
    /** Manifest property: the SHA-256 of the network's configuration JSON (layers, updater, learning rates). */
    static final String NETWORK = "networkSha256";
    static final String DONE = "experiencesDone";
    /** Settings that do not change what is computed, left out of the comparison. */
    private static final String[] IGNORED = {"progress"};
    /** Fields of a network configuration left out of the comparison: the counters training advances, and the seed
     * (it decides only the initial weights, which the checkpoint replaces). */
    private static final java.util.Set<String> COUNTERS = java.util.Set.of("iterationCount", "epochCount", "seed");

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
        objects.put(PROGRESS, progress);
        objects.put(RNG, rng.clone());
        for (int i = 0; i < plugins.size(); i++) {
            objects.put(PLUGIN + i, plugins.get(i).saveState());
        }
        Map<String, String> props = new LinkedHashMap<>();
        props.put(CheckpointFile.RUN_ID, progress.runId);
        props.put(FINGERPRINT, fingerprint(conf.toJson()));
        props.put(CONFIGURATION_JSON, conf.toJson());
        String net = networkJson(model);
        if (net != null) {
            props.put(NETWORK, CheckpointFile.sha256(normalisedNetwork(net).toString()
                    .getBytes(StandardCharsets.UTF_8)));
        }
        props.put(DONE, Integer.toString(progress.next()));
        // a run learned one experience at a time has no scenario fingerprint, only its name ("experiences")
        props.put("scenario", progress.scenarioName);
        CheckpointFile.write(target, model, objects, props);
    }

    /**
     * Reads and verifies a checkpoint. The configuration is compared (from the manifest, plain JSON) before any
     * entry is deserialised; the entries are then read through {@link io.github.dl4jcontinual.checkpoint.SafeObjectInput}.
     *
     * @param path a checkpoint file
     * @param conf the configuration the caller resumes with
     * @return the verified checkpoint
     * @throws CheckpointException if the file is unusable or was written with another configuration (the message
     *                             names each differing setting)
     */
    static TrainerCheckpoint read(Path path, ContinualConfiguration conf) {
        CheckpointFile f = CheckpointFile.read(path);
        if (!f.property(FINGERPRINT).equals(fingerprint(conf.toJson()))) {
            List<String> diff = differences(f.property(CONFIGURATION_JSON), conf.toJson());
            throw new CheckpointException("Checkpoint " + path + " was written with another configuration: "
                    + (diff.isEmpty() ? "its fingerprint differs" : String.join("; ", diff)));
        }
        TrainerCheckpoint c = new TrainerCheckpoint(f, f.object(PROGRESS, StreamProgress.class),
                f.object(RNG, long[].class));
        if (c.progress == null || c.rng == null || c.rng.length != 2) {
            throw new CheckpointException("Checkpoint " + path + " has no progress or generator state");
        }
        if (!String.valueOf(c.progress.runId).equals(f.property(CheckpointFile.RUN_ID))) {
            throw new CheckpointException("Checkpoint " + path + " is inconsistent: its manifest names run "
                    + f.property(CheckpointFile.RUN_ID) + " but its progress run " + c.progress.runId);
        }
        for (int i = 0; i < conf.getPlugins().size(); i++) {
            c.pluginStates.add(f.object(PLUGIN + i, Serializable.class));
        }
        return c;
    }

    /**
     * Checks, from the checkpoint's plain-JSON network configuration, that {@code expected} is the network it was
     * written for (layers, sizes, activations, updater and learning rates; the iteration and epoch counters and the
     * initialisation seed excepted).
     *
     * @throws CheckpointException naming every differing field
     */
    static void checkNetwork(CheckpointFile f, ContinualModel expected) {
        String given = networkJson(expected);
        byte[] stored = f.modelEntry(ModelSerializer.CONFIGURATION_JSON);
        if (given == null || stored == null) {
            if (!expected.kind().equals(f.property("modelType"))) {
                throw new CheckpointException("Checkpoint " + f.path() + " holds a " + f.property("modelType")
                        + " but a " + expected.kind() + " was given");
            }
            return;
        }
        JsonNode a = normalisedNetwork(new String(stored, StandardCharsets.UTF_8));
        JsonNode b = normalisedNetwork(given);
        if (!a.equals(b)) {
            List<String> out = new ArrayList<>();
            diff("", a, b, out);
            throw new CheckpointException("Checkpoint " + f.path() + " was written for another network: "
                    + (out.isEmpty() ? "its configuration differs" : String.join("; ", out)));
        }
    }

    /** @return the network's configuration JSON (MultiLayerNetwork, ComputationGraph), or null for SameDiff */
    static String networkJson(ContinualModel model) {
        if ("SameDiff".equals(model.kind())) {
            return null;
        }
        Object n = model.network();
        if (n instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) n).getLayerWiseConfigurations().toJson();
        }
        if (n instanceof ComputationGraph) {
            return ((ComputationGraph) n).getConfiguration().toJson();
        }
        return null;
    }

    private static JsonNode normalisedNetwork(String json) {
        try {
            JsonNode n = ContinualJson.mapper().readTree(json);
            stripCounters(n);
            return n;
        } catch (IOException e) {
            throw new CheckpointException("The network configuration is not valid JSON: " + e.getMessage(), e);
        }
    }

    private static void stripCounters(JsonNode n) {
        if (n instanceof ObjectNode) {
            ((ObjectNode) n).remove(COUNTERS);
        }
        n.forEach(TrainerCheckpoint::stripCounters);
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
