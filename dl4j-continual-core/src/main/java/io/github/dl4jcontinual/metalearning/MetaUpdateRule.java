package io.github.dl4jcontinual.metalearning;

/**
 * Which outer update iTAML applies after the per-task inner loops of one minibatch.
 */
public enum MetaUpdateRule {
    /**
     * The paper (docs/itaml.md): every task's inner loop starts from the shared parameters φ₀ of the minibatch,
     * and φ ← η·mean_i(θ_i) + (1−η)·φ₀.
     */
    PAPER,
    /**
     * The released code (docs/itaml.md items 1–2): the inner loops run one after the other, each starting where
     * the previous stopped (no reset), and the stored "per-task" parameters alias one tensor, so the mean equals the
     * final sequential parameters θ_seq: φ ← η·θ_seq + (1−η)·φ₀ (a Reptile step with decaying interpolation).
     */
    RELEASED
}
