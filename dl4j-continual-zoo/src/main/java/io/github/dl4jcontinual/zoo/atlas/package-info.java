/**
 * ATLAS building blocks (adapter-based multi-modal continual learning with a two-stage strategy): {@link
 * io.github.dl4jcontinual.zoo.atlas.AtlasAdapterSite}, a query/key-weighted adapter bank for one insertion site, and
 * its orthogonality regulariser. The two-stage learner and the mixed-modality streams are not implemented yet; see
 * {@code docs/prompts-adapters.md}.
 */
package io.github.dl4jcontinual.zoo.atlas;
