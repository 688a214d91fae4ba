/**
 * Backbones built with DL4J's own builders, in both {@code MultiLayerNetwork} and {@code ComputationGraph} form,
 * e.g. the MLPs of the DER (784-100-100-10) and van de Ven (784-400-400-10) protocols.
 */
package io.github.dl4jcontinual.zoo.model;
