package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.CumulativeTraining;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Trainer mechanics on a real MNIST subset (6000 train / 2000 test images, 5 experiences of 2 classes). */
class ContinualTrainerTest {
    private static Scenario scenario;

    @BeforeAll
    static void load() {
        scenario = new ClassIncrementalScenario.Builder()
                .train(SharedData.head(SharedData.mnistTrain(), 6000)).test(SharedData.head(SharedData.mnistTest(), 2000))
                .numExperiences(5).name("split-mnist-6k").build();
    }


    static ContinualConfiguration.Builder conf() {
        return new ContinualConfiguration.Builder().batchSize(10).seed(5).progress(false);
    }

    @Test
    void sameSeedGivesTheIdenticalAccuracyMatrixTwice() {
        ContinualResult a = ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.03, 3), conf().build()).fit(scenario);
        ContinualResult b = ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.03, 3), conf().build()).fit(scenario);
        assertEquals(a.classIncremental(), b.classIncremental());
        assertEquals(a.taskIncremental(), b.taskIncremental());
        ContinualResult c = ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.03, 3), conf().seed(6).build())
                .fit(scenario);
        assertTrue(!a.taskIncremental().equals(c.taskIncremental()), "another shuffling seed changes the run");
    }

    /** @return every example of an experience, in its unshuffled order (a small test experience) */
    static DataSet read(Experience e) {
        return Batches.toDataSet(e.iterator(e.numExamples(), false, 0).next());
    }

    @Test
    void expandingHeadKeepsOldPredictionsUntilTrainingResumes() {
        MultiLayerNetwork net = Models.mlp(784, 100, 2, 0.03, 3);
        ContinualModel model = ContinualModel.of(net);
        Experience first = scenario.trainStream().get(0);
        DataSet d0 = read(first);
        DataSet sliced = new DataSet(d0.getFeatures(), d0.getLabels().get(NDArrayIndex.all(),
                NDArrayIndex.interval(0, 2)).dup());
        net.fit(sliced);
        INDArray[] x = {read(scenario.testStream().get(0)).getFeatures()};
        INDArray before = model.output(x, null)[0];
        model.growHead(4);
        assertNotSame(net, model.network());
        assertEquals(4, model.headSize());
        INDArray after = model.output(x, null)[0];
        INDArray oldCols = after.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2));
        INDArray renorm = oldCols.divColumnVector(oldCols.sum(1));
        assertTrue(renorm.equalsWithEps(before, 1e-5), "softmax restricted to old classes is unchanged");
        assertArrayEquals(before.argMax(1).toIntVector(), oldCols.argMax(1).toIntVector());
        INDArray w = model.headParams().get("W");
        assertTrue(w.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 4)).norm2Number().doubleValue() > 0,
                "new units are initialised, not zero");
    }

    @Test
    void expandingHeadGrowsABiasFreeOutputLayerKeepingItsColumns() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(20).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(20).nOut(2).hasBias(false)
                        .activation(Activation.SOFTMAX).build()).build());
        net.init();
        ContinualModel model = ContinualModel.of(net);
        INDArray w = model.headParams().get("W").dup();
        model.growHead(5);
        assertEquals(Set.of("W"), model.headParams().keySet());
        INDArray grown = model.headParams().get("W");
        assertArrayEquals(new long[]{20, 5}, grown.shape());
        assertEquals(w, grown.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)));
        MultiLayerNetwork lossOnly = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(3).build())
                .layer(new LossLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX).build())
                .build());
        lossOnly.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContinualModel.of(lossOnly).growHead(4));
        assertTrue(e.getMessage().contains("weight parameter W"), e.getMessage());
    }

    @Test
    void expandingHeadRunsThroughTheStream() {
        ContinualResult r = ContinualTrainer.wrap(Models.mlp(784, 100, 2, 0.03, 3),
                conf().headPolicy(HeadPolicy.EXPANDING).build()).fit(scenario);
        assertTrue(r.taskIncremental().finalAverageAccuracy() > 0.8);
        assertTrue(Double.isNaN(r.taskIncremental().get(0, 3)), "no outputs yet for experience 3's classes");
        assertTrue(r.classIncremental().get(4, 4) > 0.9);
    }

    @Test
    void userListenersStillFireAndPluginsRunInRegistrationOrder() {
        MultiLayerNetwork net = Models.mlp(784, 100, 10, 0.03, 3);
        AtomicInteger iterations = new AtomicInteger();
        net.setListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                iterations.incrementAndGet();
            }
        });
        List<String> calls = Recording.CALLS;
        calls.clear();
        java.io.ByteArrayOutputStream progress = new java.io.ByteArrayOutputStream();
        ContinualResult r = ContinualTrainer.wrap(net, conf().progress(true).plugins(new Recording("a"),
                new Recording("b")).build()).setProgressStream(new java.io.PrintStream(progress, true)).fit(scenario);
        String lines = progress.toString();
        for (int i = 1; i <= 5; i++) {
            assertTrue(lines.contains("experience " + i + "/5 | epoch 1/1"), lines);
        }
        assertTrue(lines.contains("samples/s") && lines.contains("done"), lines);
        // after each experience: the running averages (the result's A_i) and the stream's ETA
        for (int i = 1; i <= 5; i++) {
            String a = String.format(java.util.Locale.ROOT, "after experience %d/5: class-IL %.2f %%, task-IL %.2f %% "
                    + "(mean over the %d seen) | stream ", i, 100 * r.classIncremental().averageAccuracy(i - 1),
                    100 * r.taskIncremental().averageAccuracy(i - 1), i);
            assertTrue(lines.contains(a), a + " in " + lines);
        }
        assertTrue(lines.contains(", ETA "), lines);
        assertFalse(lines.substring(lines.indexOf("after experience 5/5")).contains("ETA"), "no ETA after the last");
        int minibatches = 0;
        for (Experience e : scenario.trainStream()) {
            minibatches += (e.numExamples() + 9) / 10;
        }
        assertEquals(minibatches, iterations.get(), "one iteration per minibatch of 10, last ones partial");
        assertEquals(1, net.getListeners().size(), "the user's listeners are restored after each experience");
        assertEquals(List.of("a:start", "b:start", "a:before0", "b:before0", "a:adapt0", "b:adapt0", "a:listeners0",
                "b:listeners0", "a:after0", "b:after0"), calls.subList(0, 10));
        assertEquals("a+b", r.strategy());
        for (ExperienceResult e : r.experiences()) {
            assertEquals((e.examplesSeen() + 9) / 10, e.iterations(), "one update per minibatch of 10");
            assertTrue(e.examplesSeen() > 1000 && e.examplesSeen() < 1400, "examples " + e.examplesSeen());
        }
    }

    @Test
    void cumulativeTrainsOnEverythingSeenSoFar() {
        ContinualResult r = ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.03, 3),
                conf().plugin(new CumulativeTraining()).build()).fit(scenario);
        long seen = 0;
        for (int i = 0; i < 5; i++) {
            seen += scenario.trainStream().get(i).numExamples();
            assertEquals(seen, r.experiences().get(i).examplesSeen());
        }
        assertTrue(r.classIncremental().averageForgetting() < 0.2, "cumulative barely forgets");
    }

    @Test
    void labelWidthDifferentFromTheOutputSizeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(Models.mlp(784, 100, 5, 0.03, 3), conf().build()).fit(scenario));
        assertTrue(e.getMessage().contains("have 10 columns") && e.getMessage().contains("output size 5")
                        && e.getMessage().contains("nOut = 10"),
                e.getMessage());
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(Models.mlp(784, 100, 6, 0.03, 3),
                        conf().headPolicy(HeadPolicy.EXPANDING).build()).fit(scenario));
        assertTrue(g.getMessage().contains("output size 6"), g.getMessage());
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(Models.mlp(100, 100, 10, 0.03, 3), conf().build()).fit(scenario));
        assertTrue(f.getMessage().contains("784 features") && f.getMessage().contains("nIn = 100"), f.getMessage());
    }

    @Test
    void configurationRoundTripsThroughJson() {
        ContinualConfiguration c = conf().epochsPerExperience(3).headPolicy(HeadPolicy.EXPANDING)
                .plugins(new JointTraining(), new CumulativeTraining()).build();
        String json = c.toJson();
        assertTrue(json.contains("\"@class\" : \"io.github.dl4jcontinual.plugin.impl.JointTraining\""), json);
        ContinualConfiguration back = ContinualConfiguration.fromJson(json);
        assertEquals(c, back);
        assertEquals(c.hashCode(), back.hashCode());
        assertEquals(3, back.getEpochsPerExperience());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContinualConfiguration.fromJson("{\"batchSiz\": 3}"));
        assertTrue(e.getMessage().contains("batchSiz"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> conf().batchSize(0));
        assertThrows(IllegalStateException.class,
                () -> conf().headPolicy(HeadPolicy.EXPANDING).maskUnseenClasses(false).build());
    }

    @Test
    void resultRoundTripsThroughJsonWithItsMatrices() {
        ContinualResult r = ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.03, 3),
                conf().plugin(new JointTraining()).build()).fit(scenario);
        ContinualResult back = ContinualResult.fromJson(r.toJson());
        assertEquals(r.classIncremental(), back.classIncremental());
        assertEquals(r.taskIncremental(), back.taskIncremental());
        assertEquals(r.configuration(), back.configuration());
        AccuracyMatrix m = back.classIncremental();
        assertEquals(r.classIncremental().forwardTransfer(), m.forwardTransfer(), 0.0);
        assertTrue(Double.isNaN(m.get(0, 1)), "masked class-IL is undefined on unseen classes");
        assertEquals(r.summaryCsv(), back.summaryCsv());
    }

    @Test
    void pluginFiguresReachTheExperienceResultsAndTheirJson() {
        ContinualResult r = ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.03, 3), conf().plugin(
                new io.github.dl4jcontinual.regularization.RegularizationConfiguration.Builder(
                        io.github.dl4jcontinual.regularization.RegularizationMethod.EWC).lambda(10).build())
                .plugin(new io.github.dl4jcontinual.distillation.LwfConfiguration.Builder().build()).build())
                .fit(scenario);
        java.util.Map<String, Double> first = r.experiences().get(0).metrics();
        java.util.Map<String, Double> later = r.experiences().get(3).metrics();
        assertEquals(0.0, first.get("ewc.penalty_mean"), "no penalty before an importance exists");
        assertEquals(0.0, first.get("lwf.distillation_mean"), "no teacher on the first experience");
        assertTrue(later.get("ewc.penalty_mean") > 0, later.toString());
        assertTrue(later.get("lwf.distillation_mean") > 0, later.toString());
        assertTrue(later.get("ewc.importance_max") > 0, later.toString());
        assertEquals(later, ContinualResult.fromJson(r.toJson()).experiences().get(3).metrics());
    }

    @Test
    void divergingTrainingStopsWithTheExperienceAndTheScore() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ContinualTrainer
                .wrap(Models.mlp(784, 100, 10, 1e30, 3), conf().build()).fit(scenario));
        assertTrue(e.getMessage().contains("diverged on experience 0") && e.getMessage().contains("NaN"),
                e.getMessage());
    }

    @Test
    void graphWithTwoOutputsIsRejected() {
        ComputationGraph g = new ComputationGraph(new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder()
                .graphBuilder().addInputs("in")
                .addLayer("a", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(4).nOut(2)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "in")
                .addLayer("b", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(4).nOut(2)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build(), "in")
                .setOutputs("a", "b").build());
        g.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(g, conf().build()));
        assertTrue(e.getMessage().contains("outputs [a, b]"), e.getMessage());
        MultiLayerNetwork uninitialised = new MultiLayerNetwork(Models.mlp(4, 3, 2, 0.1, 1)
                .getLayerWiseConfigurations());
        IllegalArgumentException u = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(uninitialised, conf().build()));
        assertTrue(u.getMessage().contains("net.init()"), u.getMessage());
    }

    /** Records hook calls (JSON-serialisable like every plugin configuration). */
    static final class Recording extends io.github.dl4jcontinual.serde.JsonConfiguration implements PluginConfiguration {
        static final List<String> CALLS = new ArrayList<>();
        private static final long serialVersionUID = 1L;
        private String name;

        private Recording() {
        }

        Recording(String name) {
            this.name = name;
        }

        @Override
        public ContinualPlugin instantiate() {
            return new ContinualPlugin() {
                @Override
                public void onStreamStart(ContinualContext ctx) {
                    CALLS.add(name + ":start");
                }

                @Override
                public void beforeExperience(ContinualContext ctx, Experience e) {
                    CALLS.add(name + ":before" + e.index());
                }

                @Override
                public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience e,
                                                              MultiDataSetIterator data) {
                    CALLS.add(name + ":adapt" + e.index());
                    return data;
                }

                @Override
                public List<TrainingListener> listeners(ContinualContext ctx, Experience e) {
                    CALLS.add(name + ":listeners" + e.index());
                    return List.of();
                }

                @Override
                public void afterExperience(ContinualContext ctx, Experience e) {
                    CALLS.add(name + ":after" + e.index());
                }
            };
        }

        @Override
        public String name() {
            return name;
        }
    }
}
