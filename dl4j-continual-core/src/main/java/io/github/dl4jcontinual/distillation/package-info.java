/**
 * Learning without Forgetting (Li &amp; Hoiem 2016) for DL4J networks: knowledge distillation from a frozen copy
 * of the model as it was before the experience, added to the gradient by a DL4J listener
 * ({@link io.github.dl4jcontinual.distillation.LwfListener}); multi-head (task-IL), single-head softmax and
 * LwF.MC sigmoid variants; the trainer plugin is {@link io.github.dl4jcontinual.distillation.LwfConfiguration}.
 */
package io.github.dl4jcontinual.distillation;
