package io.github.dl4jcontinual.distillation;

import io.github.dl4jcontinual.regularization.Importance;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Objects;

/**
 * Adds the LwF distillation gradient to the model's gradient in {@link #onGradientCalculation} (after
 * backpropagation, before the updater). For every minibatch the soft targets are computed once from a frozen
 * teacher (the model as it was before the experience, output activation replaced by identity so it gives
 * logits); the gradient of {@link DistillationLoss} at the current parameters comes from DL4J's own
 * {@code computeGradientAndScore} on a private shadow copy of the network (parameters copied in each
 * iteration), so any {@code MultiLayerNetwork}/{@code ComputationGraph} with one output layer works. The cost is
 * one extra forward pass (teacher) and one extra forward/backward pass (shadow) per iteration.
 *
 * <p>Like DL4J's own gradients, the added gradient is a sum over the minibatch (the updater divides by the
 * minibatch size). <b>{@code model.score()} does not include the distillation loss</b>; read
 * {@link #lastLoss()} / {@link #meanLoss()}. Runs on the training thread; not thread-safe.</p>
 */
public class LwfListener extends BaseTrainingListener implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final Model teacher;
    private final DistillationLoss loss;
    private transient Model shadow;
    private double lastLoss;
    private double lossSum;
    private long iterations;

    /**
     * @param teacher the frozen old model (copied here: its output layer is changed to give logits)
     * @param loss    the distillation loss, weight included
     */
    public LwfListener(Model teacher, DistillationLoss loss) {
        this.teacher = copy(Objects.requireNonNull(teacher, "teacher"));
        Importance.setOutputLoss(this.teacher, loss, Activation.IDENTITY);
        this.loss = loss;
    }

    private static Model copy(Model m) {
        if (m instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) m).clone();
        }
        if (m instanceof ComputationGraph) {
            return ((ComputationGraph) m).clone();
        }
        throw new IllegalArgumentException("Expected a MultiLayerNetwork or ComputationGraph (got: "
                + (m == null ? null : m.getClass().getName()) + ")");
    }

    /** {@inheritDoc} */
    @Override
    public void onGradientCalculation(Model model) {
        INDArray x;
        INDArray oldLogits;
        if (model instanceof MultiLayerNetwork) {
            x = ((MultiLayerNetwork) model).getInput();
            oldLogits = ((MultiLayerNetwork) teacher).output(x, false);
        } else {
            x = ((ComputationGraph) model).getInputs()[0];
            oldLogits = ((ComputationGraph) teacher).outputSingle(false, x);
        }
        INDArray q = loss.softTargets(oldLogits);
        if (shadow == null) {
            shadow = copy(model);
            Importance.setOutputLoss(shadow, loss, Activation.IDENTITY);
        }
        shadow.setParams(model.params());
        if (shadow instanceof MultiLayerNetwork) {
            MultiLayerNetwork s = (MultiLayerNetwork) shadow;
            s.setInput(x);
            s.setLabels(q);
            s.computeGradientAndScore();
        } else {
            ComputationGraph s = (ComputationGraph) shadow;
            s.setInputs(x);
            s.setLabels(q);
            s.computeGradientAndScore();
        }
        INDArray g = model.getGradientsViewArray();
        g.addi(shadow.getGradientsViewArray().reshape(g.shape()));
        lastLoss = shadow.score();
        lossSum += lastLoss;
        iterations++;
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
