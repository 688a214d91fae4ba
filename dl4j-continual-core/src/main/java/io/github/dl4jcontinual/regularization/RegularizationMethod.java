package io.github.dl4jcontinual.regularization;

/**
 * The importance measure of a quadratic regulariser and how it is folded across experiences.
 */
public enum RegularizationMethod {
    /**
     * EWC (Kirkpatrick et al. 2017): empirical Fisher per experience, one penalty per past experience. The sum
     * of the per-experience penalties is kept exactly as one quadratic: Ω = Σ F_t and θ* = Σ F_t θ*_t / Ω
     * (same gradient; the reported penalty omits a θ-independent constant).
     */
    EWC,
    /** Online EWC (Schwarz et al. 2018): Ω ← γΩ + F, θ* ← θ at the end of the experience. */
    ONLINE_EWC,
    /** SI (Zenke et al. 2017): Ω += ω / ((Δθ)² + ξ) with ω the path integral over the experience. */
    SI,
    /** MAS (Aljundi et al. 2018): Ω += E|∂‖z‖²/∂θ| (unsupervised output sensitivity). */
    MAS,
    /**
     * RWalk (Chaudhry et al. 2018): Ω = F/max F + S, F a running Fisher over all iterations, S the positive
     * part of the experience's path score divided by its maximum, averaged with its previous value at each
     * experience end.
     */
    RWALK
}
