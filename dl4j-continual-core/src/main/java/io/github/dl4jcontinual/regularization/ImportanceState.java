package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.model.ParameterLayout;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.File;
import java.io.IOException;
import java.io.Serializable;
import java.util.Objects;

/**
 * The state a quadratic regulariser keeps between experiences: per-parameter importance Ω and anchor parameters
 * θ*, both row vectors [1, numParams] aligned with the model's flattened {@code params()}, plus the mask of
 * parameters that may be regularised ({@link ContinualModel#trainableMask()}) and the number of experiences folded in.
 * Arrays are detached copies owned by the state; getters return them without copying (do not modify).
 * The state is {@link Serializable} and can be stored inside a DL4J model zip with {@link #saveTo(File)}.
 */
public final class ImportanceState implements io.github.dl4jcontinual.checkpoint.CheckpointState {
    private static final long serialVersionUID = 1L;
    /** Key of the state inside a model zip ({@link ModelSerializer#addObjectToFile}). */
    public static final String ZIP_KEY = "dl4j-continual-importance";

    private final String method;
    private final INDArray importance;
    private final INDArray anchor;
    private final INDArray mask;
    private final int experiences;
    private final ParameterLayout layout;

    /**
     * @param method      the method that computed it, e.g. "ewc"
     * @param importance  Ω, [1, n]; copied, and zeroed outside the mask
     * @param anchor      θ*, [1, n]; copied
     * @param mask        0/1 trainable mask, [1, n]; copied
     * @param experiences number of experiences folded into Ω
     */
    public ImportanceState(String method, INDArray importance, INDArray anchor, INDArray mask, int experiences) {
        this(method, importance, anchor, mask, experiences, null);
    }

    /**
     * @param method      the method that computed it, e.g. "ewc"
     * @param importance  Ω, [1, n]; copied, and zeroed outside the mask
     * @param anchor      θ*, [1, n]; copied
     * @param mask        0/1 trainable mask, [1, n]; copied
     * @param experiences number of experiences folded into Ω
     * @param layout      the network's parameter layout the arrays follow (lets {@link #grownTo} follow a grown
     *                    head), or null
     */
    public ImportanceState(String method, INDArray importance, INDArray anchor, INDArray mask, int experiences,
                           ParameterLayout layout) {
        if (layout != null && layout.numParams() != anchor.length()) {
            throw new IllegalArgumentException("The layout has " + layout.numParams() + " parameters but the "
                    + "arrays " + anchor.length());
        }
        this.layout = layout;
        this.method = Objects.requireNonNull(method, "method");
        if (importance.length() != anchor.length() || mask.length() != anchor.length()) {
            throw new IllegalArgumentException("importance, anchor and mask should have the same length (got: "
                    + importance.length() + ", " + anchor.length() + ", " + mask.length() + ")");
        }
        this.mask = mask.dup().reshape(1, mask.length()).detach();
        this.importance = importance.dup().reshape(1, importance.length()).muli(this.mask).detach();
        this.anchor = anchor.dup().reshape(1, anchor.length()).detach();
        this.experiences = experiences;
    }

    /** @return the method name */
    public String method() {
        return method;
    }

    /** @return Ω, [1, numParams] (masked entries are 0) */
    public INDArray importance() {
        return importance;
    }

    /** @return θ*, [1, numParams] */
    public INDArray anchor() {
        return anchor;
    }

    /** @return the 0/1 mask of regularised parameters, [1, numParams] */
    public INDArray mask() {
        return mask;
    }

    /** @return the number of experiences folded into the importance */
    public int experiences() {
        return experiences;
    }

    /** @return the parameter layout the arrays follow, or null if unknown */
    public ParameterLayout layout() {
        return layout;
    }

    /**
     * The state for a network whose output layer grew since the state was computed (EXPANDING head): old entries
     * keep their Ω and θ*, the new output units' parameters get Ω = 0 (they are free) and θ* = their current
     * values.
     *
     * @param model the grown network
     * @return this state if the layout did not change, else a new grown state
     * @throws IllegalArgumentException if the state has no layout and the parameter count changed, or if the
     *                                  layouts do not correspond
     */
    public ImportanceState grownTo(ContinualModel model) {
        if (layout == null) {
            checkFits(model);
            return this;
        }
        ParameterLayout to = model.parameterLayout();
        if (layout.sameAs(to)) {
            return this;
        }
        INDArray current = model.params().dup().reshape(1, model.numParams());
        INDArray grownImportance = layout.grow(importance, to, Nd4j.zeros(importance.dataType(), 1, to.numParams()));
        INDArray grownAnchor = layout.grow(anchor, to, current);
        INDArray grownMask = layout.grow(mask, to, model.trainableMask());
        return new ImportanceState(method, grownImportance, grownAnchor, grownMask, experiences, to);
    }

    /** @return the number of parameters */
    public long numParams() {
        return anchor.length();
    }

    /**
     * Checks that the state fits a model's flattened parameters.
     *
     * @param model the model
     * @throws IllegalArgumentException if the parameter counts differ
     */
    public void checkFits(ContinualModel model) {
        checkFits(model.numParams());
    }

    /**
     * @param modelParams the number of parameters of a model
     * @throws IllegalArgumentException if it differs from the state's
     */
    public void checkFits(long modelParams) {
        if (modelParams != numParams()) {
            throw new IllegalArgumentException("The importance state has " + numParams()
                    + " parameters but the model has " + modelParams
                    + " (was the head grown after the state was computed?)");
        }
    }

    /**
     * The penalty {@code λ·Σ Ω (θ − θ*)²} at the model's current parameters.
     *
     * @param params the flattened parameters
     * @param lambda λ
     * @return the penalty
     */
    public double penalty(INDArray params, double lambda) {
        INDArray d = params.reshape(1, params.length()).sub(anchor);
        return lambda * d.muli(d).muli(importance).sumNumber().doubleValue();
    }

    /**
     * Stores this state inside an existing DL4J model zip (written by {@link ModelSerializer#writeModel}).
     *
     * @param modelZip the zip
     * @throws IOException on I/O failure
     */
    public void saveTo(File modelZip) throws IOException {
        ModelSerializer.addObjectToFile(modelZip, ZIP_KEY, this);
    }

    /**
     * @param modelZip a model zip written by {@link #saveTo(File)}
     * @return the state
     * @throws IOException on I/O failure or when the zip holds no state
     */
    public static ImportanceState loadFrom(File modelZip) throws IOException {
        ImportanceState s = ModelSerializer.getObjectFromFile(modelZip, ZIP_KEY);
        if (s == null) {
            throw new IOException("No importance state (" + ZIP_KEY + ") in " + modelZip);
        }
        return s;
    }
}
