package io.github.dl4jcontinual.scenario;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;

/**
 * Base of the pre-processors that replace a minibatch's features by a transformed copy ({@link ImageRotation},
 * {@link PixelPermutation}): a {@code DataSet}'s features, or a {@code MultiDataSet}'s first input.
 */
abstract class FeatureTransform implements DataSetPreProcessor, MultiDataSetPreProcessor {
    private static final long serialVersionUID = 1L;

    /**
     * @param features the features of a minibatch
     * @return their transformed copy
     */
    abstract INDArray transform(INDArray features);

    /** Transforms the features. */
    @Override
    public void preProcess(DataSet ds) {
        ds.setFeatures(transform(ds.getFeatures()));
    }

    /** Transforms the first input of the minibatch. */
    @Override
    public void preProcess(MultiDataSet mds) {
        mds.setFeatures(0, transform(mds.getFeatures(0)));
    }
}
