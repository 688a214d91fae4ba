/**
 * L2P (learning to prompt) on a frozen zoo ViT, the standard prompt-pool baseline: {@link
 * io.github.dl4jcontinual.zoo.l2p.L2pLearner}, {@link io.github.dl4jcontinual.zoo.l2p.L2pConfiguration}. See
 * {@code docs/prompts-adapters.md}.
 */
package io.github.dl4jcontinual.zoo.l2p;
