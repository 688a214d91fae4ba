package io.github.dl4jcontinual.arbiter.search;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.Scenario;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;

/**
 * Scores a whole continual run from its accuracy matrix (the {@link ContinualResult} the
 * {@link ContinualTaskCreator} passes as the "model"): final average accuracy, average incremental accuracy, or
 * final accuracy minus a weight times the average forgetting; on the class-IL or the task-IL matrix. Higher is
 * better. A NaN score (e.g. no experience evaluated) is an error, never a silent rank.
 */
public class ContinualScoreFunction implements ScoreFunction {
    private static final long serialVersionUID = 1L;

    /** What to score. */
    public enum Metric {
        /** Mean accuracy over all experiences after the last one. */
        FINAL_ACCURACY,
        /** Mean over training steps of the mean accuracy on the experiences seen so far. */
        AVERAGE_INCREMENTAL_ACCURACY,
        /** Final accuracy − w · average forgetting. */
        ACCURACY_MINUS_FORGETTING
    }

    private Metric metric;
    private boolean taskIncremental;
    private double forgettingWeight;

    /**
     * @param metric           the metric
     * @param taskIncremental  score the task-IL matrix instead of the class-IL one
     * @param forgettingWeight w of {@link Metric#ACCURACY_MINUS_FORGETTING}, &gt;= 0
     */
    public ContinualScoreFunction(Metric metric, boolean taskIncremental, double forgettingWeight) {
        if (!(forgettingWeight >= 0)) {
            throw new IllegalArgumentException("forgettingWeight should be >= 0 (got: " + forgettingWeight + ")");
        }
        this.metric = Objects.requireNonNull(metric, "metric");
        this.taskIncremental = taskIncremental;
        this.forgettingWeight = forgettingWeight;
    }

    /** Class-IL final average accuracy (also Jackson's constructor). */
    public ContinualScoreFunction() {
        this(Metric.FINAL_ACCURACY, false, 0);
    }

    /**
     * @param result a continual run
     * @return its score
     * @throws IllegalStateException if the score is NaN
     */
    public double score(ContinualResult result) {
        AccuracyMatrix m = taskIncremental ? result.taskIncremental() : result.classIncremental();
        double s;
        switch (metric) {
            case FINAL_ACCURACY:
                s = m.finalAverageAccuracy();
                break;
            case AVERAGE_INCREMENTAL_ACCURACY:
                s = m.averageIncrementalAccuracy();
                break;
            default:
                s = m.finalAverageAccuracy() - forgettingWeight * m.averageForgetting();
        }
        if (Double.isNaN(s)) {
            throw new IllegalStateException("The " + this + " of the run is NaN");
        }
        return s;
    }

    @Override
    public double score(Object model, DataProvider dataProvider, Map<String, Object> dataParameters) {
        return score(asResult(model));
    }

    @Override
    public double score(Object model, Class<? extends DataSource> dataSource, Properties dataSourceProperties) {
        return score(asResult(model));
    }

    private static ContinualResult asResult(Object model) {
        if (!(model instanceof ContinualResult)) {
            throw new IllegalArgumentException("ContinualScoreFunction scores a ContinualResult (got: "
                    + (model == null ? null : model.getClass().getName()) + ")");
        }
        return (ContinualResult) model;
    }

    @Override
    public boolean minimize() {
        return false;
    }

    @Override
    public List<Class<?>> getSupportedModelTypes() {
        return List.of(ContinualResult.class);
    }

    @Override
    public List<Class<?>> getSupportedDataTypes() {
        return List.of(Scenario.class);
    }

    @Override
    public String toString() {
        return (taskIncremental ? "task-IL " : "class-IL ") + metric.name().toLowerCase(java.util.Locale.ROOT)
                + (metric == Metric.ACCURACY_MINUS_FORGETTING ? " (w " + forgettingWeight + ")" : "");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContinualScoreFunction && metric == ((ContinualScoreFunction) o).metric
                && taskIncremental == ((ContinualScoreFunction) o).taskIncremental
                && forgettingWeight == ((ContinualScoreFunction) o).forgettingWeight;
    }

    @Override
    public int hashCode() {
        return Objects.hash(metric, taskIncremental, forgettingWeight);
    }
}
