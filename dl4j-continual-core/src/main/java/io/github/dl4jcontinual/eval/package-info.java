/**
 * Metrics of a continual run: the {@link io.github.dl4jcontinual.eval.AccuracyMatrix} (single source of accuracy,
 * forgetting, backward and forward transfer, with the formulas in its javadoc), per-experience
 * {@link io.github.dl4jcontinual.eval.ExperienceResult}s and the immutable
 * {@link io.github.dl4jcontinual.eval.ContinualResult} with its JSON and CSV forms.
 */
package io.github.dl4jcontinual.eval;
