package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.MappedMultiDataSetIterator;
import io.github.dl4jcontinual.eval.AccuracyMetric;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The trainer's anytime evaluation of one experience (Koh et al. 2022): counts the stream's training examples and
 * their classes as the experience's own iterator serves them (before any plugin joins replayed rows), and after
 * every update that crosses a multiple of {@code every} examples scores the test stream on the classes seen in the
 * stream so far (class-IL arg-max over those classes), appending the point to the run's progress.
 */
final class AnytimeEvaluation {
    private final StreamProgress progress;
    private final List<Experience> test;
    private final ContinualModel model;
    private final ContinualConfiguration conf;
    /** The stream rows served when the experience's training began (before any plugin read from its iterator). */
    private final long start;

    AnytimeEvaluation(StreamProgress progress, List<Experience> test, ContinualModel model,
                      ContinualConfiguration conf) {
        if (test == null) {
            throw new IllegalStateException("Anytime evaluation needs the test stream: call evaluate(test) (the "
                    + "baseline, or after the last experience of a loaded trainer) before learn, or use fit(scenario)");
        }
        this.progress = progress;
        this.test = test;
        this.model = model;
        this.conf = conf;
        this.start = progress.streamExamples;
    }

    /**
     * @param data the experience's iterator
     * @return an iterator serving the same minibatches that counts their examples and classes
     */
    MultiDataSetIterator count(MultiDataSetIterator data) {
        int out = model.classificationOutput();
        return new MappedMultiDataSetIterator(data, b -> {
            progress.streamExamples += Batches.size(b);
            progress.streamClasses = StreamProgress.union(progress.streamClasses(),
                    DataSets.classIds(b.getLabels(out), Batches.mask(b.getLabelsMaskArrays(), out)));
            return b;
        });
    }

    /**
     * @return the listener that evaluates after the updates that cross a multiple of the period. An update whose
     *         step consumed more stream rows than its minibatch holds (a plugin that read the segment ahead, e.g.
     *         boundary-free GDumb filling its buffer before retraining) does not evaluate: {@link #catchUp} does,
     *         after the experience's training
     */
    TrainingListener listener() {
        return new BaseTrainingListener() {
            private long before = start;
            /** Once a step consumed rows ahead, the experience's points wait for {@link #catchUp} at its end. */
            private boolean deferred;

            @Override
            public void iterationDone(Model m, int iteration, int epoch) {
                long consumed = progress.streamExamples - before;
                before = progress.streamExamples;
                deferred |= consumed > Math.max(1, m.batchSize());
                if (!deferred) {
                    catchUp();
                }
            }
        };
    }

    /** Records a point if the stream rows served crossed a multiple of the period since the last point. */
    void catchUp() {
        long every = conf.getAnytimeEvaluationEvery();
        long last = progress.anytimeCount() == 0 ? 0 : progress.lastAnytimeExamples();
        if (progress.streamExamples / every > last / every) {
            progress.addAnytime(progress.streamExamples, accuracy());
        }
    }

    /** @return the accuracy over the test examples of the classes seen so far, NaN if there are none */
    double accuracy() {
        int[] seen = progress.streamClasses();
        List<Experience> scoped = new ArrayList<>();
        long total = 0;
        for (Experience e : test) {
            int[] mine = Arrays.stream(e.classArray()).filter(c -> Arrays.binarySearch(seen, c) >= 0).toArray();
            if (mine.length > 0) {
                Experience s = e.ofClasses(mine);
                scoped.add(s);
                total += s.numExamples();
            }
        }
        if (total == 0) {
            return Double.NaN;
        }
        long[] correct = AccuracyMetric.evaluate(model::classScores, model.headSize(), scoped, test.get(0).numClasses(),
                seen, conf.getEvalBatchSize())[0];
        return Arrays.stream(correct).sum() / (double) total;
    }
}
