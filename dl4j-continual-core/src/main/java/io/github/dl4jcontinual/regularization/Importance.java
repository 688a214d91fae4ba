package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.Experience;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Per-parameter importance computed from the user's model and one experience's data, once, after training on
 * it. Gradients come from DL4J's own {@code computeGradientAndScore} on a twin of the model
 * ({@link ContinualModel#twin}: the same parameters, its own gradient buffer, so the model's state, input and
 * gradient buffers are untouched); the experience is read from its source and are returned as a row vector [1, numParams] aligned with
 * {@code params()}.
 *
 * <p><b>Cost.</b> The empirical Fisher is the mean of <em>per-example</em> squared gradients (MAS: absolute
 * values); DL4J computes minibatch gradients as sums. For a {@code MultiLayerNetwork} made only of dense and
 * output layers (the MLPs of the Split-MNIST protocols) the exact per-example values are computed batched, in
 * one forward/backward pass per 256 examples, with the outer-product identity
 * {@code Σ_i (a_i ⊗ δ_i)² = (a²)ᵀ(δ²)} ({@code |a|ᵀ|δ|} for MAS). For any other network the exact value
 * ({@code batchSize = 1}) needs one DL4J forward/backward pass per example, which costs several times an epoch
 * of minibatch training; by default ({@code maxExamples =} {@link #AUTO}) that path therefore uses a seeded
 * random sample of {@link #PER_EXAMPLE_SAMPLE} examples of the experience (an unbiased estimate of the same mean;
 * docs/regularization.md "Importance cost" measures its cost and its error against the full Fisher). With
 * {@code batchSize = b > 1} the squared minibatch-mean gradient times b is used instead (the cheap estimate
 * Avalanche uses; it equals the Fisher when per-example gradients are uncorrelated). {@code maxExamples} caps
 * the number of examples: the first ones of a seeded shuffle.</p>
 */
public final class Importance {
    /** {@code maxExamples} value: all examples, except a {@link #PER_EXAMPLE_SAMPLE} sample on the per-example loop. */
    public static final int AUTO = -1;
    /** Examples the per-example loop (networks other than dense MLPs, {@code batchSize = 1}) uses under {@link #AUTO}. */
    public static final int PER_EXAMPLE_SAMPLE = 1000;

    private Importance() {
    }

    /**
     * @param model       the network
     * @param batchSize   examples per gradient
     * @param maxExamples a cap, 0 for all, or {@link #AUTO}
     * @return the cap actually used (0 = all)
     */
    static int examplesUsed(ContinualModel model, int batchSize, int maxExamples) {
        if (maxExamples < AUTO) {
            throw new IllegalArgumentException("maxExamples should be >= 0, or Importance.AUTO (-1) (got: "
                    + maxExamples + ")");
        }
        if (maxExamples != AUTO) {
            return maxExamples;
        }
        return batchSize == 1 && !PerExampleDense.supports(model) ? PER_EXAMPLE_SAMPLE : 0;
    }

    /**
     * Empirical Fisher {@code E[(∂ℓ/∂θ)²]} with the true labels and the model's own loss.
     *
     * @param model       a trained network (not modified)
     * @param data        the experience (labels as the model is trained on them)
     * @param batchSize   1 for the exact per-example Fisher, more for the minibatch estimate
     * @param maxExamples at most this many examples (the first ones of a seeded shuffle); 0 for all; {@link #AUTO}
     * @param seed        shuffle seed
     * @return the Fisher diagonal [1, numParams]
     */
    public static INDArray empiricalFisher(ContinualModel model, Experience data, int batchSize, int maxExamples,
                                           long seed) {
        maxExamples = examplesUsed(model, batchSize, maxExamples);
        if (batchSize == 1 && PerExampleDense.supports(model)) {
            return PerExampleDense.importance(model, data, true, maxExamples, seed);
        }
        return accumulate(model, model.twin(null, null), data, batchSize, maxExamples, seed, true);
    }

    /**
     * MAS output sensitivity (Aljundi et al. 2018): {@code E[|∂‖z(x)‖²/∂θ|]} with z the classification output's
     * pre-activation (logits); labels are not used.
     *
     * @param model       a trained network (not modified)
     * @param data        the experience
     * @param batchSize   1 for per-example magnitudes, more for the minibatch estimate
     * @param maxExamples at most this many examples; 0 for all; {@link #AUTO}
     * @param seed        shuffle seed
     * @return the importance [1, numParams]
     */
    public static INDArray outputSensitivity(ContinualModel model, Experience data, int batchSize, int maxExamples,
                                             long seed) {
        maxExamples = examplesUsed(model, batchSize, maxExamples);
        if (batchSize == 1 && PerExampleDense.supports(model)) {
            return PerExampleDense.importance(model, data, false, maxExamples, seed);
        }
        return accumulate(model, model.twin(new SquaredOutputLoss(), new ActivationIdentity()), data, batchSize, maxExamples,
                seed, false);
    }

    private static INDArray accumulate(ContinualModel model, ContinualModel.Twin twin, Experience data,
                                       int batchSize, int maxExamples, long seed, boolean square) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize should be >= 1 (got: " + batchSize + ")");
        }
        if (maxExamples < 0) {
            throw new IllegalArgumentException("maxExamples should be >= 0 (got: " + maxExamples + ")");
        }
        long n = model.numParams();
        INDArray sum = Nd4j.zeros(model.params().dataType(), 1, n);
        MultiDataSetIterator it = data.iterator(batchSize, true, seed);
        long limit = maxExamples == 0 ? data.numExamples() : Math.min(maxExamples, data.numExamples());
        int out = model.classificationOutput();
        boolean classColumns = !isLossLayer(model);
        int nOut = classColumns ? model.headSize() : 0;
        long seen = 0;
        while (it.hasNext() && seen < limit) {
            MultiDataSet ds = it.next();
            // MAS: the labels are ignored by SquaredOutputLoss; a LossLayer output (a plugin's own loss, e.g. CTP's
            // contrastive loss) gets the labels it is trained with
            MultiDataSet batch = square && classColumns
                    ? Batches.withLabels(ds, out, Batches.classColumns(ds.getLabels(out), nOut)) : ds;
            INDArray g = twin.gradient(batch).reshape(1, n);
            int b = Batches.size(ds);
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

    private static boolean isLossLayer(ContinualModel model) {
        try {
            return model.headConf() instanceof org.deeplearning4j.nn.conf.layers.LossLayer;
        } catch (UnsupportedOperationException e) {
            return false;
        }
    }
}
