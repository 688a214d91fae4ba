/**
 * The extension point of the one training loop: {@link io.github.dl4jcontinual.plugin.ContinualPlugin} (runtime
 * hooks: adapt the model, adapt the data, listeners, a replacement training step, stream metrics, checkpoint state),
 * {@link io.github.dl4jcontinual.plugin.PluginConfiguration} (JSON configuration that instantiates it), the
 * read-mostly {@link io.github.dl4jcontinual.plugin.ContinualContext} handed to plugins,
 * {@link io.github.dl4jcontinual.plugin.ExperienceTraining} and {@link io.github.dl4jcontinual.plugin.StreamMetric}.
 * Everything below the experience (iterations, epochs, gradients) is a DL4J {@code TrainingListener} that a plugin
 * returns.
 */
package io.github.dl4jcontinual.plugin;
