package io.github.dl4jcontinual.scenario;

/**
 * What to do when the classes do not split evenly into the requested number of experiences.
 * No policy drops classes.
 */
public enum RemainderPolicy {
    /** Fail with an exception that names the class and experience counts (the default). */
    ERROR,
    /** The last experience takes the leftover classes. */
    LAST_EXPERIENCE,
    /** The first {@code numClasses % numExperiences} experiences take one extra class each. */
    SPREAD_FIRST
}
