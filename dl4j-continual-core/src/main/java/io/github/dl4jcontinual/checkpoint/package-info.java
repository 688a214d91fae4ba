/**
 * Checkpoint files: a DL4J model zip ({@link org.deeplearning4j.util.ModelSerializer}, updater included) with the
 * continual state added as {@code objects/...} entries and a manifest of SHA-256 digests, written atomically and
 * verified in full before anything is loaded. See {@code docs/checkpoint.md}.
 */
package io.github.dl4jcontinual.checkpoint;
