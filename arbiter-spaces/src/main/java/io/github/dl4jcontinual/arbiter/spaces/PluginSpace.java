package io.github.dl4jcontinual.arbiter.spaces;

import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.serde.ContinualJson;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.nd4j.shade.jackson.databind.JsonNode;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The hyper-parameters of one strategy as an Arbiter space: a template {@link PluginConfiguration} (any strategy:
 * ER, DER, EWC, LwF, ...) and, for some of its JSON properties, a space of values. A property is named by its
 * path in the configuration's JSON ({@link ContinualJson}), dots for nesting: {@code "lambda"},
 * {@code "temperature"}, {@code "buffer.capacity"}, {@code "buffer.selection"}. Each candidate is the template with
 * those properties replaced, read back through the configuration's own JSON mapping, as a one-element list (the
 * shape {@link ContinualConfigurationSpace#getValue} expects). Round-trips through Arbiter's JSON.
 *
 * <pre>{@code
 * new PluginSpace(new ExperienceReplay.Builder().build(),
 *         Map.of("buffer.capacity", new DiscreteParameterSpace<>(200, 500)))
 * }</pre>
 */
public class PluginSpace extends CompositeSpace<List<PluginConfiguration>> {
    private String template;
    private LinkedHashMap<String, ParameterSpace<?>> properties;

    private PluginSpace() {
        // for Jackson
    }

    /**
     * @param template   the configuration whose other properties every candidate keeps
     * @param properties searched properties by JSON path; every path must exist in the template
     * @throws IllegalArgumentException naming a path that the template's JSON does not have, and listing those it
     *                                  has
     */
    public PluginSpace(PluginConfiguration template, Map<String, ? extends ParameterSpace<?>> properties) {
        this.template = ContinualJson.toJson(Objects.requireNonNull(template, "template"));
        this.properties = new LinkedHashMap<>(properties);
        JsonNode root = tree();
        for (String path : this.properties.keySet()) {
            parentOf(root, path, template.getClass().getSimpleName());
        }
    }

    private JsonNode tree() {
        try {
            return ContinualJson.mapper().readTree(template);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode parentOf(JsonNode root, String path, String what) {
        String[] parts = path.split("\\.");
        JsonNode node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            node = node.get(parts[i]);
            if (node == null || !node.isObject()) {
                throw unknown(root, path, what);
            }
        }
        if (!node.has(parts[parts.length - 1])) {
            throw unknown(root, path, what);
        }
        return (ObjectNode) node;
    }

    private static IllegalArgumentException unknown(JsonNode root, String path, String what) {
        List<String> known = new ArrayList<>();
        paths(root, "", known);
        return new IllegalArgumentException("The " + what + " configuration has no property '" + path
                + "' (it has: " + known + ")");
    }

    private static void paths(JsonNode node, String prefix, List<String> out) {
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("@class")) {
                continue;
            }
            out.add(prefix + e.getKey());
            if (e.getValue().isObject()) {
                paths(e.getValue(), prefix + e.getKey() + ".", out);
            }
        }
    }

    @Override
    public List<PluginConfiguration> getValue(double[] values) {
        JsonNode root = tree();
        for (Map.Entry<String, ParameterSpace<?>> p : properties.entrySet()) {
            ObjectNode parent = parentOf(root, p.getKey(), "template");
            String[] parts = p.getKey().split("\\.");
            Object v = p.getValue().getValue(values);
            parent.set(parts[parts.length - 1], ContinualJson.mapper().valueToTree(v instanceof Enum
                    ? ((Enum<?>) v).name() : v));
        }
        try {
            return List.of(ContinualJson.mapper().treeToValue(root, PluginConfiguration.class));
        } catch (IOException e) {
            throw new IllegalArgumentException("The candidate values " + describe(values) + " do not make a valid "
                    + "configuration: " + e.getMessage(), e);
        }
    }

    private String describe(double[] values) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (Map.Entry<String, ParameterSpace<?>> p : properties.entrySet()) {
            m.put(p.getKey(), p.getValue().getValue(values));
        }
        return m.toString();
    }



    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        return new LinkedHashMap<>(properties);
    }



    @Override
    public boolean equals(Object o) {
        return o instanceof PluginSpace && template.equals(((PluginSpace) o).template)
                && properties.equals(((PluginSpace) o).properties);
    }

    @Override
    public int hashCode() {
        return Objects.hash(template, properties);
    }

    @Override
    public String toString() {
        return "PluginSpace(" + template + ", " + properties + ")";
    }
}
