package io.github.dl4jcontinual.eval;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.dataset.DataSet;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The class-IL confusion the trainer records after the last experience of a small real Split-MNIST run (1000
 * training and 400 test examples, MLP 784-32-32-10, evaluation minibatches of 64 so that both the joined and the
 * alone-scored path count) equals DL4J's {@link Evaluation} of the same network on the same test examples, and the
 * model summary's parameter counts are DL4J's {@code numParams()}.
 */
class ClassConfusionTest {
    private static DataSet test;
    private static Scenario scenario;
    private static MultiLayerNetwork net;
    private static ContinualResult result;

    @BeforeAll
    static void run() {
        test = SharedData.head(SharedData.mnistTest(), 400);
        scenario = new ClassIncrementalScenario.Builder()
                .train(SharedData.head(SharedData.mnistTrain(), 1000)).test(test)
                .numExperiences(5).name("split-mnist-tiny").build();
        net = Models.mlp(784, 32, 10, 0.05, 3);
        result = ContinualTrainer.wrap(net, new ContinualConfiguration.Builder().batchSize(32).seed(5)
                .evalBatchSize(64).progress(false).build()).fit(scenario);
    }

    private static long[][] dl4j(Evaluation e) {
        long[][] c = new long[10][10];
        for (int a = 0; a < 10; a++) {
            for (int p = 0; p < 10; p++) {
                c[a][p] = e.getConfusionMatrix().getCount(a, p);
            }
        }
        return c;
    }

    @Test
    void theLastRowsConfusionIsDl4jsEvaluation() {
        ClassConfusion c = result.confusion();
        assertEquals(4, c.after());
        assertEquals(10, c.numClasses());
        Evaluation e = new Evaluation(10);
        e.eval(test.getLabels(), net.output(test.getFeatures()));
        long[][] expected = dl4j(e);
        long[][] got = c.counts();
        for (int a = 0; a < 10; a++) {
            assertArrayEquals(expected[a], got[a], "actual class " + a);
        }
        long diagonal = 0;
        long correct = 0;
        for (int k = 0; k < 10; k++) {
            diagonal += c.count(k, k);
            correct += k < 5 ? result.classIncremental().correct(4, k) : 0;
            assertEquals(e.getConfusionMatrix().getActualTotal(k), c.actualTotal(k));
        }
        assertEquals(correct, diagonal, "the diagonal is the last row's correct count");
        assertEquals(400, java.util.Arrays.stream(got).flatMapToLong(java.util.Arrays::stream).sum());
        // naive class-IL forgets: the first experience's classes are mostly predicted as later ones
        assertTrue(c.accuracy(0) < c.accuracy(9), "class 0 " + c.accuracy(0) + ", class 9 " + c.accuracy(9));
        assertEquals(c, ContinualResult.fromJson(result.toJson()).confusion());
    }

    @Test
    void everyExperienceHasItsConfusionWhoseDiagonalIsThatRowsCorrectCount() {
        java.util.List<ClassConfusion> all = result.confusions();
        assertEquals(5, all.size());
        for (int k = 0; k < 5; k++) {
            ClassConfusion c = all.get(k);
            assertEquals(k, c.after());
            long diagonal = 0;
            long correct = 0;
            for (int j = 0; j < 10; j++) {
                diagonal += c.count(j, j);
            }
            for (int j = 0; j < result.classIncremental().columns(); j++) {
                correct += Math.max(0, result.classIncremental().correct(k, j));
            }
            assertEquals(correct, diagonal, "after experience " + k);
            // class-IL after experience k predicts only the classes seen so far
            for (int a = 0; a < 10; a++) {
                for (int p = 2 * (k + 1); p < 10; p++) {
                    assertEquals(0, c.count(a, p), "after " + k + ": class " + a + " predicted as unseen " + p);
                }
            }
        }
        assertEquals(result.confusion(), all.get(4));
        assertEquals(all, ContinualResult.fromJson(result.toJson()).confusions());
    }

    @Test
    void intransigenceIsTheCumulativeRunsDiagonalMinusThisRunsAndTravelsInTheJson() {
        ContinualResult cumulative = ContinualTrainer.wrap(Models.mlp(784, 32, 10, 0.05, 3),
                new ContinualConfiguration.Builder().batchSize(32).seed(5).progress(false)
                        .plugin(new io.github.dl4jcontinual.plugin.impl.CumulativeTraining()).build()).fit(scenario);
        ContinualResult r = result.withIntransigence(cumulative);
        double[] ic = r.intransigence(ContinualResult.CLASS_IL);
        double[] it = r.intransigence(ContinualResult.TASK_IL);
        for (int k = 0; k < 5; k++) {
            assertEquals(cumulative.classIncremental().get(k, k) - result.classIncremental().get(k, k), ic[k], 1e-12);
            assertEquals(cumulative.taskIncremental().get(k, k) - result.taskIncremental().get(k, k), it[k], 1e-12);
        }
        // the first experience is learned alike (same network, seed and data); later ones by different models
        assertEquals(0, ic[0], 1e-12);
        assertTrue(r.intransigenceReference().startsWith("cumulative"), r.intransigenceReference());
        ContinualResult back = ContinualResult.fromJson(r.toJson());
        assertArrayEquals(ic, back.intransigence(ContinualResult.CLASS_IL), 0);
        assertEquals(r.intransigenceReference(), back.intransigenceReference());
        assertNull(result.intransigence(ContinualResult.CLASS_IL));
        ContinualResult other = ContinualTrainer.wrap(Models.mlp(784, 32, 10, 0.05, 3),
                new ContinualConfiguration.Builder().batchSize(32).seed(5).progress(false).build())
                .fit(new ClassIncrementalScenario.Builder().train(SharedData.head(SharedData.mnistTrain(), 500))
                        .test(test).numExperiences(5).name("another").build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> result.withIntransigence(other));
        assertTrue(e.getMessage().contains("another"), e.getMessage());
    }

    @Test
    void bothScoringPathsCountWhatEvaluationCounts() {
        List<Experience> stream = new ArrayList<>();
        scenario.testStream().forEach(stream::add);
        ContinualModel m = ContinualModel.of(net);
        int[] all = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        Evaluation e = new Evaluation(10);
        e.eval(test.getLabels(), net.output(test.getFeatures()));
        for (boolean rowWise : new boolean[]{false, true}) {
            for (int batch : new int[]{30, 1000}) {
                long[][] c = new long[10][10];
                AccuracyMetric.evaluate(m::classScores, 10, stream, 10, all, batch, rowWise, c);
                assertArrayEquals(dl4j(e), c, "rowWise " + rowWise + ", batch " + batch);
            }
        }
        // masked to classes 0..3: the experiences with other classes are undefined and not counted
        long[][] c = new long[10][10];
        AccuracyMetric.evaluate(m::classScores, 10, stream, 10, new int[]{0, 1, 2, 3}, 1000, true, c);
        for (int a = 4; a < 10; a++) {
            assertEquals(0, java.util.Arrays.stream(c[a]).sum(), "class " + a);
        }
        for (int a = 0; a < 4; a++) {
            assertEquals(0, c[a][4] + c[a][5] + c[a][6] + c[a][7] + c[a][8] + c[a][9], "only allowed predictions");
        }
    }

    @Test
    void theModelSummaryCountsWhatDl4jCounts() {
        ModelSummary s = result.modelSummary();
        assertEquals(net.numParams(), s.totalParams());
        assertEquals(3, s.layers().size());
        assertEquals(784, s.layers().get(0).nIn());
        assertEquals(32, s.layers().get(0).nOut());
        assertEquals("DenseLayer", s.layers().get(0).type());
        assertEquals("OutputLayer", s.layers().get(2).type());
        for (int i = 0; i < 3; i++) {
            assertEquals(net.getLayer(i).numParams(), s.layers().get(i).params(), "layer " + i);
        }
        assertEquals(net.summary(), s.text());
        assertEquals(s, ContinualModel.of(net).summary());

        ComputationGraph g = Models.mlpGraph(784, 48, 10, 0.05, 1);
        ModelSummary gs = ContinualModel.of(g).summary();
        assertEquals(g.numParams(), gs.totalParams());
        assertEquals(List.of("h1", "h2", "out"), gs.layers().stream().map(ModelSummary.LayerSummary::name)
                .collect(java.util.stream.Collectors.toList()));
        assertEquals(g.numParams(), gs.layers().stream().mapToLong(ModelSummary.LayerSummary::params).sum());
        assertEquals(784L * 48 + 48, gs.layers().get(0).params());
        assertEquals("W[784, 48] b[48]", gs.layers().get(0).shape());
        assertEquals(g.summary(), gs.text());
    }
}
