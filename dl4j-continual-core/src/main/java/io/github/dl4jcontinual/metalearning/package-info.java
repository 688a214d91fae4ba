/**
 * Meta-learning strategies that do not train through a plain {@code fit}: iTAML (Rajasegaran et al., CVPR 2020)
 * with its task-agnostic meta-update ({@link io.github.dl4jcontinual.metalearning.ItamlTrainer}), the
 * block-restricted binary cross-entropy it trains with, the outer interpolation of parameter vectors
 * ({@link io.github.dl4jcontinual.metalearning.MetaUpdate}) and task prediction from a continuum of test samples
 * ({@link io.github.dl4jcontinual.metalearning.TaskPrediction}).
 */
package io.github.dl4jcontinual.metalearning;
