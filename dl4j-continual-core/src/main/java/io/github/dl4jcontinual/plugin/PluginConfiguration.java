package io.github.dl4jcontinual.plugin;

import org.nd4j.shade.jackson.annotation.JsonTypeInfo;

import java.io.Serializable;

/**
 * The JSON-serialisable configuration of a plugin; polymorphic by class ({@code "@class"} property), as DL4J's
 * layer configurations are. Implementations are immutable, have a no-argument constructor for Jackson and
 * implement {@code equals}/{@code hashCode}; extending {@link io.github.dl4jcontinual.serde.JsonConfiguration}
 * gives those (and {@code toJson}, {@code toString}) from the JSON form.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS, include = JsonTypeInfo.As.PROPERTY, property = "@class")
public interface PluginConfiguration extends Serializable {

    /**
     * Creates a fresh runtime plugin; called once per {@code fit} of the trainer.
     *
     * @return the plugin
     */
    ContinualPlugin instantiate();

    /** @return a short name for reports, e.g. "joint" */
    String name();
}
