/**
 * Rehearsal memory: replay buffers decide HOW MANY examples of each group (class, experience) are kept
 * ({@link io.github.dl4jcontinual.replay.ReservoirReplayBuffer},
 * {@link io.github.dl4jcontinual.replay.ClassBalancedReplayBuffer},
 * {@link io.github.dl4jcontinual.replay.ExperienceBalancedReplayBuffer}, configured by
 * {@link io.github.dl4jcontinual.replay.BufferConfiguration}); selection policies in
 * {@code replay.selection} decide WHICH. Buffers own detached copies of what they store.
 */
package io.github.dl4jcontinual.replay;
