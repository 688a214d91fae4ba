package io.github.dl4jcontinual.replay.strategy;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.function.UnaryOperator;

/**
 * Replaces the loss function of a model's output layer for the length of an experience and puts the user's own
 * back afterwards (DL4J layers read their loss from the configuration on every call, so the swap takes effect
 * at once). Used by strategies whose loss cannot be expressed with the model's own (ER-ACE, DER's joined step).
 */
final class OutputLossSwap {
    private final String strategy;
    private BaseOutputLayer outputConf;
    private ILossFunction original;

    OutputLossSwap(String strategy) {
        this.strategy = strategy;
    }

    /**
     * @param model the model (MultiLayerNetwork or ComputationGraph with an OutputLayer-like output)
     * @param loss  makes the replacement from the user's loss
     */
    void install(Model model, UnaryOperator<ILossFunction> loss) {
        restore();
        Layer l = model instanceof MultiLayerNetwork
                ? ((MultiLayerNetwork) model).getOutputLayer().conf().getLayer()
                : ((ComputationGraph) model).getOutputLayer(0).conf().getLayer();
        if (!(l instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException(strategy + " needs an OutputLayer-like output layer (got: "
                    + l.getClass().getSimpleName() + ")");
        }
        outputConf = (BaseOutputLayer) l;
        original = outputConf.getLossFn();
        outputConf.setLossFn(loss.apply(original));
    }

    /** Puts the user's loss back (no-op if nothing is installed). */
    void restore() {
        if (outputConf != null) {
            outputConf.setLossFn(original);
            outputConf = null;
            original = null;
        }
    }
}
