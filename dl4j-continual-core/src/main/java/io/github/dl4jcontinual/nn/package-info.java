/**
 * Building blocks shared by the project's own DL4J losses and layers (core and zoo): the common parts of an
 * {@link org.nd4j.linalg.lossfunctions.ILossFunction} and of a SameDiff layer, so that each implementation keeps only
 * its mathematics.
 */
package io.github.dl4jcontinual.nn;
