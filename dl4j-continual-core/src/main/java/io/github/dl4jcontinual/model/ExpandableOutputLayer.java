package io.github.dl4jcontinual.model;

import java.util.List;

/**
 * Implemented by custom output-layer configurations (e.g. SameDiff layers such as
 * {@link io.github.dl4jcontinual.cil.CosineOutputLayer}) that DL4J's {@code TransferLearning.nOutReplace} cannot
 * widen, so that {@link io.github.dl4jcontinual.trainer.HeadPolicy#EXPANDING} works with them. To grow such a layer the trainer clones the
 * network's configuration, sets the new {@link #setNOut(long) nOut}, builds and initialises a new network (so new
 * classes get the layer's own initialisation), copies every other layer's parameters, copies the old classes'
 * columns of the {@link #perClassParams() per-class parameters} and the whole of every other parameter of the
 * layer. As with the built-in path, the updater state is reset.
 */
public interface ExpandableOutputLayer {

    /** @return the number of outputs (classes) */
    long getNOut();

    /**
     * Sets the number of outputs; implementations must drop cached parameter shapes.
     *
     * @param nOut the new number of outputs
     */
    void setNOut(long nOut);

    /**
     * @return the keys of the parameters whose last dimension has one entry per class ([..., nOut]); every other
     *         parameter is copied whole when the layer grows
     */
    List<String> perClassParams();
}
