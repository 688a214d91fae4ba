/**
 * L2P (learning to prompt) as a plugin of the continual trainer, on any {@code ComputationGraph} whose first
 * attention block reads a token sequence: {@link io.github.dl4jcontinual.zoo.l2p.L2pConfiguration} (JSON) and
 * {@link io.github.dl4jcontinual.zoo.l2p.L2pPlugin}, with the DL4J layers/vertices it inserts
 * ({@link io.github.dl4jcontinual.zoo.l2p.PromptKeySelection}, {@link io.github.dl4jcontinual.zoo.l2p.PromptTokens},
 * {@link io.github.dl4jcontinual.zoo.l2p.PromptTokenPooling}) and the surrogate loss
 * {@link io.github.dl4jcontinual.zoo.l2p.KeyMatchingLoss}. See {@code docs/prompts-adapters.md} §4.
 */
package io.github.dl4jcontinual.zoo.l2p;
