/**
 * Vision-language continual pretraining (CTP, Zhu et al., ICCV 2023) and its baselines: image–caption pair data
 * and domain streams ({@link io.github.dl4jcontinual.zoo.ctp.PairDataset}, {@link
 * io.github.dl4jcontinual.zoo.ctp.PairStream}, {@link io.github.dl4jcontinual.zoo.ctp.PairCsvLoader}, {@link
 * io.github.dl4jcontinual.zoo.ctp.TemplatedPairStream}), a SameDiff dual encoder with contrastive, compatible
 * momentum contrast and topology-preservation losses ({@link io.github.dl4jcontinual.zoo.ctp.DualEncoder}), and
 * the continual learner ({@link io.github.dl4jcontinual.zoo.ctp.CtpLearner}) with retrieval evaluation.
 */
package io.github.dl4jcontinual.zoo.ctp;
