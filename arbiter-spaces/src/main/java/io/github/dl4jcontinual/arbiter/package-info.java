/**
 * Arbiter (1.0.0-beta7) integration: parameter spaces that produce dl4j-continual configuration objects. This is
 * the only module of the project that depends on Arbiter.
 */
package io.github.dl4jcontinual.arbiter;
