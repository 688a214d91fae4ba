/**
 * DAFormer's class-incremental training recipe (methods.md §3.3–3.5) around the graphs of
 * {@link io.github.dl4jcontinual.zoo.transformer.DaFormer}: growing key sets and heads per task, freezing old ones,
 * herded exemplars, logit distillation from the previous model, the divergence head, the reconstructed KNN
 * invariant distillation and class-balanced fine-tuning. Entry point:
 * {@link io.github.dl4jcontinual.zoo.daformer.DaFormerLearner}, configured by
 * {@link io.github.dl4jcontinual.zoo.daformer.DaFormerConfiguration}.
 */
package io.github.dl4jcontinual.zoo.daformer;
