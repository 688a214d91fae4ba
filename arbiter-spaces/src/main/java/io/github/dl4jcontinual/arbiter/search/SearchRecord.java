package io.github.dl4jcontinual.arbiter.search;

import io.github.dl4jcontinual.arbiter.spaces.ContinualCandidate;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.serde.ContinualJson;

import java.io.Serializable;
import java.util.Arrays;

/**
 * What a search keeps of one candidate, on disk as {@code candidate-<index>.json}: its index, Arbiter's leaf
 * values, the candidate (configuration and model JSON, so it can be re-run by itself), and either its score and
 * full {@link ContinualResult} (accuracy matrices included) or the reason it failed. Immutable.
 */
public final class SearchRecord implements Serializable {
    private static final long serialVersionUID = 1L;

    /** How the candidate ended. */
    public enum Status {
        /** Trained and scored. */
        COMPLETE,
        /** Threw, diverged or could not be scored; see {@link #reason()}. */
        FAILED
    }

    private int index;
    private Status status;
    private double score = Double.NaN;
    private String reason;
    private double[] values;
    private ContinualCandidate candidate;
    private String resultJson;
    private long millis;

    private SearchRecord() {
        // for Jackson
    }

    static SearchRecord complete(int index, double[] values, ContinualCandidate candidate, double score,
                                 ContinualResult result, long millis) {
        SearchRecord r = new SearchRecord();
        r.index = index;
        r.status = Status.COMPLETE;
        r.values = values.clone();
        r.candidate = candidate;
        r.score = score;
        r.resultJson = result.toJson();
        r.millis = millis;
        return r;
    }

    static SearchRecord failed(int index, double[] values, ContinualCandidate candidate, String reason, long millis) {
        SearchRecord r = new SearchRecord();
        r.index = index;
        r.status = Status.FAILED;
        r.values = values == null ? new double[0] : values.clone();
        r.candidate = candidate;
        r.reason = reason;
        r.millis = millis;
        return r;
    }

    /** @return the candidate's index in the search */
    public int index() {
        return index;
    }

    /** @return how it ended */
    public Status status() {
        return status;
    }

    /** @return its score (NaN when failed) */
    public double score() {
        return score;
    }

    /** @return why it failed, or null */
    public String reason() {
        return reason;
    }

    /** @return Arbiter's leaf values in [0, 1] */
    public double[] values() {
        return values.clone();
    }

    /** @return the candidate (null if it could not even be built) */
    public ContinualCandidate candidate() {
        return candidate;
    }

    /** @return the run's result with its accuracy matrices, or null when failed */
    public ContinualResult result() {
        return resultJson == null ? null : ContinualResult.fromJson(resultJson);
    }

    /** @return wall time of the run in ms */
    public long millis() {
        return millis;
    }

    /** @return JSON */
    public String toJson() {
        return ContinualJson.toJson(this);
    }

    /**
     * @param json JSON from {@link #toJson()}
     * @return the record
     */
    public static SearchRecord fromJson(String json) {
        return ContinualJson.fromJson(json, SearchRecord.class);
    }

    @Override
    public String toString() {
        return "SearchRecord{" + index + ", " + status + ", score " + score + (reason == null ? "" : ", " + reason)
                + ", values " + Arrays.toString(values) + "}";
    }
}
