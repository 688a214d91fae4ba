/**
 * ATLAS (adapter-based multi-modal continual learning with a two-stage strategy, arXiv 2410.10923) as a plugin of
 * the continual trainer: {@link io.github.dl4jcontinual.zoo.atlas.AtlasConfiguration} (the plugin configuration)
 * and {@link io.github.dl4jcontinual.zoo.atlas.AtlasPlugin} (its runtime) insert
 * {@link io.github.dl4jcontinual.zoo.atlas.AtlasAdapterLayer} adapter sites with query/key weighting into a user's
 * MultiLayerNetwork or ComputationGraph and replace its output layer by per-task
 * {@link io.github.dl4jcontinual.zoo.atlas.AtlasHeadLayer} heads (image tasks: linear heads; image-text tasks:
 * scaled cosine against fixed class-name text embeddings); {@link io.github.dl4jcontinual.zoo.atlas.AtlasSchedule}
 * is the per-stage learning-rate schedule and {@link io.github.dl4jcontinual.zoo.atlas.AtlasOrthogonality} the
 * orthogonality term; {@link io.github.dl4jcontinual.zoo.atlas.AtlasAdapterSite} builds the site's SameDiff pieces.
 * See {@code docs/prompts-adapters.md} §5.
 */
package io.github.dl4jcontinual.zoo.atlas;
