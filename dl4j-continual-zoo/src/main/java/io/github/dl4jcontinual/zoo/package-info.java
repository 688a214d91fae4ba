/**
 * The zoo: backbones used by the continual-learning protocols and (in sub-packages) SameDiff implementations of
 * research methods.
 */
package io.github.dl4jcontinual.zoo;
