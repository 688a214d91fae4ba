/**
 * Arbiter {@code ParameterSpace}s whose values are {@link io.github.dl4jcontinual.trainer.ContinualConfiguration}s,
 * so that Arbiter's random and grid search generators can propose whole continual runs.
 */
package io.github.dl4jcontinual.arbiter.spaces;
