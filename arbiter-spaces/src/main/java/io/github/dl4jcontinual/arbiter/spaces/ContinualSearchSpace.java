package io.github.dl4jcontinual.arbiter.spaces;

import org.deeplearning4j.arbiter.DL4JConfiguration;
import org.deeplearning4j.arbiter.GraphConfiguration;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The search space of whole continual runs: a {@link ContinualConfigurationSpace} (strategy and its
 * hyper-parameters, epochs, batch size, ...) composed with Arbiter's own model space — a {@code MultiLayerSpace}
 * or {@code ComputationGraphSpace} (layer sizes, updater and learning rate, ...) or a {@code FixedValue} of a DL4J
 * configuration. Candidates are {@link ContinualCandidate}s. Round-trips through Arbiter's JSON.
 */
public class ContinualSearchSpace extends CompositeSpace<ContinualCandidate> {
    private ContinualConfigurationSpace continual;
    private ParameterSpace<?> model;

    private ContinualSearchSpace() {
        // for Jackson
    }

    /**
     * @param continual the continual part
     * @param model     Arbiter's MultiLayerSpace / ComputationGraphSpace, or a space of MultiLayerConfiguration /
     *                  ComputationGraphConfiguration values
     */
    public ContinualSearchSpace(ContinualConfigurationSpace continual, ParameterSpace<?> model) {
        this.continual = Objects.requireNonNull(continual, "continual");
        this.model = Objects.requireNonNull(model, "model");
    }

    /** @return the continual part */
    public ContinualConfigurationSpace continual() {
        return continual;
    }

    @Override
    public ContinualCandidate getValue(double[] values) {
        Object m = model.getValue(values);
        if (m instanceof DL4JConfiguration) {
            m = ((DL4JConfiguration) m).getMultiLayerConfiguration();
        } else if (m instanceof GraphConfiguration) {
            m = ((GraphConfiguration) m).getConfiguration();
        }
        return new ContinualCandidate(continual.getValue(values), m);
    }



    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        Map<String, ParameterSpace> m = new LinkedHashMap<>();
        m.put("continual", continual);
        m.put("model", model);
        return m;
    }


}
