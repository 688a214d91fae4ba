package io.github.dl4jcontinual.plugin;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An additional classifier that a plugin offers for evaluation beside the network's own output layer, e.g.
 * iCaRL's nearest-mean-of-exemplars classifier. After every training experience the trainer asks each plugin for
 * its heads ({@link ContinualPlugin#evaluationHeads}) and evaluates every head on the test stream exactly like
 * the network (class-IL predictions restricted to the classes seen so far); the result carries one extra
 * class-IL and task-IL accuracy matrix per head name.
 *
 * <p>Called on the trainer's thread; {@link #scores} must not modify its argument.</p>
 */
public interface EvaluationHead {

    /** @return a short, stable name used as the key of the head's accuracy matrices, e.g. "nme" */
    String name();

    /**
     * @param features a test minibatch [n, ...] as the network receives it (read only)
     * @return scores [n, width] where a larger score means a more likely class; column c is class c (relabelled
     *         ids), {@code width} at most the scenario's number of classes; classes the head cannot predict should
     *         score {@code -Infinity} or a very negative number
     */
    INDArray scores(INDArray features);
}
