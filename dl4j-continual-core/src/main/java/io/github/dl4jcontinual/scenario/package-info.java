/**
 * Scenarios: a {@link io.github.dl4jcontinual.scenario.Scenario} is a pair of
 * {@link io.github.dl4jcontinual.scenario.ExperienceStream}s (train, test) of
 * {@link io.github.dl4jcontinual.scenario.Experience}s over one class timeline.
 *
 * <p>Built by {@link io.github.dl4jcontinual.scenario.ClassIncrementalScenario} (class- and task-incremental)
 * and {@link io.github.dl4jcontinual.scenario.DomainIncrementalScenario} (permuted, rotated, new instances) from a
 * {@code DataSet}, any {@code DataSetIterator} or a DataVec {@code RecordReader}. Class ids are relabelled in
 * order of arrival, so experience 0's classes are 0..k-1 and a growing output layer keeps its columns.</p>
 */
package io.github.dl4jcontinual.scenario;
