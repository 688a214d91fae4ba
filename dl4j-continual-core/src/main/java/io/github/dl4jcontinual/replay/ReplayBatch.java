package io.github.dl4jcontinual.replay;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A minibatch drawn from a {@link ReplayBuffer}: fresh arrays (gathered copies), owned by the caller.
 */
public final class ReplayBatch {
    private final INDArray features;
    private final INDArray labels;
    private final INDArray logits;
    private final int[] experiences;

    ReplayBatch(INDArray features, INDArray labels, INDArray logits, int[] experiences) {
        this.features = features;
        this.labels = labels;
        this.logits = logits;
        this.experiences = experiences;
    }

    /** @return the stored inputs [n, ...] */
    public INDArray features() {
        return features;
    }

    /** @return one-hot labels [n, width] at the width asked for when sampling */
    public INDArray labels() {
        return labels;
    }

    /** @return the model's logits stored at insertion time [n, head], or null if the buffer stores none */
    public INDArray logits() {
        return logits;
    }

    /** @return the index of the experience (task id) each example came from */
    public int[] experiences() {
        return experiences.clone();
    }

    /** @return the number of examples */
    public int size() {
        return experiences.length;
    }

    /** @return features and labels as a DataSet (sharing the arrays) */
    public DataSet toDataSet() {
        return new DataSet(features, labels);
    }
}
