/**
 * DAFormer (Wang et al., "Dual-Attention Transformers for Class-Incremental Learning: A Tale of Two Memories") as a
 * plugin of the continual trainer: {@link io.github.dl4jcontinual.zoo.daformer.DaFormerConfiguration} (the
 * JSON-serialisable {@code PluginConfiguration}) and its runtime
 * {@link io.github.dl4jcontinual.zoo.daformer.DaFormerPlugin}, which turns the last attention block of a user's
 * {@code ComputationGraph} into the dual-attention block with per-task keys and heads and runs the recipe through
 * the trainer's hooks: herded exemplars (core's buffer), logit distillation, the divergence head, the reconstructed
 * KNN invariant distillation and balanced fine-tuning, with old key sets and heads frozen by
 * {@link io.github.dl4jcontinual.zoo.daformer.FrozenParameters}.
 */
package io.github.dl4jcontinual.zoo.daformer;
