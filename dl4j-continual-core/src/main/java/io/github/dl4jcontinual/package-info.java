/**
 * dl4j-continual: continual (class-, task- and domain-incremental) learning for existing Deeplearning4j models.
 *
 * <p>Entry points: {@link io.github.dl4jcontinual.scenario.ClassIncrementalScenario} (and the task- and
 * domain-incremental builders) turn data into a {@link io.github.dl4jcontinual.scenario.Scenario};
 * {@link io.github.dl4jcontinual.trainer.ContinualTrainer#wrap} wraps an unmodified
 * {@code MultiLayerNetwork} or {@code ComputationGraph}; {@link io.github.dl4jcontinual.eval.ContinualResult}
 * holds the accuracy matrices and the metrics of the run.</p>
 */
package io.github.dl4jcontinual;
