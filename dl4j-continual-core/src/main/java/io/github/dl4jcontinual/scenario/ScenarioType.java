package io.github.dl4jcontinual.scenario;

/** The three continual-learning scenarios of van de Ven &amp; Tolias (2019). */
public enum ScenarioType {
    /** New classes per experience; no task id at test time. */
    CLASS_INCREMENTAL,
    /** New classes per experience, each experience carries a task id that is also known at test time. */
    TASK_INCREMENTAL,
    /** The same classes in every experience; the input distribution changes. */
    DOMAIN_INCREMENTAL
}
