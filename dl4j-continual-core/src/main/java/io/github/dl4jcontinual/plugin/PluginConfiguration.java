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

    /**
     * Whether this plugin, as configured, learns from a stream whose experience boundaries it is not told
     * ({@link io.github.dl4jcontinual.trainer.ContinualConfiguration#isBoundaryFree()}, the online setting). A
     * boundary-free plugin needs none of {@link ContinualPlugin#adaptModel}, {@link ContinualPlugin#beforeExperience}
     * and {@link ContinualPlugin#afterExperience} (a boundary-free trainer does not call them) and reads no class or
     * position of the {@code Experience} it is handed: only the minibatches of its iterator. The trainer refuses a
     * boundary-free run with any plugin that answers false, naming it.
     *
     * @return true if the plugin can run boundary-free; false by default
     */
    default boolean boundaryFree() {
        return false;
    }
}
