package io.github.dl4jcontinual.distillation;

/** How the old model's outputs become soft targets. */
public enum DistillationMode {
    /** One softmax (at temperature T) per previous task head: multi-head task-IL LwF (van de Ven). */
    MULTI_HEAD,
    /** One softmax (at temperature T) over all previously seen classes: single-head class-IL LwF. */
    OLD_CLASSES_SOFTMAX,
    /** LwF.MC (Rebuffi et al. 2017): an independent sigmoid (at T) per previously seen class, binary CE. */
    SIGMOID
}
