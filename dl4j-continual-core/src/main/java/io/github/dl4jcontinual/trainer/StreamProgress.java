package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ExperienceResult;
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

/**
 * Where a {@link ContinualTrainer} stands in a stream and what it has measured so far: the next experience, the
 * baseline and per-experience rows of correct counts (class-IL, task-IL, extra heads) and the experience results.
 * Serialisable so that a checkpoint carries it; the scenario's fingerprint lets a resume check that it continues
 * the same stream. Mutated by the trainer only, on its thread.
 */
final class StreamProgress implements Serializable {
    private static final long serialVersionUID = 1L;

    final Map<String, String> scenario;
    final long[] totals;
    final double[] baseClass;
    final double[] baseTask;
    final List<long[]> classRows = new ArrayList<>();
    final List<long[]> taskRows = new ArrayList<>();
    final LinkedHashMap<String, List<long[]>> headClassRows = new LinkedHashMap<>();
    final LinkedHashMap<String, List<long[]>> headTaskRows = new LinkedHashMap<>();
    private final List<String> results = new ArrayList<>();

    StreamProgress(Scenario s, double[] baseClass, double[] baseTask) {
        this.scenario = fingerprint(s);
        ExperienceStream test = s.testStream();
        this.totals = new long[test.size()];
        for (int j = 0; j < test.size(); j++) {
            totals[j] = test.get(j).numExamples();
        }
        this.baseClass = baseClass;
        this.baseTask = baseTask;
    }

    /** @return the number of experiences trained (the index of the next one) */
    int next() {
        return classRows.size();
    }

    void add(ExperienceResult r) {
        results.add(ContinualJson.toJson(r));
    }

    List<ExperienceResult> results() {
        List<ExperienceResult> r = new ArrayList<>();
        results.forEach(j -> r.add(ContinualJson.fromJson(j, ExperienceResult.class)));
        return r;
    }

    AccuracyMatrix classMatrix() {
        return new AccuracyMatrix(classRows.toArray(new long[0][]), totals, baseClass);
    }

    AccuracyMatrix taskMatrix() {
        return new AccuracyMatrix(taskRows.toArray(new long[0][]), totals, baseTask);
    }

    /**
     * @param s a scenario
     * @return what identifies its streams: name, type, class order, and every experience's classes and size
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
                m.put(stream.name() + "[" + e.index() + "]", "classes " + e.classes() + ", "
                        + e.numExamples() + " examples of " + e.numFeatures() + " features");
            }
        }
        return m;
    }

    /**
     * @param s the scenario a resumed trainer is asked to continue
     * @param source the checkpoint file, for the message
     * @throws io.github.dl4jcontinual.checkpoint.CheckpointException if it is not the checkpoint's scenario
     */
    void checkSameScenario(Scenario s, Object source) {
        Map<String, String> now = fingerprint(s);
        List<String> diff = new ArrayList<>();
        for (String k : scenario.keySet()) {
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
            throw new io.github.dl4jcontinual.checkpoint.CheckpointException("Checkpoint " + source
                    + " was written for another scenario: " + String.join("; ", diff));
        }
    }
}
