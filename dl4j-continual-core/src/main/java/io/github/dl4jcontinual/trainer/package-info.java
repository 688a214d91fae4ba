/**
 * The continual trainer: {@link io.github.dl4jcontinual.trainer.ContinualTrainer} wraps an unmodified
 * {@code MultiLayerNetwork} or {@code ComputationGraph} and trains it over a scenario through the model's own
 * {@code fit}, configured by a JSON-serialisable {@link io.github.dl4jcontinual.trainer.ContinualConfiguration}.
 */
package io.github.dl4jcontinual.trainer;
