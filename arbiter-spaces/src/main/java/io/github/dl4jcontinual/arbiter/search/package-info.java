/**
 * Hyper-parameter search over whole continual runs with Arbiter: {@link
 * io.github.dl4jcontinual.arbiter.search.ContinualSearch} runs candidates of a
 * {@link io.github.dl4jcontinual.arbiter.spaces.ContinualSearchSpace} through a validation scenario, scores their
 * accuracy matrices and keeps a resumable record of every candidate, failed ones included.
 */
package io.github.dl4jcontinual.arbiter.search;
