package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.model.ContinualModel;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.function.UnaryOperator;

/**
 * Replaces the loss function of a model's classification output for the length of an experience and puts the
 * user's own back afterwards (DL4J layers read their loss from the configuration on every call, so the swap takes
 * effect at once). Used by strategies whose loss cannot be expressed with the model's own (ER-ACE, DER's joined
 * step, iTAML's block losses).
 */
public final class OutputLossSwap {
    private final String strategy;
    private ContinualModel model;
    private ILossFunction original;

    /** @param strategy the strategy's name, for messages */
    public OutputLossSwap(String strategy) {
        this.strategy = strategy;
    }

    /**
     * @param model the model (its classification output must be an output layer with a loss)
     * @param loss  makes the replacement from the user's loss
     */
    public void install(ContinualModel model, UnaryOperator<ILossFunction> loss) {
        restore();
        ILossFunction user;
        try {
            user = model.headLoss();
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new IllegalArgumentException(strategy + " replaces the loss of the classification output: "
                    + e.getMessage(), e);
        }
        model.setHeadLoss(loss.apply(user));
        this.model = model;
        this.original = user;
    }

    /** Puts the user's loss back (no-op if nothing is installed). */
    public void restore() {
        if (model != null) {
            model.setHeadLoss(original);
            model = null;
            original = null;
        }
    }
}
