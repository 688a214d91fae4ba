package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.eval.MetricRow;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.ExperienceTraining;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.StreamMetric;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.learning.config.Sgd;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order and effect of the {@link ContinualPlugin} hooks on synthetic data (4 Gaussian classes, 2 experiences
 * of 2 classes, 30 training examples per class): every hook in its documented place, a plugin's training step
 * (its epochs, epoch events, one call per minibatch, DL4J listeners still firing), stream metrics landing as named
 * matrices, and a network replaced in {@code adaptModel}.
 */
class PluginHooksTest {
    /** Hook calls of every plugin made in a test, in order (tests run one at a time in this class). */
    static final List<String> CALLS = new ArrayList<>();
    /** Per-plugin behaviour of a test, by plugin name (plugin configurations stay JSON-serialisable). */
    static final Map<String, Behaviour> BEHAVIOUR = new HashMap<>();

    static Scenario scenario() {
        return new ClassIncrementalScenario.Builder().train(SyntheticData.blobs(4, 30, 5, 1, 2))
                .test(SyntheticData.blobs(4, 10, 5, 1, 3)).numExperiences(2).name("blobs").build();
    }

    static ContinualConfiguration.Builder conf(PluginConfiguration... plugins) {
        return new ContinualConfiguration.Builder().batchSize(16).seed(3).progress(false).plugins(plugins);
    }

    /** What a recording plugin does besides recording; every member may be null. */
    static final class Behaviour {
        java.util.function.BiFunction<ContinualContext, Experience, ExperienceTraining> step;
        java.util.function.Function<ContinualContext, List<StreamMetric>> metrics;
        java.util.function.BiConsumer<ContinualContext, Experience> adaptModel;
        List<TrainingListener> listeners = List.of();
    }

    /** A plugin that records every hook call as "name:hook[experience]". */
    static final class Recorder extends io.github.dl4jcontinual.serde.JsonConfiguration implements PluginConfiguration {
        private static final long serialVersionUID = 1L;
        private String name;

        private Recorder() {
        }

        Recorder(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public ContinualPlugin instantiate() {
            Behaviour b = BEHAVIOUR.getOrDefault(name, new Behaviour());
            return new ContinualPlugin() {
                private void call(String hook) {
                    CALLS.add(name + ":" + hook);
                }

                @Override
                public void onStreamStart(ContinualContext ctx) {
                    call("start");
                }

                @Override
                public void adaptModel(ContinualContext ctx, Experience e) {
                    call("adaptModel" + e.index());
                    if (b.adaptModel != null) {
                        b.adaptModel.accept(ctx, e);
                    }
                }

                @Override
                public void beforeExperience(ContinualContext ctx, Experience e) {
                    call("before" + e.index());
                }

                @Override
                public boolean trainsOn(ContinualContext ctx, Experience e) {
                    call("trainsOn" + e.index());
                    return true;
                }

                @Override
                public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience e,
                                                              MultiDataSetIterator data) {
                    call("data" + e.index());
                    return data;
                }

                @Override
                public List<TrainingListener> listeners(ContinualContext ctx, Experience e) {
                    call("listeners" + e.index());
                    return b.listeners;
                }

                @Override
                public ExperienceTraining training(ContinualContext ctx, Experience e) {
                    call("training" + e.index());
                    return b.step == null ? null : b.step.apply(ctx, e);
                }

                @Override
                public void afterExperience(ContinualContext ctx, Experience e) {
                    call("after" + e.index());
                }

                @Override
                public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience e) {
                    call("metrics" + e.index());
                    return Map.of(name + ".calls", (double) CALLS.size());
                }

                @Override
                public List<StreamMetric> streamMetrics(ContinualContext ctx) {
                    call("streamMetrics" + ctx.experienceIndex());
                    return b.metrics == null ? List.of() : b.metrics.apply(ctx);
                }

                @Override
                public void onStreamEnd(ContinualContext ctx) {
                    call("end");
                }

                @Override
                public java.io.Serializable saveState() {
                    return null;
                }
            };
        }
    }

    /** Records the trainer's experience-level events. */
    static final class Events implements ContinualListener {
        @Override
        public void onStreamStart(Scenario scenario) {
            CALLS.add("listener:streamStart " + (scenario == null ? null : scenario.name()));
        }

        @Override
        public void onExperienceEnd(ExperienceResult result, AccuracyMatrix classIncremental,
                                    AccuracyMatrix taskIncremental) {
            CALLS.add("listener:experienceEnd" + result.experience() + " rows " + classIncremental.rows());
        }

        @Override
        public void onStreamEnd(ContinualResult result) {
            CALLS.add("listener:streamEnd rows " + result.classIncremental().rows());
        }
    }

    /** Counts a DL4J listener's events. */
    static final class Counting extends BaseTrainingListener {
        int epochStarts;
        int epochEnds;
        int iterations;
        final List<Model> models = new ArrayList<>();

        @Override
        public void onEpochStart(Model model) {
            epochStarts++;
        }

        @Override
        public void onEpochEnd(Model model) {
            epochEnds++;
        }

        @Override
        public void iterationDone(Model model, int iteration, int epoch) {
            iterations++;
            if (!models.contains(model)) {
                models.add(model);
            }
        }
    }

    private static void reset() {
        CALLS.clear();
        BEHAVIOUR.clear();
    }

    private static List<String> experienceHooks(String p, int e) {
        return List.of(p + ":adaptModel" + e, p + ":before" + e, p + ":trainsOn" + e, p + ":data" + e,
                p + ":listeners" + e, p + ":training" + e);
    }

    private static List<String> interleave(int e, String... hooks) {
        List<String> out = new ArrayList<>();
        for (String h : hooks) {
            out.add("a:" + h + e);
            out.add("b:" + h + e);
        }
        return out;
    }

    @Test
    void everyHookRunsInItsDocumentedPlaceForEveryPluginInRegistrationOrder() {
        reset();
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(Models.mlp(5, 8, 4, 0.1, 1),
                conf(new Recorder("a"), new Recorder("b")).build()).addListener(new Events());
        ContinualResult r = t.fit(scenario());
        List<String> expected = new ArrayList<>(List.of("a:start", "b:start", "listener:streamStart blobs"));
        // the baseline: the trainer's accuracy and every plugin's metrics that have a baseline
        expected.addAll(List.of("a:streamMetrics-1", "b:streamMetrics-1"));
        for (int e = 0; e < 2; e++) {
            expected.addAll(interleave(e, "adaptModel", "before", "trainsOn", "data", "listeners", "training",
                    "after", "metrics", "streamMetrics"));
            expected.add("listener:experienceEnd" + e + " rows " + (e + 1));
        }
        expected.addAll(List.of("a:end", "b:end", "listener:streamEnd rows 2"));
        assertEquals(expected, CALLS);
        // the figures of experienceMetrics reach the experience results, per plugin
        assertTrue(r.experiences().get(1).metrics().containsKey("a.calls"), r.experiences().get(1).metrics()
                .toString());
        assertTrue(r.experiences().get(1).metrics().containsKey("b.calls"));
    }

    @Test
    void incrementalUseFiresTheSameEventsOnceEach() {
        reset();
        Scenario s = scenario();
        List<Experience> test = new ArrayList<>();
        s.testStream().forEach(test::add);
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(Models.mlp(5, 8, 4, 0.1, 1),
                conf(new Recorder("a")).build()).addListener(new Events());
        t.evaluate(test);
        for (int e = 0; e < 2; e++) {
            t.learn(s.trainStream().get(e));
            t.evaluate(test);
        }
        t.finish();
        t.finish();
        List<String> expected = new ArrayList<>(List.of("a:start", "listener:streamStart null",
                "a:streamMetrics-1"));
        for (int e = 0; e < 2; e++) {
            for (String h : List.of("adaptModel", "before", "trainsOn", "data", "listeners", "training", "after",
                    "metrics", "streamMetrics")) {
                expected.add("a:" + h + e);
            }
            expected.add("listener:experienceEnd" + e + " rows " + (e + 1));
        }
        expected.addAll(List.of("a:end", "listener:streamEnd rows 2"));
        assertEquals(expected, CALLS, "onStreamStart once, onExperienceEnd after each evaluation, the end once");
    }

    @Test
    void aPluginsTrainingStepRunsItsEpochsAndEveryMinibatchWithTheListenersFiring() {
        reset();
        MultiLayerNetwork net = Models.mlp(5, 8, 4, 0.1, 1);
        Counting user = new Counting();
        net.setListeners(user);
        Counting plugin = new Counting();
        List<Integer> epochs = new ArrayList<>();
        List<Integer> batchSizes = new ArrayList<>();
        Behaviour b = new Behaviour();
        b.listeners = List.of(plugin);
        b.step = (ctx, e) -> new ExperienceTraining() {
            @Override
            public int epochs(int configured) {
                assertEquals(2, configured, "the trainer's epochs are offered");
                return 3;
            }

            @Override
            public void onEpochStart(int epoch) {
                assertEquals(epochs.size(), user.epochStarts, "the step's onEpochStart comes before the listeners'");
                epochs.add(epoch);
            }

            @Override
            public long step(MultiDataSet batch) {
                batchSizes.add(batch.getFeatures(0).rows());
                ctx.model().fit(batch);
                return 1;
            }
        };
        BEHAVIOUR.put("a", b);
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net, conf(new Recorder("a"))
                .epochsPerExperience(2).build());
        ContinualResult r = t.fit(scenario());
        // 60 examples per experience in minibatches of 16: 16, 16, 16, 12; 3 epochs; 2 experiences
        assertEquals(List.of(0, 1, 2, 0, 1, 2), epochs);
        List<Integer> oneEpoch = List.of(16, 16, 16, 12);
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            expected.addAll(oneEpoch);
        }
        assertEquals(expected, batchSizes);
        assertEquals(6, user.epochStarts);
        assertEquals(6, user.epochEnds);
        assertEquals(24, user.iterations, "the user's listener sees every update of the step");
        assertEquals(24, plugin.iterations, "so does the plugin's, attached for the experience");
        assertEquals(6, plugin.epochStarts);
        assertEquals(List.of(user), net.getListeners(), "the user's listeners are restored");
        for (ExperienceResult e : r.experiences()) {
            assertEquals(3, e.epochs());
            assertEquals(180, e.examplesSeen());
            assertEquals(12, e.iterations());
        }
        assertEquals(6, net.getEpochCount(), "the epoch count follows the step's epochs");
    }

    @Test
    void withoutAStepTheNetworksOwnFitRunsTheEpochsWithThePluginsListenersAttached() {
        reset();
        MultiLayerNetwork net = Models.mlp(5, 8, 4, 0.1, 1);
        Counting user = new Counting();
        net.setListeners(user);
        Counting plugin = new Counting();
        Behaviour b = new Behaviour();
        b.listeners = List.of(plugin);
        BEHAVIOUR.put("a", b);
        ContinualResult r = ContinualTrainer.wrap(net, conf(new Recorder("a")).epochsPerExperience(2).build())
                .fit(scenario());
        assertEquals(4, user.epochStarts);
        assertEquals(4, user.epochEnds);
        assertEquals(16, user.iterations, "2 experiences x 2 epochs x 4 minibatches");
        assertEquals(16, plugin.iterations);
        assertEquals(4, plugin.epochEnds);
        assertEquals(List.of(user), net.getListeners());
        for (ExperienceResult e : r.experiences()) {
            assertEquals(2, e.epochs());
            assertEquals(120, e.examplesSeen());
            assertEquals(8, e.iterations());
        }
    }

    @Test
    void aGDumbRunReportsItsRetrainingOnTheBuffer() {
        // the buffer (40) fills from the first experience's 60 examples and stays full; 3 epochs on it each time,
        // in minibatches of 16: 16, 16, 8
        ContinualResult r = ContinualTrainer.wrap(Models.mlp(5, 8, 4, 0.1, 1), conf(
                new io.github.dl4jcontinual.replay.strategy.GDumb.Builder().bufferSize(40).epochs(3).build()).build())
                .fit(scenario());
        for (ExperienceResult e : r.experiences()) {
            assertTrue(e.trained());
            assertEquals(3, e.epochs(), "GDumb's epochs, not the trainer's");
            assertEquals(40 * 3, e.examplesSeen(), "buffer size x epochs");
            assertEquals(3 * 3, e.iterations());
        }
    }

    @Test
    void twoPluginsSupplyingATrainingStepAreRefused() {
        reset();
        Behaviour b = new Behaviour();
        b.step = (ctx, e) -> batch -> 1;
        BEHAVIOUR.put("a", b);
        BEHAVIOUR.put("b", b);
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(Models.mlp(5, 8, 4, 0.1, 1),
                conf(new Recorder("a"), new Recorder("b")).build());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> t.fit(scenario()));
        assertTrue(e.getMessage().contains("Two plugins") && e.getMessage().contains("experience 0"),
                e.getMessage());
    }

    /** A metric counting, per test experience, the examples of its first class; named rows "first" and "all". */
    static StreamMetric probe(String name, boolean baseline) {
        return new StreamMetric() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public MetricRow evaluate(ContinualContext ctx, List<Experience> test) {
                long[] first = new long[test.size()];
                long[] all = new long[test.size()];
                for (int j = 0; j < test.size(); j++) {
                    first[j] = test.get(j).count(test.get(j).classArray()[0]);
                    all[j] = ctx.experienceIndex() + 1;
                }
                return new MetricRow().put("first", first).put("all", all, new long[]{10, 10})
                        .scalar("calls", ctx.experienceIndex());
            }

            @Override
            public boolean hasBaseline() {
                return baseline;
            }
        };
    }

    @Test
    void streamMetricsLandAsNamedMatricesAndALateMetricHasUndefinedEarlierRows() {
        reset();
        Behaviour b = new Behaviour();
        b.metrics = ctx -> ctx.experienceIndex() < 1 ? List.of(probe("probe", true))
                : List.of(probe("probe", true), probe("late", false));
        BEHAVIOUR.put("a", b);
        ContinualResult r = ContinualTrainer.wrap(Models.mlp(5, 8, 4, 0.1, 1), conf(new Recorder("a")).build())
                .fit(scenario());
        assertTrue(r.matrixNames().containsAll(List.of("class_il", "task_il", "probe.first", "probe.all",
                "late.first", "late.all")), r.matrixNames().toString());
        AccuracyMatrix first = r.matrix("probe.first");
        assertEquals(2, first.rows());
        assertEquals(0.5, first.get(0, 0), 0.0, "20 test examples, 10 of the first class");
        assertEquals(0.5, first.get(1, 1), 0.0);
        AccuracyMatrix all = r.matrix("probe.all");
        assertEquals(0.1, all.get(0, 0), 1e-12, "counts over the metric's own totals");
        assertEquals(0.2, all.get(1, 0), 1e-12);
        assertEquals(0.0, all.baseline(0), 0.0, "a metric with a baseline is evaluated before the first experience");
        AccuracyMatrix late = r.matrix("late.all");
        assertTrue(Double.isNaN(late.get(0, 0)) && Double.isNaN(late.get(0, 1)), "undefined before it appeared");
        assertEquals(0.2, late.get(1, 1), 1e-12);
        assertTrue(Double.isNaN(late.baseline(0)), "no baseline without hasBaseline()");
        assertEquals(1.0, r.scalars().get("probe.calls"), 0.0);
        assertEquals(r.matrix("late.all"), ContinualResult.fromJson(r.toJson()).matrix("late.all"));
    }

    @Test
    void aMetricNameUsedTwiceIsRefused() {
        reset();
        Behaviour b = new Behaviour();
        b.metrics = ctx -> List.of(probe("probe", false));
        BEHAVIOUR.put("a", b);
        BEHAVIOUR.put("b", b);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ContinualTrainer.wrap(
                Models.mlp(5, 8, 4, 0.1, 1), conf(new Recorder("a"), new Recorder("b")).build()).fit(scenario()));
        assertTrue(e.getMessage().contains("probe.first"), e.getMessage());
    }

    @Test
    void adaptModelMayReplaceTheNetworkAndTheUsersListenersMoveToIt(@TempDir Path dir) {
        reset();
        MultiLayerNetwork net = Models.mlp(5, 8, 4, 0.1, 1);
        Counting user = new Counting();
        net.setListeners(user);
        MultiLayerNetwork[] replacement = new MultiLayerNetwork[1];
        INDArray[] atReplacement = new INDArray[2];
        Behaviour b = new Behaviour();
        b.adaptModel = (ctx, e) -> {
            if (e.index() == 1) {
                MultiLayerNetwork old = ctx.model().unwrap(MultiLayerNetwork.class);
                // a wider second hidden layer, the user's way: DL4J's TransferLearning
                replacement[0] = new TransferLearning.Builder(old)
                        .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Sgd(0.05)).build())
                        .nOutReplace(1, 12, org.deeplearning4j.nn.weights.WeightInit.XAVIER).build();
                atReplacement[0] = old.params().dup();
                ctx.model().replace(replacement[0]);
                atReplacement[1] = replacement[0].params().dup();
            }
        };
        BEHAVIOUR.put("a", b);
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net, conf(new Recorder("a")).build())
                .setCheckpointDirectory(dir);
        ContinualResult r = t.fit(scenario());
        assertSame(replacement[0], t.getModel(), "the trainer continues with the replacement");
        assertNotSame(net, t.getModel());
        assertEquals(List.of(user), replacement[0].getListeners(), "the user's listener moved to the replacement");
        assertEquals(8, user.iterations, "4 minibatches per experience, both seen by the user's listener");
        assertEquals(List.of(net, replacement[0]), user.models);
        assertEquals(atReplacement[0], net.params(), "the replaced network is not trained any more");
        assertNotEquals(atReplacement[1], replacement[0].params(), "the replacement is trained");
        assertEquals(12, replacement[0].getLayer(1).getParam("W").columns());
        assertEquals(2, r.classIncremental().rows());
        // the checkpoint after the replacement holds the replacement
        ContinualTrainer<MultiLayerNetwork> back = ContinualTrainer.load(dir.resolve(
                io.github.dl4jcontinual.checkpoint.CheckpointFile.fileName(2)), conf(new Recorder("a")).build(),
                MultiLayerNetwork.class);
        assertEquals(replacement[0].params(), back.getModel().params());
        assertEquals(12, back.getModel().getLayer(1).getParam("W").columns());
    }

    @Test
    void aReplacementWithoutTheClassificationOutputIsRefused() {
        io.github.dl4jcontinual.model.ContinualModel m = io.github.dl4jcontinual.model.ContinualModel.of(
                Models.mlpGraph(5, 8, 4, 0.1, 1));
        org.deeplearning4j.nn.graph.ComputationGraph other = Models.mlpGraph(5, 8, 4, 0.1, 2);
        org.deeplearning4j.nn.graph.ComputationGraph renamed = new org.deeplearning4j.nn.graph.ComputationGraph(
                new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
                        .addLayer("h", new DenseLayer.Builder().nIn(5).nOut(3).activation(Activation.RELU).build(),
                                "in")
                        .addLayer("y", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(3).nOut(4)
                                .activation(Activation.SOFTMAX).build(), "h")
                        .setOutputs("y").build());
        renamed.init();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.replace(renamed));
        assertTrue(e.getMessage().contains("'out'"), e.getMessage());
        assertEquals("out", m.classificationOutputName(), "the model is unchanged after a refused replacement");
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class,
                () -> m.replace(Models.mlp(5, 8, 4, 0.1, 1)));
        assertTrue(k.getMessage().contains("ComputationGraph"), k.getMessage());
        assertNotSame(other, m.network());
        // a MultiLayerNetwork's classifier is its last layer: a deeper replacement (an adapter added) is accepted
        io.github.dl4jcontinual.model.ContinualModel mln = io.github.dl4jcontinual.model.ContinualModel.of(
                Models.mlp(5, 8, 4, 0.1, 1));
        MultiLayerNetwork deeper = new TransferLearning.Builder(mln.unwrap(MultiLayerNetwork.class))
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().build()).removeOutputLayer()
                .addLayer(new DenseLayer.Builder().nIn(8).nOut(6).activation(Activation.RELU).build())
                .addLayer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nIn(6).nOut(4)
                        .activation(Activation.SOFTMAX).build()).build();
        mln.replace(deeper);
        assertSame(deeper, mln.network());
        assertEquals("layer 3", mln.classificationOutputName());
        assertEquals(4, mln.headSize());
    }
}
