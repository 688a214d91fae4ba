package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.ExampleSource;
import io.github.dl4jcontinual.eval.AnytimeCurve;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.selection.RandomSelection;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualListener;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 26 on synthetic data: the trainer's boundary-free enforcement, the boundary-free strategies, MIR's selection
 * against a hand computation, anytime evaluation and its A_AUC, and the JSON round trips.
 */
class OnlineContinualTest {
    private static final int FEATURES = 6;

    private static Scenario blobs() {
        return new ClassIncrementalScenario.Builder()
                .train(SyntheticData.blobs(10, 40, FEATURES, 5, 6))
                .test(SyntheticData.blobs(10, 20, FEATURES, 5, 7))
                .numExperiences(5).build();
    }

    private static ContinualConfiguration.Builder online() {
        return new ContinualConfiguration.Builder().batchSize(10).seed(3).progress(false).boundaryFree(true);
    }

    @Test
    void aBoundaryFreeRunRefusesPluginsThatNeedBoundariesNamingThem() {
        ContinualConfiguration conf = online()
                .plugin(new RegularizationConfiguration.Builder(RegularizationMethod.EWC).build())
                .plugin(new ExperienceReplay.Builder().buffer(new BufferConfiguration.Builder()
                        .type(BufferConfiguration.Type.EXPERIENCE_BALANCED).selection(new RandomSelection())
                        .capacity(50).build()).build())
                .plugin(new ExperienceReplay.Builder().bufferSize(50).build())
                .build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(Models.mlp(FEATURES, 16, 10, 0.1, 1), conf).fit(blobs()));
        assertTrue(e.getMessage().contains("[ewc (RegularizationConfiguration), er (ExperienceReplay)]"),
                e.getMessage());
        assertTrue(e.getMessage().contains("boundaryFree(false)"), e.getMessage());
        // only the selection-based buffer and EWC are refused; the reservoir ER and streaming online EWC are not
        assertTrue(new ExperienceReplay.Builder().bufferSize(50).build().boundaryFree());
        assertTrue(new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC).anchorEvery(100).build()
                .boundaryFree());
        assertFalse(new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC).build().boundaryFree());
        assertThrows(IllegalStateException.class, () -> online().headPolicy(HeadPolicy.EXPANDING).build());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> new RegularizationConfiguration.Builder(RegularizationMethod.EWC).anchorEvery(10).build());
        assertTrue(a.getMessage().contains("ONLINE_EWC"), a.getMessage());
    }

    /** A plugin that records the hooks it gets. */
    static final class Recorder extends io.github.dl4jcontinual.serde.JsonConfiguration
            implements PluginConfiguration {
        private static final long serialVersionUID = 1L;
        static final List<String> CALLS = new ArrayList<>();

        @Override
        public String name() {
            return "recorder";
        }

        @Override
        public boolean boundaryFree() {
            return true;
        }

        @Override
        public ContinualPlugin instantiate() {
            return new ContinualPlugin() {
                @Override
                public void adaptModel(ContinualContext ctx, Experience experience) {
                    CALLS.add("adaptModel");
                }

                @Override
                public void beforeExperience(ContinualContext ctx, Experience experience) {
                    CALLS.add("beforeExperience");
                }

                @Override
                public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                              MultiDataSetIterator data) {
                    CALLS.add("adaptTrainingData");
                    return data;
                }

                @Override
                public void afterExperience(ContinualContext ctx, Experience experience) {
                    CALLS.add("afterExperience");
                }

                @Override
                public java.io.Serializable saveState() {
                    return null;
                }
            };
        }
    }

    @Test
    void theBoundaryFreeTrainerCallsNoBoundaryHooks() {
        Recorder.CALLS.clear();
        ContinualTrainer.wrap(Models.mlp(FEATURES, 16, 10, 0.1, 1), online().plugin(new Recorder()).build())
                .fit(blobs());
        assertEquals(List.of("adaptTrainingData", "adaptTrainingData", "adaptTrainingData", "adaptTrainingData",
                "adaptTrainingData"), Recorder.CALLS);
        Recorder.CALLS.clear();
        ContinualTrainer.wrap(Models.mlp(FEATURES, 16, 10, 0.1, 1), online().boundaryFree(false)
                .plugin(new Recorder()).build()).fit(blobs());
        assertEquals(20, Recorder.CALLS.size(), "the bounded trainer calls all four hooks per experience");
    }

    /** The trainer's view, enough for a rehearsal runtime driven by hand. */
    private static ContinualContext context(ContinualModel model, ContinualConfiguration conf) {
        return new ContinualContext() {
            public ContinualModel model() { return model; }
            public ContinualConfiguration configuration() { return conf; }
            public int experienceIndex() { return 0; }
            public int numExperiences() { return -1; }
            public List<Integer> seenClasses() { return List.of(); }
            public int[] classIlAllowed() { return new int[0]; }
            public int numClasses() { return model.headSize(); }
            public int headSize() { return model.headSize(); }
            public MultiDataSetIterator trainingIterator(MultiDataSet data) { throw new UnsupportedOperationException(); }
            public MultiDataSetIterator trainingIterator(Experience data) { throw new UnsupportedOperationException(); }
            public Experience trainExperience(int index) { throw new UnsupportedOperationException(); }
            public Random rng(String component) { return new Random(component.hashCode()); }
        };
    }

    @Test
    void theReservoirKeepsAUniformSampleOfTheWholeStreamWithoutTaskIds() {
        ContinualConfiguration conf = online().build();
        ContinualModel model = ContinualModel.of(Models.mlp(FEATURES, 16, 10, 0.1, 1));
        ExperienceReplay.Runtime rt = (ExperienceReplay.Runtime) new ExperienceReplay.Builder().bufferSize(100)
                .build().instantiate();
        ContinualContext ctx = context(model, conf);
        rt.onStreamStart(ctx);
        for (Experience e : blobs().trainStream()) {
            MultiDataSetIterator it = rt.adaptTrainingData(ctx, e, e.iterator(10, true, e.index()));
            while (it.hasNext()) {
                it.next();
            }
        }
        // 400 examples of 10 classes arrived in 5 experiences of 2 classes: every class keeps about 10 of 100
        assertEquals(Map.of(-1, 100), rt.buffer().countsPerExperience(), "no task id is stored");
        Map<Integer, Integer> perClass = rt.buffer().countsPerClass();
        assertEquals(10, perClass.size(), "every class of the stream, the first experience's too: " + perClass);
        perClass.values().forEach(n -> assertTrue(n >= 4 && n <= 18, "uniform over the stream: " + perClass));
    }

    /** A softmax regression in double precision with the given weights [3, 2] and bias [3]. */
    private static MultiLayerNetwork softmaxRegression(double[][] w, double[] b) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().dataType(DataType.DOUBLE)
                .updater(new Sgd(0.5)).list().layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .nIn(2).nOut(3).activation(Activation.SOFTMAX).build()).build());
        net.init();
        net.setParam("0_W", Nd4j.create(w).castTo(DataType.DOUBLE));
        net.setParam("0_b", Nd4j.create(b, new long[]{1, 3}, DataType.DOUBLE));
        return net;
    }

    private static double[] crossEntropy(INDArray w, INDArray b, INDArray x, int[] y) {
        INDArray p = Transforms.softmax(x.mmul(w).addRowVector(b));
        double[] l = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            l[i] = -Math.log(p.getDouble(i, y[i]));
        }
        return l;
    }

    @Test
    void mirReplaysTheCandidatesWhoseLossTheVirtualStepRaisesMost() {
        double[][] w = {{0.5, -0.2, 0.1}, {-0.3, 0.4, 0.2}};
        double[] b = {0.05, -0.1, 0.0};
        double lr = 0.5;
        ContinualModel model = ContinualModel.of(softmaxRegression(w, b));
        INDArray xb = Nd4j.create(new double[][]{{2.0, 0.5}, {1.5, -0.5}});
        int[] yb = {2, 2};
        INDArray xm = Nd4j.create(new double[][]{{1.0, 0.0}, {0.0, 1.0}, {2.0, 1.0}, {-1.0, 0.5}, {0.5, 0.5}});
        int[] ym = {0, 1, 0, 1, 2};
        // by hand: θ' = θ − lr · mean_B ∇CE, ∇_W = xᵀ(p − y), ∇_b = p − y; score = CE(θ') − CE(θ)
        INDArray wArr = Nd4j.create(w);
        INDArray bArr = Nd4j.create(b, new long[]{3}, DataType.DOUBLE);
        INDArray err = Transforms.softmax(xb.mmul(wArr).addRowVector(bArr)).sub(DataSets.oneHot(yb, 3)
                .castTo(DataType.DOUBLE));
        INDArray w2 = wArr.sub(xb.transpose().mmul(err).mul(lr / 2));
        INDArray b2 = bArr.sub(err.mean(0).mul(lr));
        double[] pre = crossEntropy(wArr, bArr, xm, ym);
        double[] post = crossEntropy(w2, b2, xm, ym);
        Integer[] order = {0, 1, 2, 3, 4};
        Arrays.sort(order, (i, j) -> Double.compare(post[j] - pre[j], post[i] - pre[i]));
        int[] expected = {order[0], order[1]};

        MaximallyInterferedRetrieval.Runtime rt = (MaximallyInterferedRetrieval.Runtime)
                new MaximallyInterferedRetrieval.Builder().bufferSize(10).replayBatch(2).subsample(5)
                        .virtualLearningRate(lr).build().instantiate();
        rt.onStreamStart(context(model, online().build()));
        rt.buffer.observe(Batches.of(new DataSet(xm, DataSets.oneHot(ym, 3).castTo(DataType.DOUBLE))), null, -1,
                new Random(1));
        MultiDataSet cur = Batches.of(new DataSet(xb, DataSets.oneHot(yb, 3).castTo(DataType.DOUBLE)));
        INDArray before = model.params().dup();
        double[] scores = rt.scores(model, cur, new int[]{0, 1, 2, 3, 4}, 3);
        for (int i = 0; i < 5; i++) {
            assertEquals(post[i] - pre[i], scores[i], 1e-9, "score of candidate " + i);
        }
        assertArrayEquals(expected, rt.retrieve(model, cur, 3, Integer.MIN_VALUE),
                "the two most interfered rows, in score order");
        assertEquals(before, model.params(), "the virtual step leaves the parameters as they were");

        // the released code's --compare_to_old_logits: the first score compares with ln 3 (zero logits), then with
        // the lowest loss seen
        MaximallyInterferedRetrieval.Runtime best = (MaximallyInterferedRetrieval.Runtime)
                new MaximallyInterferedRetrieval.Builder().bufferSize(10).replayBatch(2).subsample(5)
                        .virtualLearningRate(lr).compareToBestLoss(true).build().instantiate();
        best.onStreamStart(context(model, online().build()));
        best.buffer.observe(Batches.of(new DataSet(xm, DataSets.oneHot(ym, 3).castTo(DataType.DOUBLE))), null, -1,
                new Random(1));
        double[] first = best.scores(model, cur, new int[]{0, 1, 2, 3, 4}, 3);
        for (int i = 0; i < 5; i++) {
            assertEquals(post[i] - Math.min(pre[i], Math.log(3)), first[i], 1e-9, "first score " + i);
        }
        double[] again = best.scores(model, cur, new int[]{0, 1, 2, 3, 4}, 3);
        assertArrayEquals(scores, again, 1e-9, "the best loss is now the current one, so the paper's score");

        // the released code's exclude_task: rows of the current experience are never candidates
        MaximallyInterferedRetrieval excluding = new MaximallyInterferedRetrieval.Builder().bufferSize(10)
                .replayBatch(2).subsample(5).virtualLearningRate(lr).excludeCurrentExperience(true).build();
        assertFalse(excluding.boundaryFree(), "task exclusion needs task ids");
        MaximallyInterferedRetrieval.Runtime ex = (MaximallyInterferedRetrieval.Runtime) excluding.instantiate();
        ex.onStreamStart(context(model, online().boundaryFree(false).build()));
        MultiDataSet rows = Batches.of(new DataSet(xm, DataSets.oneHot(ym, 3).castTo(DataType.DOUBLE)));
        ex.buffer.observe(rows, null, 0, new Random(1));
        assertEquals(0, ex.retrieve(model, cur, 3, 0).length, "nothing to replay during the first experience");
        ex.buffer.observe(rows, null, 1, new Random(1));
        int[] picked = ex.retrieve(model, cur, 3, 1);
        assertEquals(2, picked.length);
        for (int slot : picked) {
            assertEquals(0, ex.buffer.experience(slot), "only earlier experiences' rows: slot " + slot);
        }
    }

    @Test
    void theAnytimeCurveAndItsAreaByHand() {
        AnytimeCurve c = new AnytimeCurve(new long[]{100, 200, 250, 300}, new double[]{0.5, 0.7, 0.9, Double.NaN});
        assertEquals((0.5 * 100 + 0.7 * 100 + 0.9 * 50) / 250, c.areaUnderCurve(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new AnytimeCurve(new long[]{100, 100},
                new double[]{0.1, 0.2}));
        assertThrows(IllegalArgumentException.class, () -> new AnytimeCurve(new long[]{100}, new double[]{1.5}));
        String json = ContinualJson.toJson(c);
        AnytimeCurve back = ContinualJson.fromJson(json, AnytimeCurve.class);
        assertArrayEquals(c.examples(), back.examples());
        assertEquals(c.areaUnderCurve(), back.areaUnderCurve(), 0.0);
    }

    @Test
    void boundaryFreeStrategiesLearnTheStreamWithAnytimeEvaluation() throws Exception {
        List<PluginConfiguration> strategies = List.of(
                new ExperienceReplay.Builder().bufferSize(100).build(),
                new DarkExperienceReplay.Builder().bufferSize(100).alpha(0.3).beta(0.5).build(),
                new GDumb.Builder().bufferSize(100).epochs(5).build(),
                new MaximallyInterferedRetrieval.Builder().bufferSize(100).subsample(30).compareToBestLoss(true)
                        .build());
        Scenario s = blobs();
        for (PluginConfiguration p : strategies) {
            ContinualConfiguration conf = online().anytimeEvaluationEvery(50).plugin(p).build();
            assertEquals(conf, ContinualConfiguration.fromJson(conf.toJson()), "JSON round trip of " + p.name());
            MultiLayerNetwork net = Models.mlp(FEATURES, 16, 10, 0.1, 1);
            List<String> losses = new ArrayList<>();
            ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net, conf);
            t.addListener(new ContinualListener() {
                @Override
                public void onExperienceEnd(ExperienceResult r, io.github.dl4jcontinual.eval.AccuracyMatrix c,
                                            io.github.dl4jcontinual.eval.AccuracyMatrix ti) {
                    losses.add(t.continualModel().headLoss().getClass().getSimpleName());
                }
            });
            ContinualResult r = t.fit(s);
            double acc = r.classIncremental().finalAverageAccuracy();
            assertTrue(acc > 0.5, p.name() + " keeps the separable blobs of every experience: " + acc);
            losses.forEach(l -> assertEquals("LossMCXENT", l, p.name() + ": the user's loss between segments"));
            if (p.name().equals("gdumb")) {
                // GDumb reads each segment ahead into its buffer, then retrains: one point per segment, after it
                assertArrayEquals(new long[]{80, 160, 240, 320, 400}, r.anytime().examples());
                // the test experiences are of equal size, so the mean over them is the accuracy over all classes
                assertEquals(r.classIncremental().finalAverageAccuracy(), r.anytime().accuracy()[4], 1e-9,
                        "the last point is the retrained model's accuracy on every class");
            } else {
                AnytimeCurve c = r.anytime();
                assertNotNull(c, p.name());
                assertArrayEquals(new long[]{50, 100, 150, 200, 250, 300, 350, 400}, c.examples(), p.name());
                // an accuracy on the classes seen so far: the first point sees only the first experience's classes
                assertTrue(c.accuracy()[0] > 0.5, p.name() + " " + Arrays.toString(c.accuracy()));
                ContinualResult back = ContinualResult.fromJson(r.toJson());
                assertArrayEquals(c.accuracy(), back.anytime().accuracy(), 0.0, "result JSON keeps the curve");
                assertEquals(c.areaUnderCurve(), back.anytime().areaUnderCurve(), 0.0);
                assertTrue(io.github.dl4jcontinual.report.ContinualReport.from(r).toHtml()
                        .contains("anytime-accuracy"), "the report draws the anytime curve");
            }
        }
        ContinualResult plain = ContinualTrainer.wrap(Models.mlp(FEATURES, 16, 10, 0.1, 1), online().build()).fit(s);
        assertNull(plain.anytime());
        assertFalse(io.github.dl4jcontinual.report.ContinualReport.from(plain).toHtml().contains("anytime-accuracy"));
        assertFalse(plain.toJson().contains("anytime"), "no anytime field when there is no anytime evaluation");
        assertFalse(online().boundaryFree(false).build().toJson().contains("boundaryFree"),
                "the configuration's JSON is unchanged by default");
    }

    @Test
    void streamingOnlineEwcAnchorsByTrainingRowsWithoutBoundaries() {
        RegularizationConfiguration ewc = new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC)
                .lambda(1).anchorEvery(60).fisherDecay(0.9).gamma(0.9).build();
        assertEquals(ewc, RegularizationConfiguration.fromJson(ewc.toJson()));
        ContinualResult r = ContinualTrainer.wrap(Models.mlp(FEATURES, 16, 10, 0.1, 1), online().plugin(ewc).build())
                .fit(blobs());
        double first = r.experiences().get(0).metrics().get("online-ewc.penalty_mean");
        // 80 rows per experience: the first anchor comes after 60, so the first experience already pays a penalty
        assertTrue(first > 0, "penalty in the first experience: " + first);
        assertTrue(r.experiences().get(4).metrics().get("online-ewc.penalty_mean") > 0);
    }

    @Test
    void theBlurryStreamSpreadsTheStatedFractionOfEveryBlurryClass() {
        DataSet train = SyntheticData.blobs(10, 100, FEATURES, 5, 6);
        DataSet test = SyntheticData.blobs(10, 20, FEATURES, 5, 7);
        Scenario s = io.github.dl4jcontinual.scenario.OnlineStreams.blurry(ExampleSource.of(train),
                ExampleSource.of(test), 5, 0.4, 0.2, 9);
        assertEquals("i-blurry-40-20", s.name());
        int[][] counts = new int[5][10];
        long total = 0;
        for (Experience e : s.trainStream()) {
            for (int c : e.classIdsInOrder()) {
                counts[e.index()][c]++;
            }
            total += e.numExamples();
        }
        assertEquals(1000, total, "every training example is in exactly one experience");
        int disjoint = 0;
        for (int c = 0; c < 10; c++) {
            int home = 0;
            int experiences = 0;
            for (int e = 0; e < 5; e++) {
                home = counts[e][c] > counts[home][c] ? e : home;
                experiences += counts[e][c] > 0 ? 1 : 0;
            }
            int minor = 100 - counts[home][c];
            if (experiences == 1) {
                disjoint++;
                assertEquals(100, counts[home][c]);
            } else {
                assertEquals(20, minor, "class " + c + ": M = 20 % of a blurry class outside its home");
            }
            // the class's home experience is the test experience that holds its test examples
            final int cls = c;
            final int h = home;
            assertTrue(s.testStream().get(h).classes().contains(cls), "class " + c + " is tested in experience "
                    + h);
            assertEquals(20, s.testStream().get(h).count(cls));
        }
        assertEquals(4, disjoint, "N = 40 % of 10 classes are disjoint");
        // limitTraining keeps a random draw per experience, reading nothing
        Scenario cut = io.github.dl4jcontinual.scenario.OnlineStreams.limitTraining(s, 50, 3);
        cut.trainStream().forEach(e -> assertEquals(50, e.numExamples()));
        assertEquals(s.testStream().numExamples(), cut.testStream().numExamples());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> io.github.dl4jcontinual.scenario.OnlineStreams.blurry(ExampleSource.of(train),
                        ExampleSource.of(test), 5, 0.4, 1.0, 9));
        assertTrue(e.getMessage().contains("blurryFraction") && e.getMessage().contains("got: 1.0"), e.getMessage());
    }

    @Test
    void mirConfigurationRoundTripsAndRefusesBadValues() {
        MaximallyInterferedRetrieval m = new MaximallyInterferedRetrieval.Builder().bufferSize(200).replayBatch(10)
                .subsample(50).virtualLearningRate(0.05).compareToBestLoss(true).build();
        PluginConfiguration back = ContinualJson.fromJson(m.toJson(), PluginConfiguration.class);
        assertEquals(m, back);
        assertEquals("mir", back.name());
        assertTrue(m.toJson().contains("\"subsample\" : 50"), m.toJson());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new MaximallyInterferedRetrieval.Builder().subsample(0));
        assertTrue(e.getMessage().contains("got: 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new MaximallyInterferedRetrieval.Builder().virtualLearningRate(Double.NaN));
        assertFalse(new MaximallyInterferedRetrieval.Builder().buffer(new BufferConfiguration.Builder()
                .type(BufferConfiguration.Type.EXPERIENCE_BALANCED).selection(new RandomSelection()).build())
                .build().boundaryFree());
        assertTrue(new LossMCXENT() instanceof org.nd4j.linalg.lossfunctions.ILossFunction);
    }
}
