/**
 * JSON conventions of the project: DL4J's shaded Jackson ({@code org.nd4j.shade.jackson}), field-based,
 * polymorphic configuration objects tagged with {@code @class} as DL4J's own layer configurations are;
 * {@link io.github.dl4jcontinual.serde.JsonConfiguration}, the base of the configurations, defines equality, hash
 * and string form from that JSON.
 */
package io.github.dl4jcontinual.serde;
