package io.github.dl4jcontinual.zoo.ctp;

/**
 * The continual methods of CTP's vision-language suite (methods.md §2.6), all on the same {@link DualEncoder} and
 * schedule; the base objective of every baseline is the in-batch contrastive loss (SeqF).
 */
public enum VlMethod {
    /** Sequential fine-tuning (lower bound). */
    SEQF(false),
    /** Joint training on the union of all domains, once, after they have all arrived (upper bound). */
    JOINT(false),
    /** EWC: λ/2 Σ F (θ − θ*)², running-average Fisher of the squared minibatch gradients. */
    EWC(false),
    /** MAS: same penalty form, importance = mean |∂(mean ‖v_raw‖ + mean ‖w_raw‖)/∂θ|. */
    MAS(false),
    /** RWalk: λ Σ (F + s)(θ − θ_old)², s from the path integral of the unpenalised gradient. */
    RWALK(false),
    /** LwF: KL between current and previous-task unnormalised projections, no memory. */
    LWF(false),
    /** ER: reservoir of pairs over everything seen, appended to the next task's training set. */
    ER(true),
    /** MoF: herding (mean-of-features) exemplars, quota per domain ∝ domain size. */
    MOF(true),
    /** K-means exemplars (the pair nearest each centroid), same quota rule. */
    KMEANS(true),
    /** iCaRL: herding memory + LwF distillation. */
    ICARL(true),
    /** LUCIR: cosine-normalised projections with a learnable scale σ, herding memory and 1 − cos feature
     * distillation of the towers' features. */
    LUCIR(true),
    /** CTP: compatible momentum contrast + topology preservation, no memory. */
    CTP(false),
    /** CTP with the ER reservoir appended to each task's data. */
    CTP_ER(true);

    private final boolean memory;

    VlMethod(boolean memory) {
        this.memory = memory;
    }

    /** @return whether the method keeps an episodic memory of pairs */
    public boolean usesMemory() {
        return memory;
    }

    /** @return whether the method is CTP or CTP_ER */
    public boolean isCtp() {
        return this == CTP || this == CTP_ER;
    }
}
