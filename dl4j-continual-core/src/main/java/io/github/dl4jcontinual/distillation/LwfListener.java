package io.github.dl4jcontinual.distillation;

import io.github.dl4jcontinual.model.ContinualModel;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Objects;

/**
 * Adds the LwF distillation gradient to the model's gradient in {@link #onGradientCalculation} (after
 * backpropagation, before the updater). For every minibatch the soft targets are computed once from a frozen
 * teacher (the model as it was before the experience, output activation replaced by identity so it gives
 * logits); the gradient of {@link DistillationLoss} at the current parameters comes from DL4J's own
 * {@code computeGradientAndScore} on a twin of the network ({@link ContinualModel#twin}: it shares the parameters,
 * so nothing is copied per iteration), so any {@code MultiLayerNetwork}/{@code ComputationGraph} with one output
 * layer works. The cost is one extra forward pass (teacher) and one extra forward/backward pass (twin) per
 * iteration.
 *
 * <p>Like DL4J's own gradients, the added gradient is a sum over the minibatch (the updater divides by the
 * minibatch size). <b>{@code model.score()} does not include the distillation loss</b>; read
 * {@link #lastLoss()} / {@link #meanLoss()}. Runs on the training thread; not thread-safe.</p>
 *
 * <p>Serialisable: the teacher travels as the model file {@link ContinualModel#save} writes, and a deserialised copy
 * (what a Spark worker runs) distils the network it is called with, the worker's copy of the model.</p>
 */
public class LwfListener extends BaseTrainingListener implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /** The model being trained; null in a deserialised copy (a Spark worker's), which trains its own network. */
    private final transient ContinualModel live;
    private transient ContinualModel teacher;
    private transient ContinualModel worker;
    private final DistillationLoss loss;
    private transient ContinualModel.Twin shadow;
    private double lastLoss;
    private double lossSum;
    private long iterations;

    /**
     * @param model the model being trained; the teacher is a copy of it as it is now (the model before the
     *              experience), its logits the soft targets' source
     * @param loss  the distillation loss, weight included
     * @throws IllegalArgumentException for a model with several outputs (the distillation gradient would add the
     *                                  other outputs' losses again)
     */
    public LwfListener(ContinualModel model, DistillationLoss loss) {
        this.live = Objects.requireNonNull(model, "model");
        LwfConfiguration.checkOneOutput(model);
        this.teacher = model.copy();
        this.loss = loss;
    }

    /** {@inheritDoc} */
    @Override
    public void onGradientCalculation(Model model) {
        ContinualModel live = trained(model);
        INDArray[] x = live.currentInputs();
        INDArray q = loss.softTargets(teacher.logits(x, null));
        if (shadow == null || !shadow.isFor(live)) {
            // a twin of the live network: same parameters, the distillation loss on logits, its own gradient buffer
            shadow = live.twin(loss, new ActivationIdentity());
        }
        INDArray sg = shadow.gradient(new org.nd4j.linalg.dataset.MultiDataSet(x, new INDArray[]{q}));
        INDArray g = model.getGradientsViewArray();
        g.addi(sg.reshape(g.shape()));
        lastLoss = shadow.lastScore();
        lossSum += lastLoss;
        iterations++;
    }

    /** The model view of the network being trained: the live model, or in a deserialised copy the given one. */
    private ContinualModel trained(Model model) {
        if (live != null) {
            return live;
        }
        if (worker == null || worker.network() != model) {
            worker = ContinualModel.of(model);
        }
        return worker;
    }

    /** Serialises the teacher as the model file {@link ContinualModel#save} writes. */
    private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
        out.defaultWriteObject();
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        teacher.save(bytes);
        out.writeObject(bytes.toByteArray());
    }

    private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
        in.defaultReadObject();
        teacher = ContinualModel.load(new java.io.ByteArrayInputStream((byte[]) in.readObject()));
    }

    /** @return the (weighted) distillation loss of the last minibatch, mean over its examples */
    public double lastLoss() {
        return lastLoss;
    }

    /** @return the mean distillation loss over the iterations seen */
    public double meanLoss() {
        return iterations == 0 ? 0 : lossSum / iterations;
    }

    /** @return iterations seen */
    public long iterations() {
        return iterations;
    }
}
