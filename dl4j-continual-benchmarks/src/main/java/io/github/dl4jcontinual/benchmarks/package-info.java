/**
 * The reproductions of the docs' tables on real data, as one picocli command line:
 * {@link io.github.dl4jcontinual.benchmarks.BenchmarksMain} has one subcommand per reproduction ({@code split-mnist},
 * {@code rehearsal reproduce|benchmark}, {@code reproduce-regularization}, ...; {@code <command> --help} lists its
 * options and defaults). Shared options ({@code --data-dir}, else the environment variable
 * {@code DL4J_CONTINUAL_DATA}, else {@code ~/.dl4j-continual/data}; {@code --seeds}, {@code --out}, {@code --quiet},
 * {@code --no-report}, {@code --markdown}, {@code --ui}, the checkpoint options) are the mixins of
 * {@link io.github.dl4jcontinual.benchmarks.Options} and {@link io.github.dl4jcontinual.benchmarks.CheckpointOptions};
 * strategy names become plugins in {@link io.github.dl4jcontinual.benchmarks.StrategyRegistry}.
 */
package io.github.dl4jcontinual.benchmarks;
