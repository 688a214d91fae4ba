/**
 * Vision-language continual pretraining (CTP, Zhu et al., ICCV 2023) as a trainer plugin: image–caption pair data
 * and domain streams ({@link io.github.dl4jcontinual.zoo.ctp.PairDataset}, {@link
 * io.github.dl4jcontinual.zoo.ctp.PairStream}, {@link io.github.dl4jcontinual.zoo.ctp.PairCsvLoader}, {@link
 * io.github.dl4jcontinual.zoo.ctp.TemplatedPairStream}) turned into {@code MultiDataSet} experiences ({@link
 * io.github.dl4jcontinual.zoo.ctp.PairScenarios}); the plugin ({@link io.github.dl4jcontinual.zoo.ctp.CtpConfiguration},
 * {@link io.github.dl4jcontinual.zoo.ctp.CtpPlugin}) that makes the user's image network the image tower of a dual
 * encoder with the contrastive, compatible momentum contrast and topology-preservation losses ({@link
 * io.github.dl4jcontinual.zoo.ctp.ContrastiveLossLayer}), and retrieval R@K with CTP's cumulative measure as stream
 * metrics ({@link io.github.dl4jcontinual.zoo.ctp.CtpResults}). Described in docs/ctp.md.
 */
package io.github.dl4jcontinual.zoo.ctp;
