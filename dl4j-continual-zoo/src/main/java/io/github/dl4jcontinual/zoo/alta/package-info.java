/**
 * ALTA (cross-modal alternating learning with task-aware representations) and its released ablations as a plugin
 * of the continual trainer, applied to a user's own image network and a frozen pretrained text tower:
 * {@link io.github.dl4jcontinual.zoo.alta.AltaConfiguration} (the JSON-serialisable configuration),
 * {@link io.github.dl4jcontinual.zoo.alta.AltaPlugin} (the runtime), {@link io.github.dl4jcontinual.zoo.alta.AltaHeadLayer}
 * (the head layer it puts in place of the classification output), {@link io.github.dl4jcontinual.zoo.alta.AltaHead}
 * and {@link io.github.dl4jcontinual.zoo.alta.CosinePerTaskSchedule}. See {@code docs/prompts-adapters.md}.
 */
package io.github.dl4jcontinual.zoo.alta;
