/**
 * ATLAS (adapter-based multi-modal continual learning with a two-stage strategy, arXiv 2410.10923):
 * {@link io.github.dl4jcontinual.zoo.atlas.AtlasAdapterSite}, a query/key-weighted adapter bank for one insertion
 * site with its orthogonality regulariser; {@link io.github.dl4jcontinual.zoo.atlas.AtlasLearner}, the two-stage
 * learner over streams mixing image-only and image-text matching tasks
 * ({@link io.github.dl4jcontinual.zoo.atlas.AtlasTask}) on a frozen image tower
 * ({@link io.github.dl4jcontinual.zoo.atlas.AtlasImageSide}) and a frozen text tower, configured by
 * {@link io.github.dl4jcontinual.zoo.atlas.AtlasConfiguration}. See {@code docs/prompts-adapters.md}.
 */
package io.github.dl4jcontinual.zoo.atlas;
