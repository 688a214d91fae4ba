package io.github.dl4jcontinual.arbiter.search;

import io.github.dl4jcontinual.scenario.Scenario;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;

import java.util.Map;
import java.util.Objects;

/**
 * Arbiter's data for a continual search: the scenario every candidate is trained and scored on (its train stream
 * for training, its test stream for the accuracy matrix). Follow the continual protocol and make that scenario a
 * <em>validation</em> scenario carved out of the training data (e.g. with
 * {@link io.github.dl4jcontinual.data.DataSets#splitStratified}), keeping the real test stream for the final
 * re-run of the best candidate ({@link #testData}). Held in memory: the provider is not meant to be serialised
 * (local runner only).
 */
public class ContinualDataProvider implements DataProvider {
    private static final long serialVersionUID = 1L;
    private final transient Scenario search;
    private final transient Scenario test;

    /**
     * @param search the scenario candidates are scored on (a validation scenario)
     * @param test   the final scenario with the real test stream, or null
     */
    public ContinualDataProvider(Scenario search, Scenario test) {
        this.search = Objects.requireNonNull(search, "search");
        this.test = test;
    }

    /** @return the search (validation) scenario */
    @Override
    public Scenario trainData(Map<String, Object> dataParameters) {
        return search;
    }

    /** @return the final scenario, or null */
    @Override
    public Scenario testData(Map<String, Object> dataParameters) {
        return test;
    }

    @Override
    public Class<?> getDataType() {
        return Scenario.class;
    }
}
