package io.github.dl4jcontinual.zoo.ctp;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/** Frozen text features of captions, {@code [captions.size(), dim()]}; equal captions give equal rows. */
public interface TextFeatures {
    /** @return one row per caption */
    INDArray features(List<String> captions);

    /** @return the feature width */
    int dim();
}
