package io.github.dl4jcontinual.arbiter.spaces;

import io.github.dl4jcontinual.plugin.PluginConfiguration;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The strategy as a discrete choice: one named option per strategy, each its own space (a {@link PluginSpace}, a
 * fixed list of plugins, or the empty list for Naive). One extra integer leaf picks the option; the leaves of
 * the options not picked are ignored for that candidate. Grid search therefore enumerates every option with
 * every value of every other option's leaves (duplicates included); random search is the natural fit.
 * Round-trips through Arbiter's JSON.
 */
public class StrategySpace extends CompositeSpace<List<PluginConfiguration>> {
    private LinkedHashMap<String, ParameterSpace<List<PluginConfiguration>>> options;
    private IntegerParameterSpace choice;

    private StrategySpace() {
        // for Jackson
    }

    /**
     * @param options strategies by name, at least one; values are spaces or {@link #fixed} lists
     */
    public StrategySpace(Map<String, ParameterSpace<List<PluginConfiguration>>> options) {
        if (options.isEmpty()) {
            throw new IllegalArgumentException("StrategySpace needs at least one option");
        }
        this.options = new LinkedHashMap<>(options);
        this.choice = new IntegerParameterSpace(0, options.size() - 1);
    }

    /**
     * @param plugins a fixed strategy (no plugin: Naive)
     * @return a space with that single value
     */
    public static ParameterSpace<List<PluginConfiguration>> fixed(PluginConfiguration... plugins) {
        return new FixedValue<>(List.of(plugins));
    }

    /** @return the option names, in order */
    public List<String> optionNames() {
        return new ArrayList<>(options.keySet());
    }

    /**
     * @param values the candidate's leaf values
     * @return the name of the option the candidate picks
     */
    public String optionName(double[] values) {
        return optionNames().get(choice.getValue(values));
    }

    @Override
    public List<PluginConfiguration> getValue(double[] values) {
        return options.get(optionName(values)).getValue(values);
    }



    @Override
    public Map<String, ParameterSpace> getNestedSpaces() {
        Map<String, ParameterSpace> m = new LinkedHashMap<>();
        m.put("choice", choice);
        m.putAll(options);
        return m;
    }



    @Override
    public boolean equals(Object o) {
        return o instanceof StrategySpace && options.equals(((StrategySpace) o).options);
    }

    @Override
    public int hashCode() {
        return Objects.hash(options);
    }
}
