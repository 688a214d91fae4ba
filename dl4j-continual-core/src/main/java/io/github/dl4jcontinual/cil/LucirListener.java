package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.data.DataSets;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
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
    private final Model teacher;
    private final Model model;
    private final Model twin;
    private final int oldClasses;
    private DataSet batch;
    private double lossSum;
    private long iterations;

    /**
     * @param teacher    the frozen previous model (owned by this listener)
     * @param model      the model being trained (its cosine layer is the output layer)
     * @param lossLayer  the loss layer replacing the cosine layer in the twin
     * @param oldClasses the number of old classes
     */
    LucirListener(Model teacher, Model model, LucirLossLayer lossLayer, int oldClasses) {
        this.teacher = Objects.requireNonNull(teacher, "teacher");
        this.model = Objects.requireNonNull(model, "model");
        this.oldClasses = oldClasses;
        if (model instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = (MultiLayerNetwork) model;
            MultiLayerConfiguration c = net.getLayerWiseConfigurations().clone();
            c.getConf(net.getnLayers() - 1).setLayer(lossLayer);
            MultiLayerNetwork t = new MultiLayerNetwork(c);
            t.init(net.params(), false);
            twin = t;
        } else {
            ComputationGraph g = (ComputationGraph) model;
            ComputationGraphConfiguration c = g.getConfiguration().clone();
            String out = OutputLayers.name(model);
            ((LayerVertex) c.getVertices().get(out)).getLayerConf().setLayer(lossLayer);
            ComputationGraph t = new ComputationGraph(c);
            t.init(g.params(), false);
            twin = t;
        }
    }

    /**
     * Records the minibatch the model is about to be trained on.
     *
     * @param ds the minibatch (labels sliced to the head)
     * @return ds, unchanged
     */
    DataSet record(DataSet ds) {
        this.batch = ds;
        return ds;
    }

    /** {@inheritDoc} */
    @Override
    public void onGradientCalculation(Model m) {
        if (m != model) {
            throw new IllegalStateException("This LUCIR listener belongs to another model instance");
        }
        if (batch == null) {
            throw new IllegalStateException("LUCIR saw no minibatch: its training iterator was replaced by a later "
                    + "plugin");
        }
        INDArray x = batch.getFeatures();
        INDArray y = batch.getLabels();
        INDArray fOld = NearestMeanClassifier.features(teacher, null, x).castTo(y.dataType());
        int[] ids = DataSets.classIds(y);
        INDArray isOld = Nd4j.create(y.dataType(), ids.length, 1);
        for (int i = 0; i < ids.length; i++) {
            isOld.putScalar(i, 0, ids[i] < oldClasses ? 1 : 0);
        }
        INDArray aux = Nd4j.hstack(y, fOld, isOld);
        double score;
        if (twin instanceof MultiLayerNetwork) {
            MultiLayerNetwork t = (MultiLayerNetwork) twin;
            t.setInput(x);
            t.setLabels(aux);
            t.computeGradientAndScore();
            score = t.score();
        } else {
            ComputationGraph t = (ComputationGraph) twin;
            t.setInputs(x);
            t.setLabels(aux);
            t.computeGradientAndScore();
            score = t.score();
            t.clearLayersStates();
        }
        INDArray g = model.getGradientsViewArray();
        g.addi(twin.getGradientsViewArray().reshape(g.shape()));
        lossSum += score;
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
