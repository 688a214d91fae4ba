/**
 * Memory-free regularisation baselines as DL4J listeners: parameter importance (empirical Fisher for EWC, a
 * decayed running Fisher for online EWC, the path integral of SI, the output sensitivity of MAS and the
 * Fisher-plus-path score of RWalk), the typed {@link io.github.dl4jcontinual.regularization.ImportanceState}
 * that holds importance and anchor parameters, and the {@link io.github.dl4jcontinual.regularization.PenaltyListener}
 * that adds {@code λ·Σ Ω (θ − θ*)²} to the gradient before the updater. The trainer plugin is
 * {@link io.github.dl4jcontinual.regularization.RegularizationConfiguration}.
 */
package io.github.dl4jcontinual.regularization;
