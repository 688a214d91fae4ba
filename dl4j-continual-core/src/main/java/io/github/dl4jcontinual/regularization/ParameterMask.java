package io.github.dl4jcontinual.regularization;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Set;

/**
 * Which entries of a network's flattened parameter vector ({@code model.params()}) a regulariser may touch:
 * 1 for trainable parameters, 0 for parameters of frozen layers ({@link FrozenLayer},
 * {@link FrozenLayerWithBackprop}) and for BatchNorm running statistics (mean, variance, log-std), which live in
 * {@code params()} but receive no gradient. Entries are located by the offset of each parameter view in the
 * flattened vector, so the mask matches {@code params()} and {@code gradient().gradient()} entry by entry.
 */
public final class ParameterMask {
    private static final Set<String> NO_GRADIENT = Set.of(BatchNormalizationParamInitializer.GLOBAL_MEAN,
            BatchNormalizationParamInitializer.GLOBAL_VAR, BatchNormalizationParamInitializer.GLOBAL_LOG_STD);

    private ParameterMask() {
    }

    /**
     * @param model an initialised {@link MultiLayerNetwork} or {@link ComputationGraph}
     * @return a new row vector [1, numParams] of 0/1 in the model's parameter data type
     * @throws IllegalArgumentException for other model types
     */
    public static INDArray trainable(Model model) {
        INDArray flat = model.params();
        INDArray mask = Nd4j.zeros(flat.dataType(), 1, flat.length());
        long base = flat.offset();
        if (model instanceof MultiLayerNetwork) {
            for (Layer l : ((MultiLayerNetwork) model).getLayers()) {
                mark(l, mask, base);
            }
        } else if (model instanceof ComputationGraph) {
            for (Layer l : ((ComputationGraph) model).getLayers()) {
                mark(l, mask, base);
            }
        } else {
            throw new IllegalArgumentException("Expected a MultiLayerNetwork or ComputationGraph (got: "
                    + (model == null ? null : model.getClass().getName()) + ")");
        }
        return mask;
    }

    private static void mark(Layer l, INDArray mask, long base) {
        if (l instanceof FrozenLayer || l instanceof FrozenLayerWithBackprop) {
            return;
        }
        for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
            if (NO_GRADIENT.contains(p.getKey())) {
                continue;
            }
            long from = p.getValue().offset() - base;
            long n = p.getValue().length();
            mask.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + n)).assign(1);
        }
    }

    /**
     * @param model a network
     * @return its flattened parameters as a detached row-vector copy [1, numParams]
     */
    static INDArray paramsCopy(Model model) {
        return model.params().dup().reshape(1, model.params().length());
    }
}
