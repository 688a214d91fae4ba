package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.data.Batches;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;

/**
 * A minibatch drawn from a {@link ReplayBuffer}: fresh arrays (gathered copies) for every input and output, with
 * masks, owned by the caller.
 */
public final class ReplayBatch {
    private final MultiDataSet data;
    private final int classOutput;
    private final INDArray logits;
    private final int[] experiences;

    ReplayBatch(MultiDataSet data, int classOutput, INDArray logits, int[] experiences) {
        this.data = data;
        this.classOutput = classOutput;
        this.logits = logits;
        this.experiences = experiences;
    }

    /** @return every stored array as a minibatch (classification labels at the width asked for) */
    public MultiDataSet toMultiDataSet() {
        return data;
    }

    /** @return the stored inputs of the first input [n, ...] */
    public INDArray features() {
        return data.getFeatures(0);
    }

    /** @return one-hot classification labels at the width asked for when sampling */
    public INDArray labels() {
        return data.getLabels(classOutput);
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

    /**
     * @return features and labels of a one-input, one-output buffer as a DataSet (sharing the arrays)
     * @throws IllegalArgumentException if the examples have several inputs or outputs
     */
    public DataSet toDataSet() {
        return Batches.toDataSet(data);
    }
}
