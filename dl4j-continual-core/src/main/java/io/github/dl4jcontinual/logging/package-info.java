/**
 * Loggers of continual runs, as {@link io.github.dl4jcontinual.trainer.ContinualListener}s: CSV
 * ({@link io.github.dl4jcontinual.logging.CsvLogger}) and JSON lines
 * ({@link io.github.dl4jcontinual.logging.JsonLinesLogger}), one record per experience and per evaluation, written
 * and flushed as the run goes. The console logger is the trainer's own progress line
 * ({@code ContinualConfiguration.Builder#progress}).
 */
package io.github.dl4jcontinual.logging;
