package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.model.ContinualModel;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Objects;

/**
 * Adds the gradient of LUCIR's less-forget and margin-ranking losses ({@link LucirLossLayer}) to the model's
 * gradient in {@link #onGradientCalculation} (after backpropagation of the cross-entropy, before the updater). The
 * gradient comes from DL4J's own backpropagation through a twin network built from a clone of the model's
 * configuration with the cosine layer replaced by the loss layer and initialised on the model's own parameter
 * array (so it always sees the current parameters). The minibatch's labels come from {@link #record}, which the
 * plugin's training iterator calls for every minibatch; the previous model gives the reference features.
 *
 * <p>Cost: one forward pass of the teacher and one forward/backward pass of the twin per iteration. Runs on the
 * training thread; not thread-safe.</p>
 */
final class LucirListener extends BaseTrainingListener {
    private final ContinualModel teacher;
    private final ContinualModel model;
    private final ContinualModel.Twin twin;
    private final int oldClasses;
    private MultiDataSet batch;
    private double lossSum;
    private long iterations;

    /**
     * @param teacher    the frozen previous model (owned by this listener)
     * @param model      the model being trained (its cosine layer is the classification output)
     * @param lossLayer  the loss layer replacing the cosine layer in the twin
     * @param oldClasses the number of old classes
     */
    LucirListener(ContinualModel teacher, ContinualModel model, LucirLossLayer lossLayer, int oldClasses) {
        this.teacher = Objects.requireNonNull(teacher, "teacher");
        this.model = Objects.requireNonNull(model, "model");
        this.oldClasses = oldClasses;
        LucirConfiguration.checkOneOutput(model);
        this.twin = model.twin(head -> lossLayer);
    }

    /**
     * Records the minibatch the model is about to be trained on.
     *
     * @param ds the minibatch (labels sliced to the head)
     * @return ds, unchanged
     */
    MultiDataSet record(MultiDataSet ds) {
        this.batch = ds;
        return ds;
    }

    /** {@inheritDoc} */
    @Override
    public void onGradientCalculation(Model m) {
        if (m != model.network()) {
            throw new IllegalStateException("This LUCIR listener belongs to another model instance");
        }
        if (batch == null) {
            throw new IllegalStateException("LUCIR saw no minibatch: its training iterator was replaced by a later "
                    + "plugin");
        }
        INDArray y = batch.getLabels(0);
        INDArray fOld = NearestMeanClassifier.features(teacher, null, batch).castTo(y.dataType());
        int[] ids = DataSets.classIds(y);
        INDArray isOld = Nd4j.create(y.dataType(), ids.length, 1);
        for (int i = 0; i < ids.length; i++) {
            isOld.putScalar(i, 0, ids[i] < oldClasses ? 1 : 0);
        }
        INDArray aux = Nd4j.hstack(y, fOld, isOld);
        INDArray tg = twin.gradient(new org.nd4j.linalg.dataset.MultiDataSet(batch.getFeatures(),
                new INDArray[]{aux}, batch.getFeaturesMaskArrays(), null));
        INDArray g = m.getGradientsViewArray();
        g.addi(tg.reshape(g.shape()));
        lossSum += twin.lastScore();
        iterations++;
        batch = null;
    }

    /** @return the mean LUCIR loss (less-forget + ranking, per example) over the iterations seen */
    double meanLoss() {
        return iterations == 0 ? 0 : lossSum / iterations;
    }

    /** @return the iterations seen */
    long iterations() {
        return iterations;
    }
}
