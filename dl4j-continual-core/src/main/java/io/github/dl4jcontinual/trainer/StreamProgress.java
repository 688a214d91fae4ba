package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.checkpoint.CheckpointException;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.eval.MetricRow;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.ExperienceStream;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.serde.ContinualJson;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Where a {@link ContinualTrainer} stands and what it has measured: the experiences learned, the classes seen, the
 * test stream's identity, the rows of every named metric (row i: after experience i), the baselines and the
 * experience results. Serialisable so that a checkpoint carries it; fingerprints of the scenario and of the test
 * stream let a resumed trainer check that it continues the same run. Mutated by the trainer only, on its thread.
 */
final class StreamProgress implements io.github.dl4jcontinual.checkpoint.CheckpointState {
    private static final long serialVersionUID = 3L;

    /** The run's identity: drawn when a run starts afresh, kept by every checkpoint and resume of it. */
    final String runId = java.util.UUID.randomUUID().toString();

    /** The scenario's fingerprint, or null when experiences are given one at a time. */
    Map<String, String> scenario;
    String scenarioName = "experiences";
    String scenarioType = "CLASS_INCREMENTAL";
    int[] classOrder = new int[0];
    int numExperiences = -1;
    int learned;
    int[] seen = new int[0];
    int numClasses = -1;
    /** Fingerprint of the test stream (one entry per experience), fixed at the first evaluation. */
    List<String> test;
    long[] totals;
    final LinkedHashMap<String, List<long[]>> rows = new LinkedHashMap<>();
    final LinkedHashMap<String, long[]> rowTotals = new LinkedHashMap<>();
    final LinkedHashMap<String, double[]> baselines = new LinkedHashMap<>();
    final LinkedHashMap<String, Double> scalars = new LinkedHashMap<>();
    /** The scenario's class names by dataset class id, or null. */
    ArrayList<String> classNames;
    /** JSON of the network's summary when the run started ({@code ModelSummary}), or null. */
    String modelSummary;
    /** Streams of more classes record the confusion after their last experience only. */
    static final int PER_EXPERIENCE_CONFUSION_CLASSES = 256;
    /** The class-IL confusion {@code [actual][predicted]} of the last evaluation that recorded one, or null. */
    long[][] confusion;
    /** The experience after which {@link #confusion} was measured. */
    int confusionAfter = -1;
    /**
     * The class-IL confusion after each learned experience ({@code null} where none was recorded), for streams of at
     * most {@link #PER_EXPERIENCE_CONFUSION_CLASSES} classes; null in checkpoints written before it existed.
     */
    ArrayList<long[][]> confusions;
    /** The number of experiences learned when the test stream was last evaluated; -1 before any evaluation. */
    int evaluatedAt = -1;
    /** Anytime evaluation: the training examples of the stream served so far (replayed rows not counted). */
    long streamExamples;
    /** Anytime evaluation: the classes among them, ascending (null in a checkpoint written before it existed). */
    int[] streamClasses;
    /** Anytime evaluation: the points, examples seen and accuracy (null in older checkpoints). */
    long[] anytimeExamples;
    double[] anytimeAccuracy;
    private final List<String> results = new ArrayList<>();
    /** {@link #results} decoded; not serialised (rebuilt from the JSON after a checkpoint is read). */
    private transient List<ExperienceResult> decoded;

    void forScenario(Scenario s) {
        scenario = fingerprint(s);
        scenarioName = s.name();
        scenarioType = s.type().name();
        classOrder = s.classOrder();
        numExperiences = s.trainStream().size();
        numClasses = s.numClasses();
        classNames = s.classNames().isEmpty() ? null : new ArrayList<>(s.classNames());
    }

    /**
     * @return whether the evaluation after the last learned experience should record the class-IL confusion: after
     *         the stream's last experience, or after every one when the stream's length is unknown (the newest
     *         replaces the previous)
     */
    boolean recordsConfusion() {
        return learned > 0 && (numExperiences < 0 || learned == numExperiences
                || numClasses >= 0 && numClasses <= PER_EXPERIENCE_CONFUSION_CLASSES);
    }

    /**
     * Records the class-IL confusion of the evaluation after the last learned experience.
     *
     * @param counts {@code [actual][predicted]}, kept (not copied)
     */
    void recordConfusion(long[][] counts) {
        confusion = counts;
        confusionAfter = learned - 1;
        if (numClasses >= 0 && numClasses <= PER_EXPERIENCE_CONFUSION_CLASSES) {
            if (confusions == null) {
                confusions = new ArrayList<>();
            }
            while (confusions.size() < learned) {
                confusions.add(null);
            }
            confusions.set(learned - 1, counts);
        }
    }

    /** @return the number of experiences learned (the index of the next one) */
    int next() {
        return learned;
    }

    /** @return the sorted union of two class sets */
    static int[] union(int[] a, int[] b) {
        TreeSet<Integer> s = new TreeSet<>();
        Arrays.stream(a).forEach(s::add);
        Arrays.stream(b).forEach(s::add);
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    int[] streamClasses() {
        return streamClasses == null ? new int[0] : streamClasses;
    }

    int anytimeCount() {
        return anytimeExamples == null ? 0 : anytimeExamples.length;
    }

    long lastAnytimeExamples() {
        return anytimeExamples[anytimeExamples.length - 1];
    }

    void addAnytime(long examples, double accuracy) {
        int n = anytimeCount();
        anytimeExamples = n == 0 ? new long[1] : Arrays.copyOf(anytimeExamples, n + 1);
        anytimeAccuracy = n == 0 ? new double[1] : Arrays.copyOf(anytimeAccuracy, n + 1);
        anytimeExamples[n] = examples;
        anytimeAccuracy[n] = accuracy;
    }

    /** @return the anytime curve so far, or null when none was measured */
    io.github.dl4jcontinual.eval.AnytimeCurve anytimeCurve() {
        return anytimeCount() == 0 ? null : new io.github.dl4jcontinual.eval.AnytimeCurve(anytimeExamples,
                anytimeAccuracy);
    }

    void add(ExperienceResult r) {
        List<ExperienceResult> d = decoded();
        results.add(ContinualJson.toJson(r));
        d.add(ContinualJson.fromJson(results.get(results.size() - 1), ExperienceResult.class));
    }

    void replaceLast(ExperienceResult r) {
        List<ExperienceResult> d = decoded();
        results.set(results.size() - 1, ContinualJson.toJson(r));
        d.set(d.size() - 1, ContinualJson.fromJson(results.get(results.size() - 1), ExperienceResult.class));
    }

    /** @return the experience results (a new list; the results are immutable) */
    List<ExperienceResult> results() {
        return new ArrayList<>(decoded());
    }

    /** The results as objects, decoded once (after a checkpoint is read, at the first use) and kept in step. */
    private List<ExperienceResult> decoded() {
        if (decoded == null) {
            decoded = new ArrayList<>();
            results.forEach(j -> decoded.add(ContinualJson.fromJson(j, ExperienceResult.class)));
        }
        return decoded;
    }

    /**
     * Fixes (first call) or checks the test stream.
     *
     * @throws IllegalArgumentException if it differs from the one evaluated before
     */
    void checkTest(List<Experience> stream) {
        List<String> f = new ArrayList<>();
        for (Experience e : stream) {
            f.add("classes " + e.classes() + ", " + e.numExamples() + " examples");
        }
        if (test == null) {
            test = f;
            totals = new long[stream.size()];
            for (int j = 0; j < totals.length; j++) {
                totals[j] = stream.get(j).numExamples();
            }
        } else if (!test.equals(f)) {
            throw new IllegalArgumentException("The test stream differs from the one evaluated before (" + test
                    + "; given " + f + "): every evaluation of a run uses the same test experiences");
        }
    }

    /** Records a metric's row after the last learned experience (or its baseline). */
    void record(String prefix, MetricRow row, boolean baseline) {
        for (Map.Entry<String, long[]> e : row.correct().entrySet()) {
            String key = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            long[] t = row.totals(e.getKey()) == null ? totals : row.totals(e.getKey());
            if (baseline) {
                double[] a = new double[t.length];
                for (int j = 0; j < a.length; j++) {
                    a[j] = e.getValue()[j] < 0 || t[j] == 0 ? Double.NaN : (double) e.getValue()[j] / t[j];
                }
                baselines.put(key, a);
                continue;
            }
            List<long[]> r = rows.computeIfAbsent(key, k -> new ArrayList<>());
            // a row evaluated on a prefix of the test stream (TestScope) counts 0 in the cells it left out
            long[] known = rowTotals.computeIfAbsent(key, k -> t.clone());
            for (int j = 0; j < known.length && j < t.length; j++) {
                if (known[j] == 0) {
                    known[j] = t[j];
                }
            }
            // a metric that appears later (or an experience learned without evaluation) leaves undefined rows
            while (r.size() < learned - 1) {
                r.add(undefined(t.length));
            }
            if (r.size() != learned - 1) {
                throw new IllegalStateException("Two stream metrics write the matrix '" + key + "'");
            }
            r.add(e.getValue().clone());
        }
        for (Map.Entry<String, Double> s : row.scalars().entrySet()) {
            scalars.put(prefix.isEmpty() ? s.getKey() : prefix + "." + s.getKey(), s.getValue());
        }
    }

    static long[] undefined(int n) {
        long[] r = new long[n];
        Arrays.fill(r, -1);
        return r;
    }

    /**
     * @param key a matrix (e.g. "class_il")
     * @return A_i of its last row, the mean accuracy over the experiences learned so far (undefined cells skipped),
     *         without building the matrices; NaN if the matrix has no row or no defined seen cell
     */
    double lastRowAverage(String key) {
        List<long[]> r = rows.get(key);
        long[] t = rowTotals.get(key);
        if (r == null || r.isEmpty() || t == null) {
            return Double.NaN;
        }
        int i = r.size() - 1;
        long[] last = r.get(i);
        double sum = 0;
        int n = 0;
        for (int j = 0; j <= Math.min(i, last.length - 1); j++) {
            if (last[j] >= 0 && t[j] > 0) {
                sum += (double) last[j] / t[j];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /** @return every matrix so far; matrices shorter than the longest are padded with undefined rows */
    Map<String, AccuracyMatrix> matrices() {
        Map<String, AccuracyMatrix> m = new LinkedHashMap<>();
        int n = 0;
        for (List<long[]> r : rows.values()) {
            n = Math.max(n, r.size());
        }
        for (Map.Entry<String, List<long[]>> e : rows.entrySet()) {
            List<long[]> r = new ArrayList<>(e.getValue());
            long[] t = rowTotals.get(e.getKey());
            while (r.size() < n) {
                r.add(undefined(t.length));
            }
            m.put(e.getKey(), new AccuracyMatrix(r.toArray(new long[0][]), t, baselines.get(e.getKey())));
        }
        return m;
    }

    /**
     * @param s a scenario
     * @return what identifies its streams: name, type, class order, and every experience's classes, size and
     *         example shape
     */
    static Map<String, String> fingerprint(Scenario s) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("type", s.type().name());
        m.put("numClasses", Integer.toString(s.numClasses()));
        m.put("classOrder", Arrays.toString(s.classOrder()));
        for (ExperienceStream stream : List.of(s.trainStream(), s.testStream())) {
            m.put(stream.name() + ".experiences", Integer.toString(stream.size()));
            for (Experience e : stream) {
                StringBuilder shapes = new StringBuilder();
                for (int i = 0; i < e.numInputs(); i++) {
                    shapes.append(i == 0 ? "" : ", ").append(Arrays.toString(e.exampleShape(i)));
                }
                m.put(stream.name() + "[" + e.index() + "]", "classes " + e.classes() + ", "
                        + e.numExamples() + " examples of shape " + shapes);
            }
            String rows = sampledRows(stream);
            m.put(stream.name() + ".sampledRows", rows.equals(sampledRows(stream)) ? rows : VARIES);
        }
        return m;
    }

    /** The sampled-rows entry of a stream whose rows differ between two reads (random augmentation). */
    static final String VARIES = "differ between reads (random augmentation?): not compared";

    /** How many evenly spaced rows of a stream {@link #sampledRows} hashes. */
    static final int SAMPLED_ROWS = 16;

    /**
     * @param stream a stream
     * @return the SHA-256 (first 16 hex digits) of {@value #SAMPLED_ROWS} evenly spaced rows of the union of its
     *         experiences, features and labels as read (one read of those rows; the same data in the same order
     *         gives the same digest, other values or another normalisation another)
     */
    static String sampledRows(ExperienceStream stream) {
        List<Experience> all = new ArrayList<>();
        stream.forEach(all::add);
        if (all.isEmpty()) {
            return "none";
        }
        Experience u = Experience.union(all);
        int n = u.numExamples();
        int k = Math.min(SAMPLED_ROWS, n);
        int[] idx = new int[k];
        for (int i = 0; i < k; i++) {
            idx[i] = (int) ((long) i * (n - 1) / Math.max(1, k - 1));
        }
        org.nd4j.linalg.dataset.api.MultiDataSet rows = u.rows(idx);
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        for (org.nd4j.linalg.api.ndarray.INDArray[] arrays : List.of(rows.getFeatures(), rows.getLabels())) {
            for (org.nd4j.linalg.api.ndarray.INDArray a : arrays) {
                float[] v = a.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
                java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 * v.length + 8 * a.rank());
                for (long d : a.shape()) {
                    b.putLong(d);
                }
                for (float f : v) {
                    b.putFloat(f);
                }
                md.update(b.array());
            }
        }
        StringBuilder sb = new StringBuilder();
        byte[] d = md.digest();
        for (int i = 0; i < 8; i++) {
            sb.append(String.format("%02x", d[i]));
        }
        return n + " examples, rows " + Arrays.toString(idx) + " hash " + sb;
    }

    /**
     * @param s      the scenario a resumed trainer is asked to continue
     * @param source the checkpoint file, for the message
     * @throws CheckpointException if it is not the checkpoint's scenario
     */
    void checkSameScenario(Scenario s, Object source) {
        if (scenario == null) {
            throw new CheckpointException("Checkpoint " + source + " was written by a trainer that learned "
                    + "experiences one at a time; continue it with learn(...) and evaluate(...), not fit(scenario)");
        }
        Map<String, String> now = fingerprint(s);
        List<String> diff = new ArrayList<>();
        for (String k : scenario.keySet()) {
            if (VARIES.equals(scenario.get(k)) || VARIES.equals(now.get(k))) {
                continue;
            }
            if (!scenario.get(k).equals(now.get(k))) {
                diff.add(k + ": checkpoint has " + scenario.get(k) + ", given " + now.get(k));
            }
        }
        for (String k : now.keySet()) {
            if (!scenario.containsKey(k)) {
                diff.add(k + ": checkpoint has none, given " + now.get(k));
            }
        }
        if (!diff.isEmpty()) {
            throw new CheckpointException("Checkpoint " + source + " was written for another scenario: "
                    + String.join("; ", diff));
        }
    }
}
