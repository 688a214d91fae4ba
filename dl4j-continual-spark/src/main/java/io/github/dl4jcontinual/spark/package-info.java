/**
 * Distributed continual training on Apache Spark through DL4J's own Spark integration ({@code dl4j-spark}):
 * {@link io.github.dl4jcontinual.spark.SparkContinualTrainer} gives a
 * {@link io.github.dl4jcontinual.trainer.ContinualTrainer} whose training and test-stream evaluation run on the
 * cluster ({@link io.github.dl4jcontinual.spark.SparkTrainingBackend}: {@code SparkDl4jMultiLayer} /
 * {@code SparkComputationGraph} under a user-chosen {@code TrainingMaster}, and {@code doEvaluation}), while the
 * continual logic (plugins, replay buffer, importance, accuracy matrices) stays on the driver. See
 * {@code docs/spark.md}.
 */
package io.github.dl4jcontinual.spark;
