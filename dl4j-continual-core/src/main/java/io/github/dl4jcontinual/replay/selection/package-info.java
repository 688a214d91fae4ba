/**
 * Selection policies: WHICH examples of a class a buffer keeps, usable by any rehearsal strategy — random,
 * herding (iCaRL's mean-of-features), k-means (the example nearest each centroid) and closest-to-class-mean.
 * Feature-based policies read the features of a named layer of the user's model
 * ({@link io.github.dl4jcontinual.replay.selection.FeatureExtractor}; default: the layer before the output).
 */
package io.github.dl4jcontinual.replay.selection;
