package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.model.ParameterLayout;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Accumulates, over the iterations of one experience, the path integral of SI,
 * {@code ω += −g ⊙ Δθ} (Zenke et al. 2017), and, for RWalk (Chaudhry et al. 2018), a running Fisher
 * {@code F ← αF + (1−α) g²} and the score {@code s += −g ⊙ Δθ / (½ F Δθ² + ε)}. Here {@code g} is the mean
 * minibatch gradient of the total objective (as SI's and RWalk's reference code use) and {@code Δθ} the change
 * the updater made. Fed by a {@link PenaltyListener}; arrays are owned, detached and [1, numParams].
 */
public final class PathIntegral {
    private static final double EPS = 1e-8;
    private final boolean rwalk;
    private final double fisherDecay;
    private INDArray omega;
    private INDArray fisher;
    private INDArray gradient;
    private INDArray before;

    /**
     * @param rwalk       whether to also keep RWalk's running Fisher and score
     * @param fisherDecay α of RWalk's running Fisher, in [0, 1)
     */
    public PathIntegral(boolean rwalk, double fisherDecay) {
        if (!(fisherDecay >= 0 && fisherDecay < 1)) {
            throw new IllegalArgumentException("fisherDecay should be in [0, 1) (got: " + fisherDecay + ")");
        }
        this.rwalk = rwalk;
        this.fisherDecay = fisherDecay;
    }

    void beforeUpdate(Model model, INDArray sumGradient) {
        gradient = sumGradient.div(Math.max(1, model.batchSize())).detach();
        before = model.params().dup().reshape(1, gradient.length()).detach();
    }

    void afterUpdate(Model model) {
        if (gradient == null) {
            return;
        }
        INDArray delta = model.params().reshape(1, gradient.length()).sub(before);
        INDArray step = gradient.mul(delta).negi();
        if (omega == null) {
            omega = Nd4j.zeros(gradient.dataType(), 1, gradient.length());
        }
        if (rwalk) {
            if (fisher == null) {
                fisher = gradient.mul(gradient);
            } else {
                fisher.muli(fisherDecay).addi(gradient.mul(gradient).muli(1 - fisherDecay));
            }
            INDArray denom = fisher.mul(delta.mul(delta)).muli(0.5).addi(EPS);
            omega.addi(step.divi(denom));
        } else {
            omega.addi(step);
        }
        gradient = null;
        before = null;
    }

    /**
     * @param numParams the model's parameter count (for the zero vector when nothing was seen)
     * @return the accumulated ω (SI) or score s (RWalk) of this experience
     */
    public INDArray omega(long numParams) {
        return omega == null ? Nd4j.zeros(1, numParams) : omega;
    }

    /** @return RWalk's running Fisher, or null */
    public INDArray fisher() {
        return fisher;
    }

    /**
     * Follows a grown network: the running Fisher keeps its old entries, new parameters start at 0.
     *
     * @param from the layout the running Fisher follows
     * @param to   the grown layout
     */
    public void grow(ParameterLayout from, ParameterLayout to) {
        if (fisher != null && fisher.length() != to.numParams()) {
            fisher = from.grow(fisher, to, Nd4j.zeros(fisher.dataType(), 1, to.numParams()));
        }
        omega = null;
    }

    /**
     * Replaces RWalk's running Fisher (when a checkpoint is restored).
     *
     * @param runningFisher the Fisher {@link #fisher()} returned, or null; kept as a detached copy
     */
    public void restoreFisher(INDArray runningFisher) {
        fisher = runningFisher == null ? null : runningFisher.dup().detach();
    }

    /** Clears ω (the running Fisher is kept across experiences, as RWalk's is). */
    public void resetOmega() {
        omega = null;
    }
}
