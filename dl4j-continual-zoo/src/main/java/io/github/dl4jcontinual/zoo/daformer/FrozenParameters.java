package io.github.dl4jcontinual.zoo.daformer;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Freezes individual parameters of a network during {@code fit}: after every gradient computation (before the
 * updater) it zeroes the gradient of each named parameter ({@code layer_param}, as in
 * {@code ComputationGraph.paramTable()}). With an updater whose state starts at zero and no weight decay
 * (Adam, SGD), a parameter whose gradient is always zero receives an update of exactly zero, so it stays
 * bit-identical (an updater with decoupled weight decay still moves it). In strict mode (the default) names not
 * present in the gradient are an error (a typo would otherwise freeze nothing); otherwise they are skipped (e.g.
 * parameters of DL4J frozen layers, which have no gradient).
 */
public final class FrozenParameters extends BaseTrainingListener {
    private final Set<String> names;
    private final boolean strict;

    /** @param names parameter keys to freeze, each of which must be in the gradient */
    public FrozenParameters(Set<String> names) {
        this(names, true);
    }

    /**
     * @param names  parameter keys to freeze
     * @param strict whether a name missing from the gradient is an error
     */
    public FrozenParameters(Set<String> names, boolean strict) {
        this.names = Collections.unmodifiableSet(new LinkedHashSet<>(names));
        this.strict = strict;
    }

    /** @return the frozen keys */
    public Set<String> names() {
        return names;
    }

    @Override
    public void onGradientCalculation(Model model) {
        Gradient g = model.gradient();
        Map<String, INDArray> m = g.gradientForVariable();
        for (String n : names) {
            INDArray a = m.get(n);
            if (a == null && !strict) {
                continue;
            }
            if (a == null) {
                throw new IllegalStateException("Cannot freeze parameter '" + n + "': the gradient has no such entry; "
                        + "expected one of " + m.keySet());
            }
            a.assign(0.0);
        }
    }
}
