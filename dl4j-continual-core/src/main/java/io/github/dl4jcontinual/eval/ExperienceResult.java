package io.github.dl4jcontinual.eval;

import java.util.Arrays;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What happened while training one experience: size, time, memory (peak heap, JavaCPP off-heap, the process's
 * physical memory) and the model's last score.
 * Immutable. The score is DL4J's {@code model.score()} of the last minibatch: it does not include penalties
 * that continual plugins add to the gradient; those report their own values in {@link #metrics()} (e.g.
 * {@code "ewc.penalty_mean"}).
 */
public final class ExperienceResult {
    private int experience;
    private int[] classes;
    private boolean trained;
    private long examplesSeen;
    private int epochs;
    private long iterations;
    private double lastScore;
    private long trainMillis;
    private long evalMillis;
    private long peakHeapBytes;
    private long offHeapBytes;
    private long physicalBytes;
    private SortedMap<String, Double> metrics = new TreeMap<>();

    private ExperienceResult() {
        // for Jackson
    }

    /**
     * @param experience    index of the training experience
     * @param classes       its classes
     * @param trained       false if plugins skipped training on it (e.g. Joint before the last experience)
     * @param examplesSeen  examples fitted, over all epochs (replayed ones included)
     * @param epochs        epochs run
     * @param iterations    parameter updates
     * @param lastScore     model score after the last minibatch (NaN if not trained)
     * @param trainMillis   wall time of training
     * @param evalMillis    wall time of the evaluation after it
     * @param peakHeapBytes peak JVM heap use during the experience
     * @param offHeapBytes  JavaCPP off-heap bytes allocated at its end
     */
    public ExperienceResult(int experience, int[] classes, boolean trained, long examplesSeen, int epochs,
                            long iterations, double lastScore, long trainMillis, long evalMillis, long peakHeapBytes,
                            long offHeapBytes) {
        this(experience, classes, trained, examplesSeen, epochs, iterations, lastScore, trainMillis, evalMillis,
                peakHeapBytes, offHeapBytes, Map.of());
    }

    /**
     * @param experience    index of the training experience
     * @param classes       its classes
     * @param trained       false if plugins skipped training on it
     * @param examplesSeen  examples fitted, over all epochs (replayed ones included)
     * @param epochs        epochs run
     * @param iterations    parameter updates
     * @param lastScore     model score after the last minibatch (NaN if not trained)
     * @param trainMillis   wall time of training
     * @param evalMillis    wall time of the evaluation after it
     * @param peakHeapBytes peak JVM heap use during the experience
     * @param offHeapBytes  JavaCPP off-heap bytes allocated at its end
     * @param metrics       figures reported by plugins ({@code ContinualPlugin#experienceMetrics}); copied
     */
    public ExperienceResult(int experience, int[] classes, boolean trained, long examplesSeen, int epochs,
                            long iterations, double lastScore, long trainMillis, long evalMillis, long peakHeapBytes,
                            long offHeapBytes, Map<String, Double> metrics) {
        this(experience, classes, trained, examplesSeen, epochs, iterations, lastScore, trainMillis, evalMillis,
                peakHeapBytes, offHeapBytes, 0, metrics);
    }

    /**
     * @param experience    index of the training experience
     * @param classes       its classes
     * @param trained       false if plugins skipped training on it
     * @param examplesSeen  examples fitted, over all epochs (replayed ones included)
     * @param epochs        epochs run
     * @param iterations    parameter updates
     * @param lastScore     model score after the last minibatch (NaN if not trained)
     * @param trainMillis   wall time of training
     * @param evalMillis    wall time of the evaluation after it
     * @param peakHeapBytes peak JVM heap use during the experience
     * @param offHeapBytes  JavaCPP off-heap bytes allocated at its end
     * @param physicalBytes the process's physical memory (resident set) at its end, JavaCPP's
     *                      {@code Pointer.physicalBytes()}; 0 if not recorded
     * @param metrics       figures reported by plugins ({@code ContinualPlugin#experienceMetrics}); copied
     */
    public ExperienceResult(int experience, int[] classes, boolean trained, long examplesSeen, int epochs,
                            long iterations, double lastScore, long trainMillis, long evalMillis, long peakHeapBytes,
                            long offHeapBytes, long physicalBytes, Map<String, Double> metrics) {
        this.physicalBytes = physicalBytes;
        this.metrics = new TreeMap<>(metrics);
        this.experience = experience;
        this.classes = classes.clone();
        this.trained = trained;
        this.examplesSeen = examplesSeen;
        this.epochs = epochs;
        this.iterations = iterations;
        this.lastScore = lastScore;
        this.trainMillis = trainMillis;
        this.evalMillis = evalMillis;
        this.peakHeapBytes = peakHeapBytes;
        this.offHeapBytes = offHeapBytes;
    }

    /**
     * @param millis the wall time of the evaluation after the experience
     * @return a copy with that evaluation time
     */
    public ExperienceResult withEvalMillis(long millis) {
        return new ExperienceResult(experience, classes, trained, examplesSeen, epochs, iterations, lastScore,
                trainMillis, millis, peakHeapBytes, offHeapBytes, physicalBytes, metrics);
    }

    /** @return the experience index */
    public int experience() {
        return experience;
    }

    /** @return its classes */
    public int[] classes() {
        return classes.clone();
    }

    /** @return whether the model was trained on it */
    public boolean trained() {
        return trained;
    }

    /** @return examples fitted over all epochs */
    public long examplesSeen() {
        return examplesSeen;
    }

    /** @return epochs run */
    public int epochs() {
        return epochs;
    }

    /** @return parameter updates */
    public long iterations() {
        return iterations;
    }

    /** @return the model's score after the last minibatch */
    public double lastScore() {
        return lastScore;
    }

    /** @return training wall time in ms */
    public long trainMillis() {
        return trainMillis;
    }

    /** @return evaluation wall time in ms */
    public long evalMillis() {
        return evalMillis;
    }

    /** @return peak heap bytes during the experience */
    public long peakHeapBytes() {
        return peakHeapBytes;
    }

    /** @return JavaCPP off-heap bytes at its end */
    public long offHeapBytes() {
        return offHeapBytes;
    }

    /** @return the process's physical memory (resident set) at the end of the experience; 0 if not recorded */
    public long physicalBytes() {
        return physicalBytes;
    }

    /** @return figures reported by plugins, by name (sorted, unmodifiable; empty if none) */
    public SortedMap<String, Double> metrics() {
        return Collections.unmodifiableSortedMap(metrics);
    }

    /** @return the CSV header matching {@link #toCsvRow()} */
    public static String csvHeader() {
        return "experience,classes,trained,examples_seen,epochs,iterations,last_score,train_ms,eval_ms,"
                + "peak_heap_bytes,off_heap_bytes,physical_bytes";
    }

    /** @return one CSV line (classes separated by spaces) */
    public String toCsvRow() {
        return String.format(Locale.ROOT, "%d,%s,%b,%d,%d,%d,%.6f,%d,%d,%d,%d,%d", experience,
                Arrays.toString(classes).replaceAll("[\\[\\],]", "").trim(), trained, examplesSeen, epochs,
                iterations, lastScore, trainMillis, evalMillis, peakHeapBytes, offHeapBytes, physicalBytes);
    }

    @Override
    public String toString() {
        return "ExperienceResult" + toCsvRow() + (metrics.isEmpty() ? "" : " " + metrics);
    }
}
