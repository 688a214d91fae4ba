/**
 * Built-in plugins: the baselines {@link io.github.dl4jcontinual.plugin.impl.JointTraining} ("JointT") and
 * {@link io.github.dl4jcontinual.plugin.impl.CumulativeTraining}. Naive fine-tuning ("SeqF") is a trainer with
 * no plugin.
 */
package io.github.dl4jcontinual.plugin.impl;
