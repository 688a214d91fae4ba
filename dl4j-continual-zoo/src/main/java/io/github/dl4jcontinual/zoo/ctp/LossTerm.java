package io.github.dl4jcontinual.zoo.ctp;

/**
 * The loss terms a {@link DualEncoder} graph can hold; each is multiplied by its weight placeholder
 * {@code lam_<name>} and summed into the graph's loss.
 */
public enum LossTerm {
    /** In-batch image–text contrastive loss with the learnable temperature (same-caption pairs are positives). */
    ITA,
    /** Momentum contrast against the momentum model's batch features and the queues (positives: same caption). */
    CMC,
    /** Momentum distillation: cross-entropy to the momentum model's similarity distribution over the same keys. */
    MD,
    /** Cross-modal topology preservation: KL(reference ‖ current) of the i2t and t2i in-batch distributions. */
    TPX,
    /** Intra-modal topology preservation: KL of the i2i and t2t distributions, self-similarity masked. */
    TPS,
    /** LwF feature distillation: KL of the unnormalised projections (dimensions as logits) at the fixed τ. */
    LWF,
    /** LUCIR-style feature distillation: 1 − cos between current and reference tower features. */
    LUCIR,
    /** MAS objective (mean L2 norm of the unnormalised projections); used alone to compute MAS importance. */
    MAS;

    /** @return the name of the term's weight placeholder */
    public String weightName() {
        return "lam_" + name().toLowerCase(java.util.Locale.ROOT);
    }
}
