/**
 * Rehearsal strategies as plugins of the continual trainer, for any {@code MultiLayerNetwork} or single-input,
 * single-output {@code ComputationGraph}: ER ({@link io.github.dl4jcontinual.replay.strategy.ExperienceReplay}),
 * DER and DER++ ({@link io.github.dl4jcontinual.replay.strategy.DarkExperienceReplay}), A-GEM
 * ({@link io.github.dl4jcontinual.replay.strategy.AGem}), GDumb ({@link io.github.dl4jcontinual.replay.strategy.GDumb})
 * and ER-ACE ({@link io.github.dl4jcontinual.replay.strategy.ErAce}).
 *
 * <p>How each extra loss term reaches DL4J: ER is a data change (replayed rows joined to the minibatch by
 * {@link io.github.dl4jcontinual.data.ReplayDataSetIterator}); DER++'s replayed cross-entropy is a data change with
 * per-example weights (label mask). DER's logit MSE is not a label change of a softmax/cross-entropy head, so it is a
 * <em>gradient contribution</em>: a twin network sharing the model's parameter array, whose output layer has an
 * identity activation and an MSE loss, computes the term's gradient with DL4J's {@code calculateGradients}, and a
 * {@code TrainingListener.onGradientCalculation} adds it. A-GEM edits the gradient in the same listener hook
 * (projection against a reference gradient computed by a same-loss twin). ER-ACE's asymmetric cross-entropy (a
 * softmax restricted to some classes for the current rows) is a <em>graph augmentation</em>: the output layer's
 * loss function is wrapped by {@link io.github.dl4jcontinual.replay.strategy.AsymmetricCrossEntropy} for the
 * duration of each experience and the restriction travels as a per-output label mask.</p>
 */
package io.github.dl4jcontinual.replay.strategy;
