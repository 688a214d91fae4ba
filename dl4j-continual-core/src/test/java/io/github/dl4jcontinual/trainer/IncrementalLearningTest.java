package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.ExampleSource;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.CumulativeTraining;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SyntheticData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A trainer used one experience at a time in one JVM — {@code evaluate} (the baseline), then {@code learn} and
 * {@code evaluate} for each experience — computes exactly what {@code fit} computes, also with a
 * {@code save}/{@code load} between every call; what does not fit the run is refused with a message. Synthetic
 * data: 6 Gaussian classes in 3 experiences; an Adam MLP with dropout, so that the updater state and ND4J's
 * generator must carry over.
 */
class IncrementalLearningTest {

    static Scenario scenario() {
        return new ClassIncrementalScenario.Builder().train(SyntheticData.blobs(6, 40, 8, 1, 2))
                .test(SyntheticData.blobs(6, 15, 8, 1, 3)).numExperiences(3).name("blobs-6").build();
    }

    static MultiLayerNetwork net(int nOut) {
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4)
                .updater(new Adam(5e-2)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(8).nOut(16).activation(Activation.RELU).dropOut(0.8).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(16).nOut(nOut)
                        .activation(Activation.SOFTMAX).build())
                .build());
        n.init();
        return n;
    }

    static ContinualConfiguration conf(HeadPolicy head, PluginConfiguration... plugins) {
        return new ContinualConfiguration.Builder().batchSize(16).epochsPerExperience(2).seed(7).progress(false)
                .headPolicy(head).plugins(plugins).build();
    }

    static List<Experience> test(Scenario s) {
        List<Experience> t = new ArrayList<>();
        s.testStream().forEach(t::add);
        return t;
    }

    /** A configuration and the width of the network it starts from. */
    static final class Case {
        final String name;
        final ContinualConfiguration conf;
        final int nOut;

        Case(String name, ContinualConfiguration conf, int nOut) {
            this.name = name;
            this.conf = conf;
            this.nOut = nOut;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Case> cases() {
        return Stream.of(new Case("naive", conf(HeadPolicy.FIXED), 6),
                new Case("ewc+replay", conf(HeadPolicy.FIXED,
                        new RegularizationConfiguration.Builder(RegularizationMethod.EWC).lambda(20).build(),
                        new ExperienceReplay.Builder().bufferSize(30).replayBatch(8).build()), 6),
                new Case("expanding+ewc", conf(HeadPolicy.EXPANDING,
                        new RegularizationConfiguration.Builder(RegularizationMethod.EWC).lambda(20).build()), 2));
    }

    /** Every matrix, every experience's counts and metrics (timings aside) and the parameters, to the bit. */
    static void assertSameRun(ContinualResult expected, INDArray expectedParams, ContinualResult actual,
                              INDArray actualParams) {
        assertEquals(expected.matrixNames(), actual.matrixNames());
        for (String name : expected.matrixNames()) {
            AccuracyMatrix a = expected.matrix(name);
            AccuracyMatrix b = actual.matrix(name);
            assertEquals(a.rows(), b.rows(), name + " rows");
            assertEquals(a.columns(), b.columns(), name + " columns");
            for (int j = 0; j < a.columns(); j++) {
                assertEquals(Double.doubleToLongBits(a.baseline(j)), Double.doubleToLongBits(b.baseline(j)),
                        name + " baseline " + j);
                for (int i = 0; i < a.rows(); i++) {
                    assertEquals(Double.doubleToLongBits(a.get(i, j)), Double.doubleToLongBits(b.get(i, j)),
                            name + " R[" + i + "][" + j + "]: " + a.get(i, j) + " vs " + b.get(i, j));
                }
            }
        }
        assertEquals(expected.experiences().size(), actual.experiences().size());
        for (int e = 0; e < expected.experiences().size(); e++) {
            ExperienceResult x = expected.experiences().get(e);
            ExperienceResult y = actual.experiences().get(e);
            assertEquals(x.experience(), y.experience());
            assertArrayEquals(x.classes(), y.classes());
            assertEquals(x.examplesSeen(), y.examplesSeen(), "examples of experience " + e);
            assertEquals(x.iterations(), y.iterations(), "iterations of experience " + e);
            assertEquals(x.epochs(), y.epochs());
            assertEquals(Double.doubleToLongBits(x.lastScore()), Double.doubleToLongBits(y.lastScore()));
            assertEquals(untimed(x.metrics()), untimed(y.metrics()), "metrics of experience " + e);
        }
        assertEquals(expectedParams, actualParams, "final parameters");
    }

    private static Map<String, Double> untimed(Map<String, Double> m) {
        Map<String, Double> r = new TreeMap<>(m);
        r.keySet().removeIf(k -> k.endsWith("_ms"));
        return r;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void learningOneExperienceAtATimeEqualsFit(Case c) {
        Scenario s = scenario();
        ContinualTrainer<MultiLayerNetwork> whole = ContinualTrainer.wrap(net(c.nOut), c.conf);
        ContinualResult expected = whole.fit(s);
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net(c.nOut), c.conf);
        List<Experience> test = test(s);
        t.evaluate(test);
        for (Experience e : s.trainStream()) {
            t.learn(e);
            t.evaluate(test);
        }
        ContinualResult actual = t.finish();
        assertSameRun(expected, whole.getModel().params(), actual, t.getModel().params());
        assertEquals(3, actual.classIncremental().rows());
        assertTrue(actual.classIncremental().get(2, 2) > 0.5, actual.classIncremental().toString());
    }

    @ParameterizedTest
    @MethodSource("cases")
    void saveAndLoadBetweenEveryCallEqualsFit(Case c, @TempDir Path dir) {
        Scenario s = scenario();
        ContinualTrainer<MultiLayerNetwork> whole = ContinualTrainer.wrap(net(c.nOut), c.conf);
        ContinualResult expected = whole.fit(s);
        List<Experience> test = test(s);
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net(c.nOut), c.conf);
        t.evaluate(test);
        Path file = t.save(dir.resolve("baseline.zip"));
        for (int i = 0; i < s.trainStream().size(); i++) {
            // as in a fresh JVM: ND4J's generator is elsewhere than where the last process left it
            Nd4j.getRandom().setSeed(1000 + i);
            t = ContinualTrainer.load(file, c.conf, MultiLayerNetwork.class);
            if (i == 1) {
                // a loaded trainer saved again as it is: the same checkpoint
                file = t.save(dir.resolve("again-" + i + ".zip"));
                Nd4j.getRandom().setSeed(2000 + i);
                t = ContinualTrainer.load(file, c.conf, MultiLayerNetwork.class);
            }
            t.learn(s.trainStream().get(i));
            file = t.save(dir.resolve("learned-" + i + ".zip"));
            t = ContinualTrainer.load(file, c.conf, MultiLayerNetwork.class);
            t.evaluate(test);
            file = t.save(dir.resolve("evaluated-" + i + ".zip"));
        }
        t = ContinualTrainer.load(file, c.conf, MultiLayerNetwork.class);
        ContinualResult actual = t.finish();
        assertSameRun(expected, whole.getModel().params(), actual, t.getModel().params());
    }

    @Test
    void aFitCheckpointContinuesOneExperienceAtATime(@TempDir Path dir) {
        Scenario s = scenario();
        ContinualConfiguration conf = cases().skip(1).findFirst().orElseThrow().conf;
        ContinualTrainer<MultiLayerNetwork> whole = ContinualTrainer.wrap(net(6), conf).setCheckpointDirectory(dir);
        List<Integer> ended = new ArrayList<>();
        whole.addListener(new ContinualListener() {
            @Override
            public void onExperienceEnd(ExperienceResult r, AccuracyMatrix c, AccuracyMatrix t) {
                ended.add(r.experience());
                assertTrue(Files.isRegularFile(dir.resolve(CheckpointFile.fileName(r.experience() + 1))),
                        "the checkpoint of experience " + r.experience() + " is written before the listener hears");
                whole.save(dir.resolve("own-" + r.experience() + ".zip"));
            }
        });
        ContinualResult expected = whole.fit(s);
        assertEquals(List.of(0, 1, 2), ended, "onExperienceEnd after every experience of fit");
        for (int k = 1; k <= 3; k++) {
            assertTrue(Files.isRegularFile(dir.resolve(CheckpointFile.fileName(k))), "checkpoint " + k);
        }
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.load(dir.resolve(CheckpointFile.fileName(1)), conf,
                MultiLayerNetwork.class);
        for (int i = 1; i < 3; i++) {
            t.learn(s.trainStream().get(i));
            t.evaluate(test(s));
        }
        assertSameRun(expected, whole.getModel().params(), t.finish(), t.getModel().params());
        // the listener's own checkpoint after experience 1 resumes fit as well
        ContinualTrainer<MultiLayerNetwork> r = ContinualTrainer.load(dir.resolve("own-1.zip"), conf,
                MultiLayerNetwork.class);
        assertSameRun(expected, whole.getModel().params(), r.fit(s), r.getModel().params());
    }

    @Test
    void fitGoesOnFromCallsMadeOneAtATimeAndEvaluatesAnExperienceLearnedWithoutEvaluation(@TempDir Path dir) {
        Scenario s = scenario();
        ContinualConfiguration conf = conf(HeadPolicy.FIXED);
        ContinualTrainer<MultiLayerNetwork> whole = ContinualTrainer.wrap(net(6), conf);
        ContinualResult expected = whole.fit(s);
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net(6), conf).setCheckpointDirectory(dir);
        List<Integer> ended = new ArrayList<>();
        t.addListener(new ContinualListener() {
            @Override
            public void onExperienceEnd(ExperienceResult r, AccuracyMatrix c, AccuracyMatrix k) {
                ended.add(r.experience());
            }
        });
        t.evaluate(test(s));
        t.learn(s.trainStream().get(0));
        ContinualResult r = t.fit(s);
        assertSameRun(expected, whole.getModel().params(), r, t.getModel().params());
        assertEquals(List.of(0, 1, 2), ended, "experience 0 is evaluated (once) when fit takes over");
        for (int k = 1; k <= 3; k++) {
            assertTrue(Files.isRegularFile(dir.resolve(CheckpointFile.fileName(k))), "checkpoint " + k);
        }
    }

    @Test
    void whatDoesNotFitTheRunIsRefusedAndLeavesTheTrainerUsable() {
        Scenario s = scenario();
        List<Experience> test = test(s);
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net(6), conf(HeadPolicy.FIXED));
        t.evaluate(test);
        IllegalStateException twice = assertThrows(IllegalStateException.class, () -> t.evaluate(test));
        assertTrue(twice.getMessage().contains("baseline has been evaluated already"), twice.getMessage());
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                () -> t.learn(s.trainStream().get(2)));
        assertTrue(order.getMessage().contains("Experience 2 cannot be learned now")
                && order.getMessage().contains("next one is experience 0"), order.getMessage());
        t.learn(s.trainStream().get(0));
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> t.evaluate(test.subList(0, 2)));
        assertTrue(other.getMessage().contains("differs from the one evaluated before"), other.getMessage());
        t.evaluate(test);
        IllegalStateException again = assertThrows(IllegalStateException.class, () -> t.evaluate(test));
        assertTrue(again.getMessage().contains("already evaluated after experience 0"), again.getMessage());
        IllegalArgumentException third = assertThrows(IllegalArgumentException.class,
                () -> t.learn(s.trainStream().get(2)));
        assertTrue(third.getMessage().contains("next one is experience 1"), third.getMessage());
        // labels of another width
        DataSet four = SyntheticData.blobs(4, 10, 8, 1, 5);
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> t.learn(Experience.of(ExampleSource.of(four), 0)));
        assertTrue(width.getMessage().contains("4 classes") && width.getMessage().contains("6"), width.getMessage());
        IllegalArgumentException testWidth = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(net(6), conf(HeadPolicy.FIXED)).evaluate(
                        List.of(Experience.of("test", ExampleSource.of(four), 0))));
        assertTrue(testWidth.getMessage().contains("4") && testWidth.getMessage().contains("output size 6"),
                testWidth.getMessage());
        // none of the refusals changed the run: it goes on as fit would
        t.learn(s.trainStream().get(1));
        t.evaluate(test);
        t.learn(s.trainStream().get(2));
        t.evaluate(test);
        ContinualTrainer<MultiLayerNetwork> whole = ContinualTrainer.wrap(net(6), conf(HeadPolicy.FIXED));
        assertSameRun(whole.fit(s), whole.getModel().params(), t.finish(), t.getModel().params());
        IllegalStateException done = assertThrows(IllegalStateException.class, () -> t.learn(s.trainStream()
                .get(0)));
        assertTrue(done.getMessage().contains("finished"), done.getMessage());
        assertThrows(IllegalStateException.class, () -> whole.fit(s), "fit after a completed fit");
    }

    @Test
    void anExpandingHeadWiderThanTheFirstClassesIsRefusedBeforeAnythingChanges() {
        Scenario s = scenario();
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net(3), conf(HeadPolicy.EXPANDING));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.learn(s.trainStream()
                .get(0)));
        assertTrue(e.getMessage().contains("output size 3") && e.getMessage().contains("2 classes"), e.getMessage());
        IllegalArgumentException again = assertThrows(IllegalArgumentException.class, () -> t.learn(s.trainStream()
                .get(0)));
        assertEquals(e.getMessage(), again.getMessage(), "still at experience 0, nothing learned");
    }

    /** The examples of some classes, labels over all 6 (raw class ids, no relabelling). */
    static DataSet classes(DataSet all, int... keep) {
        int[] ids = DataSets.classIds(all.getLabels());
        int[] rows = IntStream.range(0, ids.length).filter(i -> IntStream.of(keep).anyMatch(c -> c == ids[i]))
                .toArray();
        return new DataSet(io.github.dl4jcontinual.data.Batches.rows(all.getFeatures(), rows),
                io.github.dl4jcontinual.data.Batches.rows(all.getLabels(), rows));
    }

    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(HeadPolicy.class)
    void standaloneExperiencesKeepTheirRawClassIdsAndTakeTheNextPosition(HeadPolicy head) {
        DataSet train = SyntheticData.blobs(6, 40, 8, 1, 2);
        DataSet testAll = SyntheticData.blobs(6, 15, 8, 1, 3);
        Experience first = Experience.of(ExampleSource.of(classes(train, 3, 4)), 0);
        Experience second = Experience.of(ExampleSource.of(classes(train, 0, 1)), 0);
        assertEquals(-1, first.index());
        assertEquals(List.of(3, 4), first.classes());
        assertEquals(6, first.numClasses());
        List<Experience> test = List.of(Experience.of("test", ExampleSource.of(classes(testAll, 3, 4)), 0),
                Experience.of("test", ExampleSource.of(classes(testAll, 0, 1)), 0));
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net(head == HeadPolicy.FIXED ? 6 : 2),
                conf(head, new CumulativeTraining()));
        t.evaluate(test);
        ExperienceResult r0 = t.learn(first);
        assertEquals(0, r0.experience());
        assertArrayEquals(new int[]{3, 4}, r0.classes());
        assertEquals(head == HeadPolicy.FIXED ? 6 : 5, t.continualModel().headSize(),
                "an expanding head grows to the largest raw class id seen + 1");
        ContinualResult after0 = t.evaluate(test);
        assertTrue(after0.classIncremental().get(0, 0) > 0.8, after0.classIncremental().toString());
        assertTrue(Double.isNaN(after0.classIncremental().get(0, 1)), "classes 0 and 1 are not seen yet");
        ExperienceResult r1 = t.learn(second);
        assertEquals(1, r1.experience());
        assertEquals(2 * (80 + 80), r1.examplesSeen(), "cumulative: both experiences, 2 epochs");
        ContinualResult r = t.evaluate(test);
        assertEquals(head == HeadPolicy.FIXED ? 6 : 5, t.continualModel().headSize());
        assertTrue(r.classIncremental().get(1, 1) > 0.8, r.classIncremental().toString());
        assertTrue(r.taskIncremental().get(1, 0) > 0.8, r.taskIncremental().toString());
        assertEquals("experiences", r.scenario());
    }

    @Test
    void jointTrainingNeedsTheStreamLengthAndCumulativeNeedsItsExperiencesAfterALoad(@TempDir Path dir) {
        Scenario s = scenario();
        ContinualTrainer<MultiLayerNetwork> joint = ContinualTrainer.wrap(net(6), conf(HeadPolicy.FIXED,
                new JointTraining()));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> joint.learn(s.trainStream().get(0)));
        assertTrue(e.getMessage().contains("JointTraining") && e.getMessage().contains("fit(scenario)"),
                e.getMessage());
        IllegalStateException again = assertThrows(IllegalStateException.class,
                () -> joint.learn(s.trainStream().get(0)));
        assertEquals(e.getMessage(), again.getMessage(), "a refused start leaves no half-started run");

        ContinualConfiguration cumulative = conf(HeadPolicy.FIXED, new CumulativeTraining());
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net(6), cumulative);
        t.learn(s.trainStream().get(0));
        Path f = t.save(dir.resolve("one.zip"));
        ContinualTrainer<MultiLayerNetwork> other = ContinualTrainer.load(f, cumulative, MultiLayerNetwork.class);
        IllegalStateException lost = assertThrows(IllegalStateException.class,
                () -> other.learn(s.trainStream().get(1)));
        assertTrue(lost.getMessage().contains("Training experience 0") && lost.getMessage().contains("fit(scenario)"),
                lost.getMessage());
    }
}
