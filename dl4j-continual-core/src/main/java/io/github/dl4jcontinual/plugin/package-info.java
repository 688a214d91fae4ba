/**
 * The experience-level extension point: {@link io.github.dl4jcontinual.plugin.ContinualPlugin} (runtime),
 * {@link io.github.dl4jcontinual.plugin.PluginConfiguration} (JSON configuration that instantiates it) and the
 * read-mostly {@link io.github.dl4jcontinual.plugin.ContinualContext} handed to plugins. Everything below the
 * experience (iterations, epochs, gradients) is a DL4J {@code TrainingListener} that a plugin returns.
 */
package io.github.dl4jcontinual.plugin;
