/**
 * A small vision transformer written as SameDiff layers that plug into an ordinary DL4J
 * {@code ComputationGraph}, and the dual-attention block of DAFormer (Wang et al., IEEE TMM).
 *
 * <p>Token layout: every layer here exchanges its tokens as a feed-forward activation {@code [mb, T*D]}, token
 * {@code i} in columns {@code [i*D, (i+1)*D)} (row-major {@code [mb, T, D]} flattened), so no recurrent-format
 * or mask handling is involved. Layers:</p>
 * <ul>
 *   <li>{@link io.github.dl4jcontinual.zoo.transformer.PatchEmbedding}: flat {@code [mb, C*H*W]} image to patch
 *   tokens plus learned positional embedding (optionally a class token);</li>
 *   <li>{@link io.github.dl4jcontinual.zoo.transformer.TransformerBlock}: pre-norm multi-head self-attention and
 *   GELU MLP, both residual;</li>
 *   <li>{@link io.github.dl4jcontinual.zoo.transformer.TokenPooling}: final LayerNorm and mean (or class-token)
 *   pooling to {@code [mb, D]};</li>
 *   <li>{@link io.github.dl4jcontinual.zoo.transformer.DualAttentionBlock}: DAFormer's dual-attention block with one
 *   sample-dependent key branch and one or more sample-agnostic task-key sets, pooled to one embedding per key
 *   set;</li>
 *   <li>{@link io.github.dl4jcontinual.zoo.transformer.DualSelfAttention}: the same dual attention in the layout of
 *   DL4J's own attention layers (recurrent input {@code [mb, nIn, T]}, DL4J's {@code Wq, Wk, Wv, Wo}), to replace a
 *   {@code SelfAttentionLayer}, {@code LearnedSelfAttentionLayer} or {@code AttentionVertex};</li>
 *   <li>{@link io.github.dl4jcontinual.zoo.transformer.TaskHeads}: one LayerNorm + linear head per task,
 *   concatenated or placed in a fixed-width output over the scenario's classes;</li>
 *   <li>{@link io.github.dl4jcontinual.zoo.transformer.KnnInvariantLoss}: the reconstructed K-nearest-neighbour
 *   invariant distillation as a DL4J loss function.</li>
 * </ul>
 * Graph builder: {@link io.github.dl4jcontinual.zoo.transformer.Vit} (plain ViT classifier, DAFormer-ready: the
 * {@code zoo.daformer} plugin turns its last block into the dual block).
 */
package io.github.dl4jcontinual.zoo.transformer;
