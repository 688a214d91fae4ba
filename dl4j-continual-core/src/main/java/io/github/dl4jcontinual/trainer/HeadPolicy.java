package io.github.dl4jcontinual.trainer;

/** How the output layer relates to the classes of the stream. */
public enum HeadPolicy {
    /**
     * The output layer has one unit per class of the scenario from the start; at evaluation, classes not seen
     * yet are masked (unless {@link ContinualConfiguration#isMaskUnseenClasses()} is false).
     */
    FIXED,
    /**
     * The output layer has one unit per class seen so far: before each experience with new classes the trainer
     * replaces it by a wider one (DL4J's {@code TransferLearning}) and copies the old weights and biases into the
     * first columns, so outputs on old classes are unchanged until training resumes. The trainer's model is
     * then a new network object; the updater state of the network is reset at each growth.
     */
    EXPANDING
}
