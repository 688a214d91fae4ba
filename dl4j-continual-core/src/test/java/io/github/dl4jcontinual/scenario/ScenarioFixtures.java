package io.github.dl4jcontinual.scenario;

/** Scenarios the builders refuse to make, to test the invariants that {@link Scenario} itself enforces. */
public final class ScenarioFixtures {
    private ScenarioFixtures() {
    }

    /**
     * @param s    a built scenario
     * @param type another type for the same streams
     * @return the scenario relabelled with {@code type}
     * @throws IllegalArgumentException if the experiences' task ids do not fit {@code type}
     */
    public static Scenario withType(Scenario s, ScenarioType type) {
        return new Scenario(s.name(), type, s.trainStream(), s.testStream(), s.classOrder(), s.numClasses(),
                s.sourceLabelWidth());
    }
}
