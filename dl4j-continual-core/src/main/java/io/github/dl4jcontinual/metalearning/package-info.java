/**
 * Meta-learning strategies: iTAML (Rajasegaran et al., CVPR 2020) as a plugin of the one training loop
 * ({@link io.github.dl4jcontinual.metalearning.ItamlConfiguration}, runtime
 * {@link io.github.dl4jcontinual.metalearning.ItamlPlugin}) with its task-agnostic meta-update as the experience's
 * training step, the block-restricted binary cross-entropy it trains with
 * ({@link io.github.dl4jcontinual.metalearning.BlockBinaryCrossEntropy}), the outer interpolation of parameter vectors
 * ({@link io.github.dl4jcontinual.metalearning.MetaUpdate}) and task prediction from a continuum of test samples
 * ({@link io.github.dl4jcontinual.metalearning.TaskPrediction}), reported as the stream metric {@code "itaml"}.
 */
package io.github.dl4jcontinual.metalearning;
