package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.cil.BiasCorrection;
import io.github.dl4jcontinual.cil.CosineOutputLayer;
import io.github.dl4jcontinual.cil.IcarlConfiguration;
import io.github.dl4jcontinual.cil.LucirConfiguration;
import io.github.dl4jcontinual.cil.WeightAligning;
import io.github.dl4jcontinual.distillation.DistillationMode;
import io.github.dl4jcontinual.distillation.LwfConfiguration;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.multihead.TaskHeads;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.CumulativeTraining;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.strategy.AGem;
import io.github.dl4jcontinual.replay.strategy.Gem;
import io.github.dl4jcontinual.replay.strategy.Gss;
import io.github.dl4jcontinual.replay.strategy.DarkExperienceReplay;
import io.github.dl4jcontinual.replay.strategy.ErAce;
import io.github.dl4jcontinual.replay.strategy.GDumb;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.replay.strategy.MaximallyInterferedRetrieval;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Stop after experience k, resume from the checkpoint in a fresh trainer with the network loaded from the file,
 * and compare with the uninterrupted run of the same seed: the class-IL and task-IL accuracy matrices must be
 * equal to the last bit, and so must the final parameters (Naive for every k, the strategies for k = 1 and 3 or
 * for k = 2). Real MNIST, 5 experiences of 2 classes,
 * 300 training examples per experience; an Adam MLP with dropout, so that the updater state and ND4J's generator
 * must be restored too.
 */
class CheckpointResumeTest {
    private static Scenario scenario;

    @BeforeAll
    static void load() {
        scenario = new ClassIncrementalScenario.Builder()
                .train(SharedData.head(SharedData.mnistTrain(), 1500))
                .test(SharedData.head(SharedData.mnistTest(), 500))
                .numExperiences(5).name("split-mnist-small").build();
    }

    static MultiLayerNetwork net() {
        return net(10);
    }

    static MultiLayerNetwork net(int nOut) {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder()
                .seed(3).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(64).activation(Activation.RELU).dropOut(0.8).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(64).nOut(nOut)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(c);
        n.init();
        return n;
    }

    static ContinualConfiguration conf(PluginConfiguration... plugins) {
        return new ContinualConfiguration.Builder().batchSize(16).seed(11).progress(false).plugins(plugins).build();
    }

    /** Runs uninterrupted, then stops after experience 1 and after 3 and resumes in a fresh trainer; all agree. */
    static void assertResumeIsExact(ContinualConfiguration conf, Path dir) throws Exception {
        assertResumeIsExact(conf, dir, CheckpointResumeTest::net, MultiLayerNetwork.class, 1, 3);
    }

    /**
     * @param conf the configuration
     * @param dir  a scratch directory
     * @param net  makes the same fresh network every time
     * @param type its class
     * @param ks   the experiences after which to stop
     */
    static <M extends Model> void assertResumeIsExact(ContinualConfiguration conf, Path dir, Supplier<M> net,
                                                      Class<M> type, int... ks) throws Exception {
        assertResumeIsExact(scenario, conf, dir, net, type, ks);
    }

    /**
     * @param scenario the scenario
     * @param conf     the configuration
     * @param dir      a scratch directory
     * @param net      makes the same fresh network every time
     * @param type     its class
     * @param ks       the experiences after which to stop
     */
    static <M extends Model> void assertResumeIsExact(Scenario scenario, ContinualConfiguration conf, Path dir,
                                                      Supplier<M> net, Class<M> type, int... ks) throws Exception {
        ContinualTrainer<M> whole = wrap(net.get(), conf);
        ContinualResult expected = whole.fit(scenario);
        int n = scenario.trainStream().size();
        for (int k : ks) {
            Path d = Files.createDirectories(dir.resolve("k" + k));
            ContinualTrainer<M> first = wrap(net.get(), conf).setCheckpointDirectory(d);
            ContinualResult partial = first.fit(scenario, k);
            assertEquals(k, partial.classIncremental().rows());
            Path ckpt = CheckpointFile.latestIn(d).orElseThrow();
            assertEquals(CheckpointFile.fileName(k), ckpt.getFileName().toString());
            // as in a fresh JVM: ND4J's generator is elsewhere than where the stopped run left it
            Nd4j.getRandom().setSeed(12345 + k);
            // a different progress flag is allowed: it does not change what is computed
            ContinualConfiguration again = conf.toBuilder().progress(true).build();
            ContinualTrainer<M> second = ContinualTrainer.resume(ckpt, again, type).setProgressStream(
                    new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            ContinualResult resumed = second.fit(scenario);
            assertSameMatrix(expected.classIncremental(), resumed.classIncremental(), "class-IL, k=" + k);
            assertSameMatrix(expected.taskIncremental(), resumed.taskIncremental(), "task-IL, k=" + k);
            // every matrix, the plugins' own (e.g. iCaRL's "nme.class_il") included
            assertEquals(expected.matrixNames(), resumed.matrixNames(), "matrices, k=" + k);
            for (String name : expected.matrixNames()) {
                assertSameMatrix(expected.matrix(name), resumed.matrix(name), name + ", k=" + k);
            }
            if (expected.anytime() != null) {
                assertArrayEquals(expected.anytime().examples(), resumed.anytime().examples(), "anytime, k=" + k);
                assertArrayEquals(expected.anytime().accuracy(), resumed.anytime().accuracy(), 0.0,
                        "anytime accuracy, k=" + k);
            }
            for (int e = 0; e < n; e++) {
                assertEquals(expected.experiences().get(e).examplesSeen(), resumed.experiences().get(e).examplesSeen(),
                        "examples seen in experience " + e + ", k=" + k);
                assertEquals(untimed(expected.experiences().get(e).metrics()),
                        untimed(resumed.experiences().get(e).metrics()), "metrics of experience " + e + ", k=" + k);
            }
            // the trainer's model: an expanding head replaces the network object when it grows
            assertArrayEquals(whole.getModel().params().toFloatVector(),
                    second.getModel().params().toFloatVector(), "final parameters, k=" + k);
        }
    }

    @SuppressWarnings("unchecked")
    private static <M extends Model> ContinualTrainer<M> wrap(M net, ContinualConfiguration conf) {
        return (ContinualTrainer<M>) (net instanceof ComputationGraph ? ContinualTrainer.wrap((ComputationGraph) net,
                conf) : ContinualTrainer.wrap((MultiLayerNetwork) net, conf));
    }

    private static java.util.Map<String, Double> untimed(java.util.Map<String, Double> m) {
        java.util.Map<String, Double> r = new java.util.TreeMap<>(m);
        r.keySet().removeIf(k -> k.endsWith("_ms"));
        return r;
    }

    static void assertSameMatrix(AccuracyMatrix a, AccuracyMatrix b, String what) {
        io.github.dl4jcontinual.testutil.Matrices.assertBitIdentical(a, b, what);
    }

    @Test
    void naiveResumesExactly(@TempDir Path dir) throws Exception {
        assertResumeIsExact(conf(), dir, CheckpointResumeTest::net, MultiLayerNetwork.class, 1, 2, 3, 4);
    }

    @Test
    void experienceReplayResumesExactly(@TempDir Path dir) throws Exception {
        assertResumeIsExact(conf(new ExperienceReplay.Builder().bufferSize(100).replayBatch(8).build()), dir);
    }

    @Test
    void derPlusPlusResumesExactly(@TempDir Path dir) throws Exception {
        assertResumeIsExact(conf(new DarkExperienceReplay.Builder().bufferSize(100).replayBatch(8).alpha(0.3)
                .beta(0.5).build()), dir);
    }

    @Test
    void ewcResumesExactly(@TempDir Path dir) throws Exception {
        assertResumeIsExact(conf(new RegularizationConfiguration.Builder(RegularizationMethod.EWC).lambda(50)
                .maxImportanceExamples(200)
                .build()), dir);
    }

    @Test
    void lwfResumesExactly(@TempDir Path dir) throws Exception {
        assertResumeIsExact(conf(new LwfConfiguration.Builder().alpha(1).temperature(2).build()), dir);
    }

    @Test
    void anExpandingHeadWithEwcResumesExactly(@TempDir Path dir) throws Exception {
        assertResumeIsExact(conf().toBuilder().headPolicy(HeadPolicy.EXPANDING).plugin(
                new RegularizationConfiguration.Builder(RegularizationMethod.EWC).lambda(50).maxImportanceExamples(200)
                        .build()).build(), dir, () -> net(2), MultiLayerNetwork.class, 2);
    }

    @Test
    void multiHeadLwfResumesExactly(@TempDir Path dir) throws Exception {
        assertResumeIsExact(conf(new LwfConfiguration.Builder().alpha(1).temperature(2)
                .mode(DistillationMode.MULTI_HEAD).build()), dir, () -> TaskHeads.attach(net(), scenario),
                MultiLayerNetwork.class, 2);
    }

    @Test
    void aComputationGraphWithReplayResumesExactly(@TempDir Path dir) throws Exception {
        assertResumeIsExact(conf(new ExperienceReplay.Builder().bufferSize(100).replayBatch(8).build()), dir,
                () -> Models.mlpGraph(784, 64, 10, 0.05, 3), ComputationGraph.class, 2);
    }

    /** The other strategies whose state is checkpointed, stopping after experience 2. */
    static Stream<PluginConfiguration> otherStrategies() {
        return Stream.of(new RegularizationConfiguration.Builder(RegularizationMethod.SI).lambda(1).build(),
                new RegularizationConfiguration.Builder(RegularizationMethod.RWALK).lambda(0.1).fisherDecay(0.9)
                        .maxImportanceExamples(200).build(),
                new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC).lambda(50).gamma(0.9)
                        .maxImportanceExamples(200).build(),
                new AGem.Builder().bufferSize(100).replayBatch(16).build(),
                new Gem.Builder().bufferSize(60).replayBatch(30).memoriesPerExperience(0).build(),
                new GDumb.Builder().bufferSize(100).build(),
                new ErAce.Builder().bufferSize(100).replayBatch(8).build(),
                new Gss.Builder().bufferSize(60).replayBatch(8).candidates(5).stepsPerBatch(2).build(),
                new MaximallyInterferedRetrieval.Builder().bufferSize(100).replayBatch(8).subsample(20)
                        .compareToBestLoss(true).build());
    }

    /** Issue 26: a boundary-free run (MIR + streaming online EWC) with anytime evaluation resumes exactly. */
    @Test
    void aBoundaryFreeRunWithAnytimeEvaluationResumesExactly(@TempDir Path dir) throws Exception {
        assertResumeIsExact(conf(new MaximallyInterferedRetrieval.Builder().bufferSize(100).replayBatch(8)
                        .subsample(20).virtualLearningRate(1e-3).build(),
                new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC).lambda(10).anchorEvery(100)
                        .build()).toBuilder().boundaryFree(true).anytimeEvaluationEvery(160).build(), dir,
                CheckpointResumeTest::net, MultiLayerNetwork.class, 2);
    }

    @ParameterizedTest
    @MethodSource("otherStrategies")
    void otherStrategiesResumeExactly(PluginConfiguration plugin, @TempDir Path dir) throws Exception {
        assertResumeIsExact(conf(plugin), dir, CheckpointResumeTest::net, MultiLayerNetwork.class, 2);
    }

    /** The MLP with iCaRL's sigmoid output trained with binary cross-entropy. */
    static MultiLayerNetwork sigmoidNet() {
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(64).activation(Activation.RELU).dropOut(0.8).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nIn(64).nOut(10)
                        .activation(Activation.SIGMOID).build())
                .build());
        n.init();
        return n;
    }

    /** A small MLP with LUCIR's cosine classifier, for the synthetic stream (the cosine layer is slow on MNIST). */
    static MultiLayerNetwork cosineNet() {
        MultiLayerNetwork n = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(3).updater(new Adam(1e-2)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(8).nOut(16).activation(Activation.RELU).dropOut(0.8).build())
                .layer(new CosineOutputLayer.Builder().nIn(16).nOut(6).build())
                .build());
        n.init();
        return n;
    }

    @Test
    void icarlResumesExactly(@TempDir Path dir) throws Exception {
        // exemplars, their generator and the nearest-mean head (refitted from them on restore)
        assertResumeIsExact(conf(new IcarlConfiguration.Builder().exemplarsPerClass(10).build()), dir,
                CheckpointResumeTest::sigmoidNet, MultiLayerNetwork.class, 1, 3);
    }

    @Test
    void dynamicExpansionResumesExactly(@TempDir Path dir) throws Exception {
        // DER grows the graph by a frozen-old extractor per experience: the checkpoint holds the grown graph
        assertResumeIsExact(conf(new IcarlConfiguration.Builder().exemplarsPerClass(5).distillation(false)
                        .nearestMean(false).build(), new io.github.dl4jcontinual.cil.DynamicExpansion(),
                        new io.github.dl4jcontinual.cil.WeightAligning()), dir,
                () -> Models.mlpGraph(784, 32, 10, 0.05, 3), ComputationGraph.class, 1, 3);
    }

    @Test
    void lucirResumesExactly(@TempDir Path dir) throws Exception {
        // 6 synthetic classes in 3 experiences
        assertResumeIsExact(IncrementalLearningTest.scenario(), conf(new LucirConfiguration.Builder()
                .exemplarsPerClass(10).build()), dir, CheckpointResumeTest::cosineNet, MultiLayerNetwork.class, 1, 2);
    }

    @Test
    void bicAndWaWithReplayResumeExactly(@TempDir Path dir) throws Exception {
        // BiC's held-out validation examples, corrections and generator; WA's factors
        assertResumeIsExact(conf(new BiasCorrection.Builder().validationPerClass(5).iterations(100).build(),
                new ExperienceReplay.Builder().bufferSize(100).replayBatch(8).build()), dir.resolve("bic"),
                CheckpointResumeTest::net, MultiLayerNetwork.class, 2);
        assertResumeIsExact(conf(new ExperienceReplay.Builder().bufferSize(100).replayBatch(8).build(),
                new WeightAligning()), dir.resolve("wa"), CheckpointResumeTest::net, MultiLayerNetwork.class, 2);
    }

    @Test
    void jointAndCumulativeResumeExactly(@TempDir Path dir) throws Exception {
        // the experiences seen come back from the scenario by position; Joint trains at the last experience only
        assertResumeIsExact(conf(new CumulativeTraining()), dir.resolve("cumulative"), CheckpointResumeTest::net,
                MultiLayerNetwork.class, 2);
        assertResumeIsExact(conf(new JointTraining()), dir.resolve("joint"), CheckpointResumeTest::net,
                MultiLayerNetwork.class, 2, 4);
    }

    @Test
    void resumingFromTheLastExperienceReturnsTheFinishedRun(@TempDir Path dir) throws Exception {
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net(), conf()).setCheckpointDirectory(dir);
        ContinualResult expected = t.fit(scenario);
        Path last = CheckpointFile.latestIn(dir).orElseThrow();
        assertEquals(CheckpointFile.fileName(5), last.getFileName().toString());
        ContinualTrainer<MultiLayerNetwork> r = ContinualTrainer.resume(last, conf(), MultiLayerNetwork.class);
        ContinualResult again = r.fit(scenario);
        assertSameMatrix(expected.classIncremental(), again.classIncremental(), "class-IL");
        assertSameMatrix(expected.taskIncremental(), again.taskIncremental(), "task-IL");
        assertEquals(t.getModel().params(), r.getModel().params());
    }

    @Test
    void aCheckpointIsWrittenAfterEveryExperienceAndOnDemand(@TempDir Path dir) throws Exception {
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net(), conf()).setCheckpointDirectory(dir);
        t.fit(scenario, 2);
        assertTrue(Files.isRegularFile(dir.resolve(CheckpointFile.fileName(1))));
        assertTrue(Files.isRegularFile(dir.resolve(CheckpointFile.fileName(2))));
        assertFalse(Files.exists(dir.resolve(CheckpointFile.fileName(3))));
        Path own = t.saveCheckpoint(dir.resolve("mine.zip"));
        CheckpointFile f = CheckpointFile.read(own);
        assertEquals("2", f.property(TrainerCheckpoint.DONE));
        assertEquals("MultiLayerNetwork", f.property("modelType"));
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".tmp")), "no temporary file is left");
        }
    }
}
