package io.github.dl4jcontinual.metalearning;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.selection.FirstSelection;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.util.NetworkUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mechanism tests of the iTAML plugin (docs/itaml.md (i)–(vi)) on tiny models and synthetic data: the meta-step
 * against values computed by hand (both rules, on a logit head and on a softmax head), freezing and BatchNorm,
 * the loss put back, the configuration's JSON, bad inputs, and whole runs through the trainer (listeners, learning
 * rate schedule, memory quotas, softmax head, learn/evaluate, bit-identical resume).
 */
class ItamlTest {
    private static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    /** One bias-free output layer 2 → 2, plain SGD, double precision; IDENTITY + block loss or SOFTMAX + MCXENT. */
    private static MultiLayerNetwork tiny(double lr, boolean softmax) {
        OutputLayer.Builder out = softmax
                ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                : new OutputLayer.Builder(new BlockBinaryCrossEntropy()).activation(Activation.IDENTITY);
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(3).updater(new Sgd(lr))
                .dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER).list()
                .layer(out.nIn(2).nOut(2).hasBias(false).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
    }

    private static MultiLayerNetwork tiny(double lr) {
        return tiny(lr, false);
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /**
     * Hand computation of one inner SGD step on a block of one column: W is [nIn=2, nOut=2], z = x·W, and for
     * the rows {@code rows} of task {@code col}: dL/dW[k][col] = mean_rows x_k (σ(z_col) − y_col).
     */
    private static double[][] step(double[][] w, double[][] x, double[][] y, int[] rows, int col, double lr) {
        double[][] out = {w[0].clone(), w[1].clone()};
        for (int k = 0; k < 2; k++) {
            double g = 0;
            for (int r : rows) {
                double z = x[r][0] * w[0][col] + x[r][1] * w[1][col];
                g += x[r][k] * (sigmoid(z) - y[r][col]);
            }
            out[k][col] -= lr * g / rows.length;
        }
        return out;
    }

    private static double[][] weights(MultiLayerNetwork net) {
        INDArray w = net.getLayer(0).getParam("W");
        return new double[][]{{w.getDouble(0, 0), w.getDouble(0, 1)}, {w.getDouble(1, 0), w.getDouble(1, 1)}};
    }

    private static ItamlPlugin plugin(ItamlConfiguration c) {
        return (ItamlPlugin) c.instantiate();
    }

    @Test
    void outerUpdateEqualsTheFormulaComputedByHandOnLogitAndSoftmaxHeads() {
        double lr = 0.5;
        double[][] x = {{1.0, 2.0}, {-1.0, 0.5}, {0.3, -2.0}};
        double[][] y = {{1, 0}, {0, 1}, {1, 0}};
        DataSet batch = new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
        List<int[]> blocks = List.of(new int[]{0}, new int[]{1});
        double eta = Math.exp(-1.0 * 1 / 4);
        for (boolean softmax : new boolean[]{false, true}) {
            for (MetaUpdateRule rule : MetaUpdateRule.values()) {
                MultiLayerNetwork net = tiny(lr, softmax);
                ILossFunction user = ((OutputLayer) net.getLayer(0).conf().getLayer()).getLossFn();
                double[][] w0 = weights(net);
                ItamlPlugin p = plugin(new ItamlConfiguration.Builder().rule(rule).beta(1.0).build());
                assertEquals(2, p.metaStep(ContinualModel.of(net), Batches.of(batch), blocks,
                        MetaUpdate.eta(1.0, 1, 4)));
                double[][] a = step(w0, x, y, new int[]{0, 2}, 0, lr);
                double[][] expected = new double[2][2];
                if (rule == MetaUpdateRule.PAPER) {
                    double[][] b = step(w0, x, y, new int[]{1}, 1, lr);
                    for (int i = 0; i < 2; i++) {
                        for (int j = 0; j < 2; j++) {
                            expected[i][j] = eta * (a[i][j] + b[i][j]) / 2 + (1 - eta) * w0[i][j];
                        }
                    }
                } else {
                    double[][] seq = step(a, x, y, new int[]{1}, 1, lr);
                    for (int i = 0; i < 2; i++) {
                        for (int j = 0; j < 2; j++) {
                            expected[i][j] = eta * seq[i][j] + (1 - eta) * w0[i][j];
                        }
                    }
                }
                double[][] got = weights(net);
                for (int i = 0; i < 2; i++) {
                    assertArrayEquals(expected[i], got[i], 1e-12, rule + (softmax ? " softmax" : " logits")
                            + " row " + i);
                }
                // the user's loss function (the very object) is back in place, the activation untouched
                OutputLayer head = (OutputLayer) net.getLayer(0).conf().getLayer();
                assertTrue(user == head.getLossFn(), "loss restored: " + head.getLossFn());
                if (softmax) {
                    assertInstanceOf(LossMCXENT.class, head.getLossFn());
                    assertInstanceOf(ActivationSoftmax.class, head.getActivationFn());
                }
            }
        }
    }

    @Test
    void singleTaskWithEtaOneIsPlainSgd() {
        MultiLayerNetwork a = tiny(0.1);
        MultiLayerNetwork b = tiny(0.1);
        DataSet batch = new DataSet(Nd4j.createFromArray(new double[][]{{1, 2}, {3, -1}}),
                Nd4j.createFromArray(new double[][]{{1, 0}, {0, 1}}));
        plugin(new ItamlConfiguration.Builder().build()).metaStep(ContinualModel.of(a), Batches.of(batch),
                List.of(new int[]{0, 1}), MetaUpdate.eta(0.5, 0, 5));
        b.fit(batch);
        assertEquals(b.params(), a.params());
    }

    @Test
    void etaDecaysAsExpMinusBetaTOverT() {
        assertEquals(1.0, MetaUpdate.eta(1, 0, 10), 0);
        assertEquals(0.904837, MetaUpdate.eta(1, 1, 10), 1e-6);
        assertEquals(0.406570, MetaUpdate.eta(1, 9, 10), 1e-6);
        assertEquals(Math.exp(-0.5 * 4 / 5), MetaUpdate.eta(0.5, 4, 5), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> MetaUpdate.eta(-1, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> MetaUpdate.eta(1, 5, 5));
    }

    @Test
    void interpolationLeavesUnmaskedEntriesAtTheirCurrentValue() {
        INDArray start = Nd4j.createFromArray(new double[]{0, 0, 10});
        INDArray target = Nd4j.createFromArray(new double[]{4, 8, 20});
        INDArray current = Nd4j.createFromArray(new double[]{1, 1, 7});
        INDArray mask = Nd4j.createFromArray(new double[]{1, 1, 0});
        INDArray r = MetaUpdate.interpolate(start, target, current, mask, 0.25);
        assertArrayEquals(new double[]{1, 2, 7}, r.toDoubleVector(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> MetaUpdate.interpolate(start, target, current, mask, 1.5));
        assertThrows(IllegalArgumentException.class, () -> MetaUpdate.interpolate(start, target,
                Nd4j.zeros(DataType.DOUBLE, 2), mask, 0.5));
    }

    @Test
    void batchNormRunningStatisticsAreNotInterpolated() {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1))
                .dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nIn(3).nOut(4).activation(Activation.RELU).build())
                .layer(new BatchNormalization.Builder().nOut(4).build())
                .layer(new OutputLayer.Builder(new BlockBinaryCrossEntropy()).nIn(4).nOut(2)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        DataSet batch = new DataSet(Nd4j.rand(DataType.DOUBLE, 8, 3).muli(5),
                DataSets.oneHot(new int[]{0, 1, 0, 1, 0, 1, 1, 0}, 2).castTo(DataType.DOUBLE));
        // eta = exp(-beta t/T) with a huge beta: the trainable parameters stay at their start, the running stats move
        INDArray before = net.getLayer(1).getParam("mean").dup();
        INDArray w0 = net.getLayer(0).getParam("W").dup();
        plugin(new ItamlConfiguration.Builder().beta(1000).build()).metaStep(ContinualModel.of(net),
                Batches.of(batch), List.of(new int[]{0}, new int[]{1}), MetaUpdate.eta(1000, 1, 2));
        assertEquals(w0, net.getLayer(0).getParam("W"));
        assertNotEquals(before, net.getLayer(1).getParam("mean"));
    }

    @Test
    void frozenLayersAreNotInterpolated() {
        // a frozen first layer (TransferLearning) must keep its weights, the head must move
        MultiLayerNetwork base = logitMlp(4, 8, 2, 1);
        MultiLayerNetwork net = new org.deeplearning4j.nn.transferlearning.TransferLearning.Builder(base)
                .setFeatureExtractor(0).build();
        INDArray w0 = net.getLayer(0).getParam("W").dup();
        INDArray h0 = net.getLayer(1).getParam("W").dup();
        DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 6, 4),
                DataSets.oneHot(new int[]{0, 1, 0, 1, 1, 0}, 2));
        plugin(new ItamlConfiguration.Builder().build()).metaStep(ContinualModel.of(net), Batches.of(batch),
                List.of(new int[]{0}, new int[]{1}), MetaUpdate.eta(0.5, 1, 2));
        assertEquals(w0, net.getLayer(0).getParam("W"));
        assertNotEquals(h0, net.getLayer(1).getParam("W"));
    }

    @Test
    void blockLossGradientTouchesOnlyTheBlocksRowsWhateverTheActivation() {
        for (boolean softmax : new boolean[]{false, true}) {
            MultiLayerNetwork net = tiny(0.1, softmax);
            DataSet batch = new DataSet(Nd4j.createFromArray(new double[][]{{1, 2}, {3, -1}}),
                    Nd4j.createFromArray(new double[][]{{1, 0}, {0, 1}}));
            ((OutputLayer) net.getLayer(0).conf().getLayer()).setLossFn(new BlockBinaryCrossEntropy(1));
            net.setInput(batch.getFeatures());
            net.setLabels(batch.getLabels());
            net.computeGradientAndScore();
            INDArray g = net.gradient().getGradientFor("0_W");
            assertEquals(0.0, g.getColumn(0).norm1Number().doubleValue(), 0);
            assertTrue(g.getColumn(1).norm1Number().doubleValue() > 0);
            // the score is the mean BCE of column 1's logit over the two rows (softmax or not)
            INDArray w = net.getLayer(0).getParam("W");
            double z0 = 1 * w.getDouble(0, 1) + 2 * w.getDouble(1, 1);
            double z1 = 3 * w.getDouble(0, 1) - 1 * w.getDouble(1, 1);
            double expected = (-Math.log(1 - sigmoid(z0)) - Math.log(sigmoid(z1))) / 2;
            assertEquals(expected, net.score(), 1e-9, softmax ? "softmax" : "identity");
        }
    }

    @Test
    void taskPredictionPicksTheLargestMeanOfMaxima() {
        // per-sample arg-max would vote 2:1 for task 0, the mean of block maxima picks task 1
        INDArray z = Nd4j.createFromArray(new double[][]{
                {2.0, 0.0, 1.9, 0.0},
                {2.0, 0.0, 1.9, 0.0},
                {0.0, 0.0, 5.0, 0.0}});
        List<int[]> blocks = List.of(new int[]{0, 1}, new int[]{2, 3});
        assertArrayEquals(new double[]{4.0 / 3, 8.8 / 3}, TaskPrediction.taskScores(z, blocks), 1e-12);
        assertEquals(1, TaskPrediction.predictTask(z, blocks));
        assertThrows(IllegalArgumentException.class, () -> TaskPrediction.predictTask(z, List.of(new int[]{4})));
        assertThrows(IllegalArgumentException.class, () -> TaskPrediction.predictTask(z, List.of()));
    }

    @Test
    void jsonRoundTrip() {
        ItamlConfiguration c = ItamlConfiguration.splitMnist().rule(MetaUpdateRule.RELEASED).innerSteps(2).beta(1.0)
                .sessions(4).memorySize(500).selection(new HerdingSelection()).firstSessionEpochs(2)
                .learningRate(0.05).lrSchedule(0.2, 1, 2).continuum(10).adaptation(2, 32, 1e-4).build();
        String json = c.toJson();
        assertTrue(json.contains("HerdingSelection"), json);
        assertTrue(json.contains("\"@class\"") && json.contains(ItamlConfiguration.class.getName()), json);
        ItamlConfiguration back = ItamlConfiguration.fromJson(json);
        assertEquals(c, back);
        assertEquals(c.hashCode(), back.hashCode());
        assertNotEquals(c, c.toBuilder().sessions(5).build());
        assertEquals(new ItamlConfiguration.Builder().build(),
                ItamlConfiguration.fromJson(new ItamlConfiguration.Builder().build().toJson()));
        assertEquals(0.05 * 0.5, ItamlConfiguration.splitMnist().build().learningRate(4, 7), 1e-15);
        assertEquals(0.1 * 0.125, ItamlConfiguration.splitMnist().build().learningRate(1, 19), 1e-15);
        assertEquals(c, c.toBuilder().build());
        // the trainer's configuration carries it as a plugin (polymorphic by @class)
        ContinualConfiguration cc = ItamlConfiguration.splitMnistTrainer(c).seed(7).build();
        ContinualConfiguration cb = ContinualConfiguration.fromJson(cc.toJson());
        assertEquals(cc, cb);
        assertEquals(c, cb.getPlugins().get(0));
        // the preset: the paper's Split-MNIST protocol
        ItamlConfiguration mnist = ItamlConfiguration.splitMnist().build();
        assertEquals(5, mnist.epochs(20, 0));
        assertEquals(20, mnist.epochs(20, 1));
        assertEquals(3, new ItamlConfiguration.Builder().build().epochs(3, 0), "default: the trainer's epochs");
        ContinualConfiguration preset = ItamlConfiguration.splitMnistTrainer(mnist).build();
        assertEquals(256, preset.getBatchSize());
        assertEquals(20, preset.getEpochsPerExperience());
        assertEquals(1000, preset.getEvalBatchSize());
        assertEquals(HeadPolicy.FIXED, preset.getHeadPolicy());
        assertEquals(List.of(mnist), preset.getPlugins());
        assertEquals("itaml-paper", mnist.name());
        assertThrows(IllegalArgumentException.class, () -> ItamlConfiguration.fromJson(
                new io.github.dl4jcontinual.replay.strategy.ExperienceReplay.Builder().build().toJson()));
    }

    @Test
    void badInputsAreRejectedWithTheValue() {
        ItamlConfiguration.Builder b = new ItamlConfiguration.Builder();
        assertMessage(() -> b.innerSteps(0), "innerSteps", "0");
        assertMessage(() -> b.beta(-0.5), "beta", "-0.5");
        assertMessage(() -> b.sessions(-1), "sessions", "-1");
        assertMessage(() -> b.memorySize(-1), "memorySize", "-1");
        assertMessage(() -> b.firstSessionEpochs(-2), "firstSessionEpochs", "-2");
        assertMessage(() -> b.learningRate(0), "learningRate", "0.0");
        assertMessage(() -> b.lrSchedule(0.5, 5, 5), "milestones", "[5, 5]");
        assertMessage(() -> b.continuum(0), "continuum", "0");
        assertMessage(() -> b.adaptation(-1, 64, 1e-3), "adaptation epochs", "-1");
        assertMessage(() -> new BlockBinaryCrossEntropy(1, 1), "distinct", "[1, 1]");
        assertThrows(IllegalArgumentException.class, () -> ItamlConfiguration.fromJson("{\"nope\": 1}"));
        // a head without a loss cannot take the block loss
        MultiLayerNetwork noLoss = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(8).build())
                .layer(new DenseLayer.Builder().nIn(8).nOut(4).activation(Activation.IDENTITY).build()).build());
        noLoss.init();
        assertMessage(() -> ContinualTrainer.wrap(noLoss, trainer(small(MetaUpdateRule.PAPER))).fit(synthetic(4, 1)),
                "iTAML", "output layer");
        // one output per class
        MultiLayerNetwork wide = logitMlp(4, 8, 6, 1);
        assertMessage(() -> ContinualTrainer.wrap(wide, trainer(small(MetaUpdateRule.PAPER))).fit(synthetic(4, 1)),
                "output size 6", "nOut = 4");
        // labels outside every block
        MultiLayerNetwork ok = logitMlp(4, 8, 4, 1);
        DataSet bad = new DataSet(Nd4j.rand(DataType.FLOAT, 2, 4), DataSets.oneHot(new int[]{0, 3}, 4));
        assertMessage(() -> plugin(b.build()).metaStep(ContinualModel.of(ok), Batches.of(bad),
                List.of(new int[]{0, 1}), 0.5), "class 3", "no task block");
        // experiences sharing classes (domain-incremental) have no task blocks
        Scenario domain = io.github.dl4jcontinual.scenario.DomainIncrementalScenario.permuted(blobs(4, 20,
                new Random(1)), blobs(4, 5, new Random(2)), 2, 1);
        assertMessage(() -> ContinualTrainer.wrap(logitMlp(4, 8, 4, 1), trainer(small(MetaUpdateRule.PAPER)))
                .fit(domain), "class 0", "disjoint");
        // T is unknown when learning one experience at a time, unless configured
        Scenario s = synthetic(4, 1);
        IllegalStateException noT = assertThrows(IllegalStateException.class, () -> ContinualTrainer
                .wrap(logitMlp(4, 8, 4, 1), trainer(small(MetaUpdateRule.PAPER))).learn(s.trainStream().get(0)));
        assertTrue(noT.getMessage().contains("sessions(T)"), noT.getMessage());
        assertMessage(() -> ContinualTrainer.wrap(logitMlp(4, 8, 4, 1),
                trainer(small(MetaUpdateRule.PAPER).toBuilder().sessions(3).build())).fit(s), "T = 3",
                "2 experiences");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String... parts) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) {
            assertTrue(ex.getMessage().toLowerCase().contains(p.toLowerCase()),
                    "message '" + ex.getMessage() + "' should mention " + p);
        }
    }

    /** Gaussian blobs: {@code classes} classes, one centre each, split into experiences of 2 classes. */
    static Scenario synthetic(int classes, long seed) {
        Random r = new Random(seed);
        return new ClassIncrementalScenario.Builder().train(blobs(classes, 60, r)).test(blobs(classes, 20, r))
                .numExperiences(classes / 2).name("blobs").build();
    }

    private static DataSet blobs(int classes, int perClass, Random r) {
        int n = classes * perClass;
        int d = Math.max(4, classes);
        float[][] x = new float[n][d];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            y[i] = c;
            for (int k = 0; k < d; k++) {
                x[i][k] = (float) ((k == c ? 3 : 0) + r.nextGaussian() * 0.5);
            }
        }
        return new DataSet(Nd4j.createFromArray(x), DataSets.oneHot(y, classes));
    }

    static MultiLayerNetwork logitMlp(int nIn, int hidden, int nOut, long seed) {
        return mlp(nIn, hidden, nOut, seed, false);
    }

    /** nIn-hidden ReLU, bias-free head: IDENTITY + block loss (logits) or SOFTMAX + MCXENT (a user's classifier). */
    static MultiLayerNetwork mlp(int nIn, int hidden, int nOut, long seed, boolean softmax) {
        OutputLayer.Builder out = softmax
                ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                : new OutputLayer.Builder(new BlockBinaryCrossEntropy()).activation(Activation.IDENTITY);
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(seed).updater(new Nesterovs(0.1, 0.9))
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.RELU).build())
                .layer(out.nIn(hidden).nOut(nOut).hasBias(false).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
    }

    static ComputationGraph logitGraph(int nIn, int hidden, int nOut, long seed) {
        ComputationGraphConfiguration c = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Nesterovs(0.1, 0.9)).weightInit(WeightInit.XAVIER).graphBuilder().addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.RELU).build(), "in")
                .addLayer("out", new OutputLayer.Builder(new LossMSE()).nIn(hidden).nOut(nOut).hasBias(false)
                        .activation(Activation.IDENTITY).build(), "h")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        return g;
    }

    private static ItamlConfiguration small(MetaUpdateRule rule) {
        return new ItamlConfiguration.Builder().rule(rule).memorySize(40).firstSessionEpochs(3).learningRate(0.05)
                .lrSchedule(0.5, 2).continuum(5).adaptation(1, 8, 1e-3).build();
    }

    /** The trainer's share of the old standalone settings: batch 16, 3 epochs per session, seed 5. */
    private static ContinualConfiguration trainer(PluginConfiguration... plugins) {
        return new ContinualConfiguration.Builder().batchSize(16).epochsPerExperience(3).seed(5).progress(false)
                .plugins(plugins).build();
    }

    /**
     * Wraps an iTAML configuration so that a test can reach the runtime the trainer instantiates (its memory);
     * JSON-serialisable like every plugin configuration.
     */
    static final class Capturing extends io.github.dl4jcontinual.serde.JsonConfiguration implements PluginConfiguration {
        private static final long serialVersionUID = 1L;
        static final Map<String, ItamlPlugin> LAST = new ConcurrentHashMap<>();
        private ItamlConfiguration itaml;
        private String key;

        private Capturing() {
        }

        Capturing(ItamlConfiguration itaml, String key) {
            this.itaml = itaml;
            this.key = key;
        }

        @Override
        public ContinualPlugin instantiate() {
            ItamlPlugin p = (ItamlPlugin) itaml.instantiate();
            LAST.put(key, p);
            return p;
        }

        @Override
        public String name() {
            return itaml.name();
        }
    }

    private static AccuracyMatrix itaml(ContinualResult r, String row) {
        return r.matrix(ItamlPlugin.METRIC + "." + row);
    }

    @Test
    void trainsMlnAndGraphFiresListenersFollowsTheScheduleKeepsQuotaAndRestoresLoss() {
        ItamlConfiguration conf = small(MetaUpdateRule.PAPER).toBuilder().sessionLearningRate(1, 0.02).build();
        for (Model m : new Model[]{logitMlp(4, 16, 4, 1), logitGraph(4, 16, 4, 1)}) {
            int[] counts = new int[3];
            List<Double> lrs = new ArrayList<>();
            BaseTrainingListener l = new BaseTrainingListener() {
                @Override
                public void iterationDone(Model model, int iteration, int epoch) {
                    counts[0]++;
                }

                @Override
                public void onEpochStart(Model model) {
                    counts[1]++;
                    lrs.add(model instanceof MultiLayerNetwork ? NetworkUtils.getLearningRate((MultiLayerNetwork) model,
                            0) : NetworkUtils.getLearningRate((ComputationGraph) model, "h"));
                }

                @Override
                public void onEpochEnd(Model model) {
                    counts[2]++;
                }
            };
            String key = m.getClass().getSimpleName();
            ContinualConfiguration cc = trainer(new Capturing(conf, key));
            ContinualTrainer<?> t;
            ILossFunction user;
            if (m instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) m).setListeners(l);
                t = ContinualTrainer.wrap((MultiLayerNetwork) m, cc);
            } else {
                ((ComputationGraph) m).setListeners(l);
                t = ContinualTrainer.wrap((ComputationGraph) m, cc);
            }
            user = t.continualModel().headLoss();
            ContinualResult r = t.fit(synthetic(4, 2));
            assertEquals(6, counts[1], "epoch starts");
            assertEquals(6, counts[2], "epoch ends");
            // lr 0.05 halved from epoch 2; session 1's own rate 0.02
            assertEquals(List.of(0.05, 0.05, 0.025, 0.02, 0.02, 0.01), lrs, key);
            long inner = r.experiences().stream().mapToLong(e -> e.metrics().get("itaml.inner_updates").longValue())
                    .sum();
            assertEquals(inner, counts[0], "one iterationDone per inner step");
            assertEquals(inner, r.experiences().stream().mapToLong(ExperienceResult::iterations).sum());
            ExperienceResult e0 = r.experiences().get(0);
            ExperienceResult e1 = r.experiences().get(1);
            assertEquals(1.0, e0.metrics().get("itaml.eta"), 0);
            assertEquals(Math.exp(-0.5 / 2), e1.metrics().get("itaml.eta"), 1e-15);
            assertEquals(40.0, e0.metrics().get("itaml.memory_size"), 0);
            // data = experience (120) ∪ memory (40 exemplars of session 0), 3 epochs each
            assertEquals(3 * 120, e0.examplesSeen());
            assertEquals(3 * (120 + 40), e1.examplesSeen());
            // quota = memory / seen classes: 40 / 4 = 10 each, first-in-order selection
            ItamlPlugin p = Capturing.LAST.get(key);
            assertEquals(Map.of(0, 10, 1, 10, 2, 10, 3, 10), p.memory().countsPerClass());
            AccuracyMatrix with = itaml(r, ItamlPlugin.WITH_TASK_PREDICTION);
            AccuracyMatrix tp = itaml(r, ItamlPlugin.TASK_PREDICTION);
            assertTrue(with.finalAverageAccuracy() > 0.9, r.report());
            assertTrue(tp.seenAccuracy(tp.rows() - 1) > 0.9, r.report());
            assertTrue(itaml(r, ItamlPlugin.ADAPTED_TASK_AWARE).finalAverageAccuracy() > 0.9, r.report());
            assertEquals(2, with.rows());
            assertTrue(Double.isNaN(with.get(0, 1)), "task 1 is not seen after session 0");
            assertTrue(Double.isNaN(tp.get(0, 1)), "task 1 is not seen after session 0");
            assertTrue(user == t.continualModel().headLoss(), "the user's loss is back: "
                    + t.continualModel().headLoss());
        }
    }

    @Test
    void quotaAfterFirstSessionIsMemoryOverSeenClasses() {
        MultiLayerNetwork net = logitMlp(4, 8, 2, 1);
        ItamlConfiguration c = small(MetaUpdateRule.RELEASED).toBuilder().memorySize(30).firstSessionEpochs(1)
                .selection(new FirstSelection()).build();
        Random r = new Random(3);
        Scenario s = new ClassIncrementalScenario.Builder().train(blobs(2, 60, r)).test(blobs(2, 20, r))
                .numExperiences(1).name("one").build();
        ContinualTrainer.wrap(net, trainer(new Capturing(c, "quota"))).fit(s);
        assertEquals(Map.of(0, 15, 1, 15), Capturing.LAST.get("quota").memory().countsPerClass());
    }

    @Test
    void herdingSelectionFillsTheSameQuotas() {
        MultiLayerNetwork net = logitMlp(4, 8, 4, 1);
        ItamlConfiguration c = small(MetaUpdateRule.PAPER).toBuilder().firstSessionEpochs(1)
                .selection(new HerdingSelection()).build();
        ContinualTrainer.wrap(net, trainer(new Capturing(c, "herding")).toBuilder().epochsPerExperience(1).build())
                .fit(synthetic(4, 4));
        ItamlPlugin p = Capturing.LAST.get("herding");
        assertEquals(Map.of(0, 10, 1, 10, 2, 10, 3, 10), p.memory().countsPerClass());
        assertEquals(new HerdingSelection(),
                ((io.github.dl4jcontinual.replay.ClassBalancedReplayBuffer) p.memory()).selection());
    }

    @Test
    void aSoftmaxHeadTrainsExactlyAsALogitHeadAndKeepsItsLoss() {
        // the block loss reads the pre-activation and task prediction the logits: the activation of the user's
        // output layer does not matter, so a SOFTMAX + MCXENT classifier trains and predicts tasks as the logit head
        Scenario s = synthetic(6, 7);
        for (MetaUpdateRule rule : MetaUpdateRule.values()) {
            ContinualConfiguration cc = trainer(small(rule));
            ContinualTrainer<MultiLayerNetwork> logits = ContinualTrainer.wrap(mlp(6, 16, 6, 2, false), cc);
            ContinualTrainer<MultiLayerNetwork> softmax = ContinualTrainer.wrap(mlp(6, 16, 6, 2, true), cc);
            ContinualResult a = logits.fit(s);
            ContinualResult b = softmax.fit(s);
            for (String row : List.of(ItamlPlugin.WITH_TASK_PREDICTION, ItamlPlugin.TASK_PREDICTION,
                    ItamlPlugin.ADAPTED_TASK_AWARE)) {
                assertSameMatrix(itaml(a, row), itaml(b, row), rule + " " + row);
            }
            assertSameMatrix(a.taskIncremental(), b.taskIncremental(), rule + " task-IL");
            assertEquals(logits.getModel().params(), softmax.getModel().params(), rule + " parameters");
            assertTrue(itaml(b, ItamlPlugin.WITH_TASK_PREDICTION).finalAverageAccuracy() > 0.9, b.report());
            OutputLayer head = (OutputLayer) softmax.getModel().getLayer(1).conf().getLayer();
            assertInstanceOf(LossMCXENT.class, head.getLossFn());
            assertInstanceOf(ActivationSoftmax.class, head.getActivationFn());
        }
    }

    @Test
    void anExpandingHeadGrowsWithTheTasks() {
        ContinualConfiguration cc = trainer(small(MetaUpdateRule.PAPER)).toBuilder().headPolicy(HeadPolicy.EXPANDING)
                .build();
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(mlp(6, 16, 2, 5, true), cc);
        ContinualResult r = t.fit(synthetic(6, 10));
        assertEquals(6, t.continualModel().headSize());
        assertEquals(3, itaml(r, ItamlPlugin.WITH_TASK_PREDICTION).rows());
        assertTrue(itaml(r, ItamlPlugin.WITH_TASK_PREDICTION).finalAverageAccuracy() > 0.9, r.report());
        assertInstanceOf(LossMCXENT.class, t.continualModel().headLoss());
    }

    @Test
    void learningOneExperienceAtATimeGivesTheSameMatricesAsFit() {
        Scenario s = synthetic(6, 8);
        ItamlConfiguration c = small(MetaUpdateRule.RELEASED).toBuilder().sessions(3).build();
        ContinualResult whole = ContinualTrainer.wrap(logitMlp(6, 16, 6, 3), trainer(c)).fit(s);
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(logitMlp(6, 16, 6, 3), trainer(c));
        List<Experience> test = new ArrayList<>();
        s.testStream().forEach(test::add);
        t.evaluate(test);
        ContinualResult parts = null;
        for (Experience e : s.trainStream()) {
            t.learn(e);
            parts = t.evaluate(test);
        }
        t.finish();
        for (String name : whole.matrixNames()) {
            assertSameMatrix(whole.matrix(name), parts.matrix(name), name);
        }
        assertTrue(parts.matrixNames().contains("itaml.with_task_prediction"), parts.matrixNames().toString());
    }

    @Test
    void aResumedRunIsBitIdentical(@TempDir Path dir) throws Exception {
        Scenario s = synthetic(6, 9);
        for (MetaUpdateRule rule : MetaUpdateRule.values()) {
            ContinualConfiguration cc = trainer(small(rule));
            ContinualTrainer<MultiLayerNetwork> whole = ContinualTrainer.wrap(logitMlp(6, 16, 6, 4), cc);
            ContinualResult expected = whole.fit(s);
            for (int k = 1; k <= 2; k++) {
                Path d = Files.createDirectories(dir.resolve(rule + "-k" + k));
                ContinualTrainer.wrap(logitMlp(6, 16, 6, 4), cc).setCheckpointDirectory(d).fit(s, k);
                Path ckpt = CheckpointFile.latestIn(d).orElseThrow();
                // as in a fresh JVM: ND4J's generator is elsewhere than where the stopped run left it
                Nd4j.getRandom().setSeed(999 + k);
                ContinualTrainer<MultiLayerNetwork> second = ContinualTrainer.resume(ckpt, cc,
                        MultiLayerNetwork.class).setProgressStream(QUIET);
                ContinualResult resumed = second.fit(s);
                assertEquals(expected.matrixNames(), resumed.matrixNames());
                for (String name : expected.matrixNames()) {
                    assertSameMatrix(expected.matrix(name), resumed.matrix(name), rule + " " + name + ", k=" + k);
                }
                for (int e = 0; e < 3; e++) {
                    assertEquals(expected.experiences().get(e).metrics(), resumed.experiences().get(e).metrics(),
                            rule + " metrics of experience " + e + ", k=" + k);
                }
                assertArrayEquals(whole.getModel().params().toFloatVector(),
                        second.getModel().params().toFloatVector(), rule + " final parameters, k=" + k);
            }
        }
    }

    static void assertSameMatrix(AccuracyMatrix a, AccuracyMatrix b, String what) {
        io.github.dl4jcontinual.testutil.Matrices.assertBitIdentical(a, b, what);
    }
}
