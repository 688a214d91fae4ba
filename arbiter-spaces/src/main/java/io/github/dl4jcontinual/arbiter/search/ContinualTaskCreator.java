package io.github.dl4jcontinual.arbiter.search;

import io.github.dl4jcontinual.arbiter.spaces.ContinualCandidate;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.api.OptimizationResult;
import org.deeplearning4j.arbiter.optimize.api.TaskCreator;
import org.deeplearning4j.arbiter.optimize.api.data.DataProvider;
import org.deeplearning4j.arbiter.optimize.api.data.DataSource;
import org.deeplearning4j.arbiter.optimize.api.score.ScoreFunction;
import org.deeplearning4j.arbiter.optimize.runner.CandidateInfo;
import org.deeplearning4j.arbiter.optimize.runner.CandidateStatus;
import org.deeplearning4j.arbiter.optimize.runner.IOptimizationRunner;
import org.deeplearning4j.arbiter.optimize.runner.listener.StatusListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;

/**
 * Arbiter {@link TaskCreator} for continual candidates: each task trains a fresh network of the
 * {@link ContinualCandidate} through the whole stream of the provider's search scenario
 * ({@link ContinualDataProvider#trainData}), checks that it did not diverge (a non-finite score of the model on
 * any experience, or non-finite parameters at the end, fail the candidate with that reason), scores the {@link ContinualResult} with the search's
 * {@link ScoreFunction} and saves it with the {@link ContinualResultSaver} (accuracy matrices included). A
 * candidate already recorded in the saver's directory with the same configuration is not re-run (resume). A
 * failing candidate is recorded with its reason and rethrown, so that Arbiter counts it as failed and goes on.
 */
public class ContinualTaskCreator implements TaskCreator {
    private static final Logger LOG = LoggerFactory.getLogger(ContinualTaskCreator.class);
    private final ContinualResultSaver saver;

    /**
     * @param saver where records are written and looked up
     */
    public ContinualTaskCreator(ContinualResultSaver saver) {
        this.saver = saver;
    }

    @Override
    public Callable<OptimizationResult> create(Candidate candidate, DataProvider dataProvider,
                                               ScoreFunction scoreFunction, List<StatusListener> statusListeners,
                                               IOptimizationRunner runner) {
        return () -> run(candidate, dataProvider, scoreFunction);
    }

    @Override
    public Callable<OptimizationResult> create(Candidate candidate, Class<? extends DataSource> dataSource,
                                               Properties dataSourceProperties, ScoreFunction scoreFunction,
                                               List<StatusListener> statusListeners, IOptimizationRunner runner) {
        throw new UnsupportedOperationException("Continual searches take their scenarios from a "
                + "ContinualDataProvider, not a DataSource class");
    }

    private OptimizationResult run(Candidate<?> candidate, DataProvider dataProvider, ScoreFunction scoreFunction)
            throws Exception {
        long t0 = System.currentTimeMillis();
        int index = candidate.getIndex();
        CandidateInfo info = new CandidateInfo(index, CandidateStatus.Running, null, t0, t0, null,
                candidate.getFlatParameters(), null);
        ContinualCandidate cc = null;
        try {
            if (candidate.getException() != null) {
                throw candidate.getException();
            }
            cc = (ContinualCandidate) candidate.getValue();
            SearchRecord old = saver.load(index);
            if (old != null && cc.equals(old.candidate())) {
                if (old.status() == SearchRecord.Status.FAILED) {
                    throw new RecordedFailure("failed in an earlier run of this search: " + old.reason());
                }
                LOG.info("Candidate {} already done (score {}): not re-run", index, old.score());
                info.setCandidateStatus(CandidateStatus.Complete);
                info.setScore(old.score());
                info.setEndTime(System.currentTimeMillis());
                return new OptimizationResult(candidate, old.score(), index, old.result(), info,
                        saver.reference(index));
            }
            Object data = dataProvider.trainData(candidate.getDataParameters());
            if (!(data instanceof Scenario)) {
                throw new IllegalArgumentException("The data provider should give a Scenario (got: "
                        + (data == null ? null : data.getClass().getName()) + "); use ContinualDataProvider");
            }
            ContinualTrainer<?> trainer = cc.trainer();
            ContinualResult r = trainer.fit((Scenario) data);
            for (ExperienceResult e : r.experiences()) {
                if (e.trained() && !Double.isFinite(e.lastScore())) {
                    throw new IllegalStateException("diverged: the model's score was " + e.lastScore()
                            + " at the end of experience " + e.experience());
                }
            }
            INDArray params = trainer.continualModel().params();
            if (BooleanIndexing.or(params, Conditions.isNan()) || BooleanIndexing.or(params, Conditions.isInfinite())) {
                throw new IllegalStateException("diverged: the trained model has non-finite parameters");
            }
            double score = scoreFunction.score(r, dataProvider, candidate.getDataParameters());
            info.setCandidateStatus(CandidateStatus.Complete);
            info.setScore(score);
            info.setEndTime(System.currentTimeMillis());
            OptimizationResult res = new OptimizationResult(candidate, score, index, r, info, null);
            res.setResultReference(saver.saveModel(res, r));
            LOG.info("Candidate {}: score {} in {} s", index, score, (System.currentTimeMillis() - t0) / 1000);
            return res;
        } catch (RecordedFailure e) {
            throw e; // already on disk
        } catch (Exception e) {
            String reason = e.getClass().getSimpleName() + ": " + e.getMessage();
            LOG.warn("Candidate {} failed: {}", index, reason);
            saver.write(SearchRecord.failed(index, candidate.getFlatParameters(), cc, reason,
                    System.currentTimeMillis() - t0));
            throw e;
        }
    }

    /** A failure read back from the record of an earlier run (not written again). */
    static final class RecordedFailure extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        RecordedFailure(String message) {
            super(message);
        }
    }
}
