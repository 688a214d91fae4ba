/**
 * ALTA (cross-modal alternating learning with task-aware representations) and its released ablations on a frozen
 * image tower's features and a frozen pretrained text tower: {@link io.github.dl4jcontinual.zoo.alta.AltaLearner},
 * {@link io.github.dl4jcontinual.zoo.alta.AltaConfiguration}, {@link io.github.dl4jcontinual.zoo.alta.AltaHead}. See
 * {@code docs/prompts-adapters.md}.
 */
package io.github.dl4jcontinual.zoo.alta;
