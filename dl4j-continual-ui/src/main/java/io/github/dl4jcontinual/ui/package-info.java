/**
 * Optional module: a continual run in the standard DL4J training UI. {@link io.github.dl4jcontinual.ui.ContinualStats}
 * attaches DL4J's own {@code StatsListener} with a {@code FileStatsStorage} to the network a continual trainer
 * wraps; {@link io.github.dl4jcontinual.ui.UiServer} opens such a file in DL4J's {@code UIServer}. Core does not
 * depend on this module.
 */
package io.github.dl4jcontinual.ui;
