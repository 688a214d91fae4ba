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
 * bit-identical. Names not present in the gradient are an error (a typo would otherwise freeze nothing).
 */
public final class FrozenParameters extends BaseTrainingListener {
    private final Set<String> names;

    /** @param names parameter keys to freeze */
    public FrozenParameters(Set<String> names) {
        this.names = Collections.unmodifiableSet(new LinkedHashSet<>(names));
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
            if (a == null) {
                throw new IllegalStateException("Cannot freeze parameter '" + n + "': the gradient has no such entry; "
                        + "expected one of " + m.keySet());
            }
            a.assign(0.0);
        }
    }
}
