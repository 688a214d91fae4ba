/**
 * The HTML report of continual runs: {@link io.github.dl4jcontinual.report.ContinualReport} (accuracy heatmaps,
 * curves, forgetting, time and memory, configuration, comparison of several runs) as one self-contained file, and
 * {@link io.github.dl4jcontinual.report.ReportWriter}, a listener that writes it at the end of every run.
 */
package io.github.dl4jcontinual.report;
