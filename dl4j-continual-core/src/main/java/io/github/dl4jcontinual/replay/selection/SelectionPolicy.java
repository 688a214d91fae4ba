package io.github.dl4jcontinual.replay.selection;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.shade.jackson.annotation.JsonTypeInfo;

import java.io.Serializable;
import java.util.Random;

/**
 * Chooses which candidates of one class to keep, best first. Implementations are immutable, JSON-serialisable
 * ({@code "@class"} property, fields mapped by {@link io.github.dl4jcontinual.serde.ContinualJson}) and
 * implement {@code equals}/{@code hashCode}. The ranking is a prefix order: the first {@code m} of a ranking of
 * {@code k} are what the policy would keep with a budget of {@code m}, so a buffer may shrink a class by
 * truncation.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.CLASS, include = JsonTypeInfo.As.PROPERTY, property = "@class")
public interface SelectionPolicy extends Serializable {

    /**
     * @param features candidates' feature vectors [n, d] (from {@link #layer()} if {@link #usesFeatures()},
     *                 else the raw inputs flattened); read only
     * @param k        how many to select, 0 ≤ k ≤ n
     * @param rng      random generator (initialisation, ties)
     * @return k distinct row indices in [0, n), best first
     */
    int[] select(INDArray features, int k, Random rng);

    /** @return whether {@link #select} needs features of the model (false: the policy ignores them) */
    boolean usesFeatures();

    /** @return the layer whose activations are the features (MultiLayerNetwork: name or index; graph: vertex
     * name), or null for the layer before the output layer */
    String layer();
}
