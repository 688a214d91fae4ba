/**
 * The class-incremental family that fights the bias toward new classes, each differently:
 * <ul>
 *   <li>{@link io.github.dl4jcontinual.cil.IcarlConfiguration iCaRL} (Rebuffi et al. 2017): herding exemplars,
 *   sigmoid/binary cross-entropy distillation on the old classes' outputs and the
 *   {@link io.github.dl4jcontinual.cil.NearestMeanClassifier nearest-mean-of-exemplars} classifier, reported as an
 *   extra evaluation head ("nme") beside the network's own ("CNN") head;</li>
 *   <li>{@link io.github.dl4jcontinual.cil.WeightAligning WA} (Zhao et al. 2020): after each experience the new
 *   classes' weight vectors of the output layer are rescaled to the old classes' mean norm;</li>
 *   <li>{@link io.github.dl4jcontinual.cil.BiasCorrection BiC} (Wu et al. 2019): a two-parameter affine correction
 *   of the new classes' logits, fitted on a held-out class-balanced validation set;</li>
 *   <li>{@link io.github.dl4jcontinual.cil.LucirConfiguration LUCIR} (Hou et al. 2019): the
 *   {@link io.github.dl4jcontinual.cil.CosineOutputLayer cosine-normalised classifier} with a learnable scale, the
 *   less-forget constraint on normalised features and the margin ranking loss on hard negatives.</li>
 * </ul>
 * All reach the network through {@link io.github.dl4jcontinual.model.ContinualModel} (a {@code MultiLayerNetwork}
 * or a {@code ComputationGraph}, its classification output as named) and work with both head policies of the
 * trainer (fixed and expanding); LUCIR needs a single-output graph (its extra terms come from a twin network).
 * iCaRL's NME head is a {@link io.github.dl4jcontinual.plugin.StreamMetric} ("nme") whose matrices land in the
 * run's {@link io.github.dl4jcontinual.eval.ContinualResult}.
 */
package io.github.dl4jcontinual.cil;
