/**
 * The one model abstraction of the library ({@link io.github.dl4jcontinual.model.ContinualModel}) over a user's
 * {@code MultiLayerNetwork}, {@code ComputationGraph} (any inputs and outputs) or SameDiff graph, with its stored
 * form ({@link io.github.dl4jcontinual.model.ModelFiles}) and the parameter layout that per-parameter state follows
 * when a head grows.
 */
package io.github.dl4jcontinual.model;
