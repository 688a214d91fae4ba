/**
 * Rehearsal strategies as plugins of the continual trainer, for any {@code MultiLayerNetwork} or single-input,
 * single-output {@code ComputationGraph}: ER ({@link io.github.dl4jcontinual.replay.strategy.ExperienceReplay}),
 * DER and DER++ ({@link io.github.dl4jcontinual.replay.strategy.DarkExperienceReplay}), A-GEM
 * ({@link io.github.dl4jcontinual.replay.strategy.AGem}), GDumb ({@link io.github.dl4jcontinual.replay.strategy.GDumb})
 * and ER-ACE ({@link io.github.dl4jcontinual.replay.strategy.ErAce}).
 *
 * <p>How each extra loss term reaches DL4J: ER is a data change (replayed rows joined to the minibatch by
 * {@link io.github.dl4jcontinual.data.ReplayDataSetIterator}); DER++'s replayed cross-entropy is a data change with
 * per-example weights (label mask). DER's logit MSE rows join the same minibatch too: for the length of each
 * experience the output layer's loss is wrapped by {@link io.github.dl4jcontinual.replay.strategy.DerJointLoss},
 * which applies the model's own loss to ordinary rows and the logit MSE (on pre-activations) to rows flagged in a
 * widened label array, so the whole DER++ loss is one forward/backward pass. A-GEM edits the gradient in a
 * {@code TrainingListener.onGradientCalculation} hook (projection against a reference gradient computed by a
 * twin network that shares the model's parameter array and keeps its loss). ER-ACE's asymmetric cross-entropy (a
 * softmax restricted to some classes for the current rows) is a <em>graph augmentation</em>: the output layer's
 * loss function is wrapped by {@link io.github.dl4jcontinual.replay.strategy.AsymmetricCrossEntropy} for the
 * duration of each experience and the restriction travels as a per-output label mask.</p>
 */
package io.github.dl4jcontinual.replay.strategy;
