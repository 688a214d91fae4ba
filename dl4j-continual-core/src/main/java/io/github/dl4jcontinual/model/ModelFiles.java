package io.github.dl4jcontinual.model;

import io.github.dl4jcontinual.serde.ContinualJson;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * The stored form of a {@link ContinualModel}, as named entries of a zip: DL4J's own {@code ModelSerializer}
 * entries (configuration, coefficients, updater state) for a MultiLayerNetwork or ComputationGraph, or
 * {@value #SAMEDIFF} (SameDiff's FlatBuffers with updater state) for a SameDiff graph, plus {@value #DESCRIPTOR}
 * naming the kind and the classification output. A {@code ModelSerializer} reader ignores the extra entry, so a
 * stored MultiLayerNetwork stays readable by {@code ModelSerializer.restoreMultiLayerNetwork}. Reading builds only
 * DL4J configurations, arrays and SameDiff graphs (no Java deserialisation).
 */
public final class ModelFiles {
    /** The descriptor entry. */
    public static final String DESCRIPTOR = "continual-model.json";
    /** The SameDiff graph entry. */
    public static final String SAMEDIFF = "samediff.fb";

    private ModelFiles() {
    }

    /**
     * @param model a model
     * @return its entries, in a stable order
     */
    public static Map<String, byte[]> entries(ContinualModel model) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("kind", model.kind());
        d.put("classificationOutput", model.classificationOutputName());
        if (model instanceof NetworkModel) {
            byte[] zip = ((NetworkModel<?>) model).modelSerializerZip();
            try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    out.put(e.getName(), in.readAllBytes());
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot serialise the model", e);
            }
        } else if (model instanceof SameDiffModel) {
            d.putAll(((SameDiffModel) model).descriptor());
            out.put(SAMEDIFF, ((SameDiffModel) model).flatBuffers());
        } else {
            throw new IllegalArgumentException("Cannot store a model of class " + model.getClass().getName());
        }
        out.put(DESCRIPTOR, ContinualJson.toJson(d).getBytes(StandardCharsets.UTF_8));
        return out;
    }

    /**
     * @param entries entries written by {@link #entries}; others are ignored
     * @return the model
     * @throws IllegalArgumentException if the descriptor is missing, names an unknown kind or the model cannot be
     *                                  restored
     */
    public static ContinualModel fromEntries(Map<String, byte[]> entries) {
        byte[] d = entries.get(DESCRIPTOR);
        if (d == null) {
            throw new IllegalArgumentException("Not a stored model: the entry " + DESCRIPTOR + " is missing (entries "
                    + entries.keySet() + ")");
        }
        JsonNode desc;
        try {
            desc = ContinualJson.mapper().readTree(new String(d, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalArgumentException("The model descriptor " + DESCRIPTOR + " is not valid JSON: "
                    + e.getMessage(), e);
        }
        String kind = desc.path("kind").asText();
        String classifier = desc.path("classificationOutput").asText(null);
        try {
            switch (kind) {
                case "MultiLayerNetwork":
                    return new MultiLayerNetworkModel(ModelSerializer.restoreMultiLayerNetwork(
                            new ByteArrayInputStream(zipOf(entries)), true));
                case "ComputationGraph":
                    ComputationGraph g = ModelSerializer.restoreComputationGraph(
                            new ByteArrayInputStream(zipOf(entries)), true);
                    return new ComputationGraphModel(g, classifier);
                case "SameDiff":
                    byte[] fb = entries.get(SAMEDIFF);
                    if (fb == null) {
                        throw new IllegalArgumentException("The stored SameDiff model has no " + SAMEDIFF + " entry");
                    }
                    List<String> outs = new ArrayList<>();
                    desc.path("outputs").forEach(n -> outs.add(n.asText()));
                    JsonNode lg = desc.path("logits");
                    return SameDiffModel.restore(fb, outs, desc.path("classifier").asInt(0),
                            lg.isMissingNode() || lg.isNull() ? null : lg.asText());
                default:
                    throw new IllegalArgumentException("Unknown model kind '" + kind + "' in " + DESCRIPTOR
                            + " (expected MultiLayerNetwork, ComputationGraph or SameDiff)");
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw (IllegalArgumentException) e;
            }
            throw new IllegalArgumentException("The stored " + kind + " cannot be restored: " + e, e);
        }
    }

    /**
     * @param entries stored entries
     * @return the kind the descriptor names, or null without a descriptor
     */
    public static String kindOf(Map<String, byte[]> entries) {
        byte[] d = entries.get(DESCRIPTOR);
        if (d == null) {
            return null;
        }
        try {
            return ContinualJson.mapper().readTree(new String(d, StandardCharsets.UTF_8)).path("kind").asText(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] zipOf(Map<String, byte[]> entries) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                if (!e.getKey().equals(DESCRIPTOR) && !e.getKey().equals(SAMEDIFF)) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static void write(ContinualModel model, OutputStream out) {
        try {
            ZipOutputStream zip = new ZipOutputStream(out);
            for (Map.Entry<String, byte[]> e : entries(model).entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue());
                zip.closeEntry();
            }
            zip.finish();
            zip.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the model", e);
        }
    }

    static ContinualModel load(InputStream in) {
        Map<String, byte[]> entries = new LinkedHashMap<>();
        try {
            ZipInputStream zip = new ZipInputStream(in);
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                entries.put(e.getName(), zip.readAllBytes());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the model", e);
        }
        return fromEntries(entries);
    }
}
