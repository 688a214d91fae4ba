package io.github.dl4jcontinual.plugin.impl;

import io.github.dl4jcontinual.plugin.ContinualPlugin;

/**
 * Joint baseline ("JointT", Mammoth's JOINT): no training until the last experience, then training on all
 * training data of the stream at once, shuffled together. The rows of the accuracy matrix before the last one
 * therefore show the untrained model; the last row is the joint upper bound.
 */
public class JointTraining extends CumulativeTraining {
    private static final long serialVersionUID = 1L;

    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(true);
    }

    @Override
    public String name() {
        return "joint";
    }
}
