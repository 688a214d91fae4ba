/**
 * Runnable programs on real data. {@link io.github.dl4jcontinual.benchmarks.BenchmarksMain} dispatches on the first
 * argument to one command per example; every command takes {@code --data-dir} (else the environment variable
 * {@code DL4J_CONTINUAL_DATA}, else {@code ~/.dl4j-continual/data}).
 */
package io.github.dl4jcontinual.benchmarks;
