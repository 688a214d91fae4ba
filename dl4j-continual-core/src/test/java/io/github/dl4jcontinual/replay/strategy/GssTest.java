package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.data.RepeatedBatchIterator;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.GssReplayBuffer;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * GSS: the greedy buffer's rules against hand-computed cases (with a gradient source that returns the mean feature
 * row, so cosines are those of the features), its state round trip, the configuration's JSON and refusals, the
 * repeated-minibatch iterator, and GSS on real Split-MNIST against fine-tuning.
 */
class GssTest {

    /** Rows of 2 features with the given directions (one row each) and class labels of width 2. */
    static MultiDataSet rows(double[][] features, int... classes) {
        INDArray f = Nd4j.create(features).castTo(DataType.FLOAT);
        INDArray l = Nd4j.zeros(DataType.FLOAT, features.length, 2);
        for (int i = 0; i < classes.length; i++) {
            l.putScalar(i, classes[i], 1);
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(f, l);
    }

    static GssReplayBuffer buffer(int capacity, int candidates) {
        GssReplayBuffer b = new GssReplayBuffer(capacity, candidates, false);
        b.gradients(m -> m.getFeatures(0).mean(0));
        return b;
    }

    @Test
    void theFirstRowsEnterWithTheStartScoreAndAnAlignedMinibatchChangesNothing() {
        GssReplayBuffer b = buffer(4, 4);
        Random rng = new Random(1);
        b.observe(rows(new double[][]{{1, 0}, {1, 0.1}}, 0, 0), null, 0, rng);
        assertArrayEquals(new double[]{0.1, 0.1}, b.scores(), 1e-12);
        // room left: the rows enter with the minibatch's score, max cos with the stored + 1 = 2 (same direction)
        b.observe(rows(new double[][]{{2, 0}, {3, 0}}, 0, 0), null, 0, rng);
        assertArrayEquals(new double[]{0.1, 0.1, 2, 2}, b.scores(), 1e-9);
        // full: a minibatch at an acute angle to the candidates (c >= 1) leaves the buffer unchanged
        b.observe(rows(new double[][]{{0, 1}, {0.2, 1}}, 1, 1), null, 1, rng);
        assertEquals(0, b.replaced());
        assertEquals(6, b.seen());
        assertEquals(4, b.countsPerClass().get(0));
    }

    @Test
    void anOpposedRowReplacesAStoredOneWithProbabilityScoreOverScorePlusItsOwn() {
        GssReplayBuffer b = buffer(3, 3);
        Random rng = new Random(2);
        b.observe(rows(new double[][]{{1, 0}, {1, 0}, {1, 0}}, 0, 0, 0), null, 0, rng);
        Serializable start = b.saveState();
        // a row at 120 degrees to every stored row: c = s = cos(120°) + 1 = 0.5 < 1; every stored score is 0.1,
        // so it replaces one with probability 0.1 / (0.1 + 0.5) = 1/6
        MultiDataSet opposed = rows(new double[][]{{-0.5, Math.sqrt(3) / 2}}, 1);
        int trials = 6000;
        int replaced = 0;
        for (int t = 0; t < trials; t++) {
            b.restoreState(start);
            b.observe(opposed, null, 1, rng);
            replaced += (int) b.replaced();
            if (b.replaced() == 1) {
                assertEquals(1, b.countsPerClass().get(1));
                double[] s = b.scores();
                assertEquals(1, java.util.Arrays.stream(s).filter(x -> Math.abs(x - 0.5) < 1e-6).count());
            }
        }
        double p = replaced / (double) trials;
        assertEquals(1.0 / 6, p, 0.02, "replacement frequency");
        // a row opposite to all (cos -1): its score is 0, so it always replaces a stored row
        b.restoreState(start);
        b.observe(rows(new double[][]{{-1, 0}}, 1), null, 1, rng);
        assertEquals(1, b.replaced());
        assertEquals(4, b.seen());
    }

    @Test
    void theStateRoundTripsAndShrinkingKeepsTheLowestScores() {
        GssReplayBuffer b = buffer(4, 2);
        Random rng = new Random(3);
        b.observe(rows(new double[][]{{1, 0}, {1, 0}}, 0, 0), null, 0, rng);
        b.observe(rows(new double[][]{{0, 1}, {-1, 0}}, 1, 1), null, 1, rng);
        double[] scores = b.scores();
        GssReplayBuffer copy = buffer(4, 2);
        copy.restoreState(b.saveState());
        assertArrayEquals(scores, copy.scores(), 0);
        assertEquals(b.seen(), copy.seen());
        assertEquals(b.countsPerClass(), copy.countsPerClass());
        // the two 0.1 rows, then the batch score of the second minibatch (max cos (−0.5, 0.5) with (1,0) + 1)
        double c = 1 - Math.sqrt(0.5);
        assertArrayEquals(new double[]{0.1, 0.1, c, c}, scores, 1e-6);
        copy.resize(2);
        assertArrayEquals(new double[]{0.1, 0.1}, copy.scores(), 1e-12);
        assertEquals(2, copy.countsPerClass().get(0));
        assertFalse(copy.countsPerClass().containsKey(1));
        GssReplayBuffer noSource = new GssReplayBuffer(4, 2, false);
        noSource.restoreState(b.saveState());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> noSource.observe(rows(new double[][]{{1, 1}}, 0), null, 0, rng));
        assertTrue(e.getMessage().contains("gradient source"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new GssReplayBuffer(10, 0, false));
        assertThrows(IllegalArgumentException.class, () -> b.restoreState(new ReservoirState()));
    }

    /** Not a buffer state. */
    static final class ReservoirState implements Serializable {
        private static final long serialVersionUID = 1L;
    }

    @Test
    void theConfigurationRoundTripsAndRefusesBadValues() {
        Gss g = new Gss.Builder().bufferSize(300).candidates(7).stepsPerBatch(3).replayBatch(12).build();
        PluginConfiguration back = ContinualJson.fromJson(ContinualJson.toJson(g), PluginConfiguration.class);
        assertEquals(g, back);
        assertEquals(7, ((Gss) back).getBuffer().getCandidates());
        assertEquals(3, ((Gss) back).getStepsPerBatch());
        assertEquals(BufferConfiguration.Type.GSS, ((Gss) back).getBuffer().getType());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Gss.Builder().candidates(0));
        assertTrue(e.getMessage().contains("candidates") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Gss.Builder().stepsPerBatch(-2));
        assertTrue(e.getMessage().contains("-2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Gss.Builder()
                .buffer(new BufferConfiguration.Builder().capacity(100).build()).build());
        assertTrue(e.getMessage().contains("reservoir"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BufferConfiguration.Builder()
                .type(BufferConfiguration.Type.GSS).selection(new io.github.dl4jcontinual.replay.selection
                        .RandomSelection()).build());
        assertTrue(e.getMessage().contains("GSS"), e.getMessage());
        // any strategy can use the GSS buffer
        ExperienceReplay er = new ExperienceReplay.Builder().buffer(new BufferConfiguration.Builder()
                .type(BufferConfiguration.Type.GSS).capacity(50).candidates(5).build()).stepsPerBatch(3).build();
        PluginConfiguration erBack = ContinualJson.fromJson(ContinualJson.toJson(er), PluginConfiguration.class);
        assertEquals(er, erBack);
        assertEquals(3, ((ExperienceReplay) erBack).getStepsPerBatch());
        assertEquals(1, new ExperienceReplay.Builder().build().getStepsPerBatch());
    }

    @Test
    void theRepeatedIteratorServesEachMinibatchInTurn() {
        List<DataSet> list = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            list.add(new DataSet(Nd4j.create(new double[][]{{i}}), Nd4j.create(new double[][]{{1}})));
        }
        DataSetIterator base = new ListDataSetIterator<>(list, 1);
        RepeatedBatchIterator it = new RepeatedBatchIterator(new MultiDataSetIteratorAdapter(base), 2);
        List<Double> seen = new ArrayList<>();
        List<Integer> reps = new ArrayList<>();
        MultiDataSet last = null;
        while (it.hasNext()) {
            MultiDataSet m = it.next();
            if (it.repetition() == 1) {
                assertSame(last, m);
            }
            last = m;
            seen.add(m.getFeatures(0).getDouble(0));
            reps.add(it.repetition());
        }
        assertEquals(List.of(0.0, 0.0, 1.0, 1.0, 2.0, 2.0), seen);
        assertEquals(List.of(0, 1, 0, 1, 0, 1), reps);
        it.reset();
        assertTrue(it.hasNext());
        assertEquals(0.0, it.next().getFeatures(0).getDouble(0));
        assertFalse(it.asyncSupported());
        assertThrows(IllegalArgumentException.class, () -> new RepeatedBatchIterator(it, 0));
    }

    @Test
    void gssRemembersSplitMnistWithTwoStepsPerMinibatch() {
        Scenario s = SharedData.splitMnist(300, 100);
        ContinualConfiguration.Builder conf = new ContinualConfiguration.Builder().batchSize(10).seed(1)
                .progress(false);
        ContinualResult naive = ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.05, 1), conf.build()).fit(s);
        ContinualResult gss = ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.05, 1), conf
                .plugin(new Gss.Builder().bufferSize(200).replayBatch(10).candidates(10).stepsPerBatch(2).build())
                .build()).fit(s);
        double n = naive.classIncremental().finalAverageAccuracy();
        double c = gss.classIncremental().finalAverageAccuracy();
        double replaced = gss.experiences().get(4).metrics().get("gss.replaced");
        System.out.printf("GSS %.4f (replaced %s), naive %.4f%n%s%n", c, replaced, n, gss.classIncremental());
        assertEquals(3000.0, gss.experiences().get(4).metrics().get("gss.seen"), "each row offered once");
        assertTrue(replaced > 0, "GSS replaced nothing");
        assertTrue(c > n + 0.2, "GSS class-IL " + c + " vs naive " + n);
    }
}
