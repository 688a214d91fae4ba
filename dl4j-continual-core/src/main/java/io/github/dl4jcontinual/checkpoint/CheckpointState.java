package io.github.dl4jcontinual.checkpoint;

import java.io.Serializable;

/**
 * Marks a class whose instances may be read back from a checkpoint: plain data (fields of JDK value types,
 * collections, primitive arrays, ND4J arrays and other {@code CheckpointState} classes), with no
 * {@code readObject}, {@code readResolve} or constructor side effects. {@link SafeObjectInput} refuses every
 * other class of the library or the classpath, so a plugin whose {@code saveState()} returns its own class must
 * implement this interface (or return JDK collections and arrays).
 */
public interface CheckpointState extends Serializable {
}
