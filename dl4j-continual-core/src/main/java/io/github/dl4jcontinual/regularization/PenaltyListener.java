package io.github.dl4jcontinual.regularization;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Objects;

/**
 * Adds the gradient of the quadratic penalty {@code λ·Σ Ω (θ − θ*)²} (Ω, θ* from an {@link ImportanceState}) to
 * the model's gradient in {@link #onGradientCalculation}, which DL4J calls after backpropagation and before
 * the updater, on any {@code MultiLayerNetwork} or {@code ComputationGraph}. Parameters outside the state's
 * mask (frozen layers, BatchNorm running statistics) get nothing.
 *
 * <p>DL4J's gradient at that point is the <em>sum</em> over the minibatch (the updater divides it by the
 * minibatch size afterwards), so the listener adds {@code batchSize · 2λ Ω (θ − θ*)}: the effective objective
 * is the model's mean loss plus the penalty. <b>{@code model.score()} does not include the penalty</b>; read it
 * from {@link #lastPenalty()} / {@link #meanPenalty()} (the penalty of the parameters the gradient was computed
 * at). Optionally the listener feeds a {@link PathIntegral} (SI, RWalk) with the total gradient and the
 * parameter change of every iteration.</p>
 *
 * <p>Runs on the training thread; not thread-safe. Works for one model at a time.</p>
 */
public class PenaltyListener extends BaseTrainingListener implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private ImportanceState state;
    private final double lambda;
    private final PathIntegral path;
    private double lastPenalty;
    private double penaltySum;
    private long iterations;

    /**
     * @param state  the importance state, or null for no penalty (first experience)
     * @param lambda λ, at least 0
     * @param path   a path-integral accumulator to feed, or null
     */
    public PenaltyListener(ImportanceState state, double lambda, PathIntegral path) {
        if (!(lambda >= 0)) {
            throw new IllegalArgumentException("lambda should be >= 0 (got: " + lambda + ")");
        }
        this.state = state;
        this.lambda = lambda;
        this.path = path;
    }

    /**
     * @param state  the importance state
     * @param lambda λ, at least 0
     */
    public PenaltyListener(ImportanceState state, double lambda) {
        this(Objects.requireNonNull(state, "state"), lambda, null);
    }

    /** {@inheritDoc} */
    @Override
    public void onGradientCalculation(Model model) {
        INDArray grad = model.getGradientsViewArray();
        INDArray g = grad.reshape(1, grad.length());
        if (state != null && lambda > 0) {
            state.checkFits(model.numParams());
            INDArray theta = model.params().reshape(1, grad.length());
            INDArray d = theta.sub(state.anchor()).muli(state.importance());
            // Ω(θ−θ*) once; penalty = λ Σ Ω(θ−θ*)(θ−θ*)
            lastPenalty = lambda * d.mul(theta.sub(state.anchor())).sumNumber().doubleValue();
            g.addi(d.muli(2 * lambda * Math.max(1, model.batchSize())).castTo(g.dataType()));
        } else {
            lastPenalty = 0;
        }
        penaltySum += lastPenalty;
        iterations++;
        if (path != null) {
            path.beforeUpdate(model, g);
        }
    }

    /** {@inheritDoc} */
    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        if (path != null) {
            path.afterUpdate(model);
        }
    }

    /** Starts the penalty statistics ({@link #meanPenalty()}, {@link #iterations()}) afresh. */
    void resetStatistics() {
        penaltySum = 0;
        iterations = 0;
        lastPenalty = 0;
    }

    /** @param state the importance state from now on (null: no penalty) */
    void setState(ImportanceState state) {
        this.state = state;
    }

    /** @return the penalty at the last iteration (0 before any) */
    public double lastPenalty() {
        return lastPenalty;
    }

    /** @return the mean penalty over the iterations seen (0 before any) */
    public double meanPenalty() {
        return iterations == 0 ? 0 : penaltySum / iterations;
    }

    /** @return the number of iterations seen */
    public long iterations() {
        return iterations;
    }

    /** @return λ */
    public double lambda() {
        return lambda;
    }
}
