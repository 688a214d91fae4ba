package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.data.InMemoryDataSetIterator;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Per-parameter importance computed from the user's model and one experience's data, once, after training on
 * it. Gradients come from DL4J's own {@code computeGradientAndScore} on a clone of the model (so the model's
 * state, input and gradient buffers are untouched) and are returned as a row vector [1, numParams] aligned with
 * {@code params()}.
 *
 * <p><b>Cost.</b> The empirical Fisher is the mean of <em>per-example</em> squared gradients (MAS: absolute
 * values); DL4J computes minibatch gradients as sums. For a {@code MultiLayerNetwork} made only of dense and
 * output layers (the MLPs of the Split-MNIST protocols) the exact per-example values are computed batched, in
 * one forward/backward pass per 256 examples, with the outer-product identity
 * {@code Σ_i (a_i ⊗ δ_i)² = (a²)ᵀ(δ²)} ({@code |a|ᵀ|δ|} for MAS). For any other network the exact value
 * ({@code batchSize = 1}) needs one DL4J forward/backward pass per example, which costs several times an epoch
 * of minibatch training. With
 * {@code batchSize = b > 1} the squared minibatch-mean gradient times b is used instead (the cheap estimate
 * Avalanche uses; it equals the Fisher when per-example gradients are uncorrelated). {@code maxExamples} caps
 * the number of examples. The reproduction command measures the cost against the experience's training
 * time.</p>
 */
public final class Importance {
    private Importance() {
    }

    /**
     * Empirical Fisher {@code E[(∂ℓ/∂θ)²]} with the true labels and the model's own loss.
     *
     * @param model       a trained network (not modified)
     * @param data        the experience's examples (labels as the model is trained on them)
     * @param batchSize   1 for the exact per-example Fisher, more for the minibatch estimate
     * @param maxExamples at most this many examples (the first ones of a seeded shuffle); 0 for all
     * @param seed        shuffle seed
     * @return the Fisher diagonal [1, numParams]
     */
    public static INDArray empiricalFisher(Model model, DataSet data, int batchSize, int maxExamples, long seed) {
        if (batchSize == 1 && PerExampleDense.supports(model)) {
            return PerExampleDense.importance((MultiLayerNetwork) model, data, true, maxExamples, seed);
        }
        return accumulate(gradientClone(model, false), data, batchSize, maxExamples, seed, true);
    }

    /**
     * MAS output sensitivity (Aljundi et al. 2018): {@code E[|∂‖z(x)‖²/∂θ|]} with z the output layer's
     * pre-activation (logits); labels are not used.
     *
     * @param model       a trained network (not modified)
     * @param data        the experience's examples
     * @param batchSize   1 for per-example magnitudes, more for the minibatch estimate
     * @param maxExamples at most this many examples; 0 for all
     * @param seed        shuffle seed
     * @return the importance [1, numParams]
     */
    public static INDArray outputSensitivity(Model model, DataSet data, int batchSize, int maxExamples, long seed) {
        if (batchSize == 1 && PerExampleDense.supports(model)) {
            return PerExampleDense.importance((MultiLayerNetwork) model, data, false, maxExamples, seed);
        }
        return accumulate(gradientClone(model, true), data, batchSize, maxExamples, seed, false);
    }

    private static INDArray accumulate(Model clone, DataSet data, int batchSize, int maxExamples, long seed,
                                       boolean square) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize should be >= 1 (got: " + batchSize + ")");
        }
        if (maxExamples < 0) {
            throw new IllegalArgumentException("maxExamples should be >= 0 (got: " + maxExamples + ")");
        }
        long n = clone.numParams();
        INDArray sum = Nd4j.zeros(clone.params().dataType(), 1, n);
        DataSetIterator it = new InMemoryDataSetIterator(data, batchSize, true, seed);
        long limit = maxExamples == 0 ? data.numExamples() : Math.min(maxExamples, data.numExamples());
        long seen = 0;
        while (it.hasNext() && seen < limit) {
            DataSet ds = it.next();
            int nOut = outputSize(clone);
            INDArray labels = !square ? Nd4j.zeros(ds.getLabels().dataType(), ds.getLabels().rows(), nOut)
                    : ds.getLabels().columns() > nOut
                    ? ds.getLabels().get(NDArrayIndex.all(), NDArrayIndex.interval(0, nOut)).dup() : ds.getLabels();
            gradient(clone, ds.getFeatures(), labels);
            INDArray g = clone.getGradientsViewArray().reshape(1, n);
            int b = ds.numExamples();
            if (square) {
                // exact for b == 1; b·(mean gradient)² otherwise
                sum.addi(g.mul(g).divi(b));
            } else {
                sum.addi(Transforms.abs(g, true));
            }
            seen += b;
        }
        return sum.divi(Math.max(1, seen)).detach();
    }

    private static void gradient(Model m, INDArray x, INDArray y) {
        if (m instanceof MultiLayerNetwork) {
            MultiLayerNetwork net = (MultiLayerNetwork) m;
            net.setInput(x);
            net.setLabels(y);
            net.computeGradientAndScore();
        } else {
            ComputationGraph g = (ComputationGraph) m;
            g.setInputs(x);
            g.setLabels(y);
            g.computeGradientAndScore();
        }
    }

    private static int outputSize(Model m) {
        return (int) ((org.deeplearning4j.nn.conf.layers.FeedForwardLayer) outputLayer(m).conf().getLayer())
                .getNOut();
    }

    /**
     * @param m a network with one output layer
     * @return its output layer
     */
    static Layer outputLayer(Model m) {
        if (m instanceof MultiLayerNetwork) {
            return ((MultiLayerNetwork) m).getOutputLayer();
        }
        if (m instanceof ComputationGraph) {
            ComputationGraph g = (ComputationGraph) m;
            if (g.getConfiguration().getNetworkOutputs().size() != 1) {
                throw new IllegalArgumentException("Expected a graph with one output (got: "
                        + g.getConfiguration().getNetworkOutputs() + ")");
            }
            return g.getOutputLayer(0);
        }
        throw new IllegalArgumentException("Expected a MultiLayerNetwork or ComputationGraph (got: "
                + (m == null ? null : m.getClass().getName()) + ")");
    }

    /**
     * A detached clone of the model for gradient computations. With {@code logitsL2} its output layer is
     * changed to identity activation and L2 loss (so zero labels give the gradient of ‖z‖²).
     */
    private static Model gradientClone(Model model, boolean logitsL2) {
        Model c = model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).clone()
                : ((ComputationGraph) model).clone();
        outputLayer(c);
        if (logitsL2) {
            setOutputLoss(c, new LossL2(), Activation.IDENTITY);
        }
        return c;
    }

    /**
     * Replaces the loss and activation of a (cloned) network's output layer in place.
     *
     * @param clone      a network owned by the caller
     * @param loss       the loss
     * @param activation the activation
     */
    public static void setOutputLoss(Model clone, ILossFunction loss, Activation activation) {
        Object conf = outputLayer(clone).conf().getLayer();
        if (!(conf instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException("Expected an output layer with a loss function (got: "
                    + conf.getClass().getSimpleName() + ")");
        }
        ((BaseOutputLayer) conf).setLossFn(loss);
        ((BaseOutputLayer) conf).setActivationFn(activation.getActivationFunction());
    }
}
