package io.github.dl4jcontinual.distillation;

/** How the old model's outputs become soft targets. */
public enum DistillationMode {
    /** One softmax (at temperature T) per previous task head: multi-head task-IL LwF (van de Ven). */
    MULTI_HEAD,
    /** One softmax (at temperature T) over all previously seen classes: single-head class-IL LwF. */
    OLD_CLASSES_SOFTMAX,
    /**
     * Van de Ven's class-IL LwF (his {@code loss_fn_kd}): the student's softmax at T runs over every class seen so
     * far, the current experience's included; the teacher's soft targets are its softmax over the previous
     * classes, padded with zeros for the current ones. Unlike {@link #OLD_CLASSES_SOFTMAX} this also pulls the
     * current classes' probabilities down on current inputs, which counters the new-class bias.
     */
    SEEN_CLASSES_SOFTMAX,
    /** LwF.MC (Rebuffi et al. 2017): an independent sigmoid (at T) per previously seen class, binary CE. */
    SIGMOID
}
