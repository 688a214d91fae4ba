package io.github.dl4jcontinual.metalearning;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.replay.selection.FirstSelection;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
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
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mechanism tests of iTAML (methods.md §5.7 (i)–(vi)) on tiny models and synthetic data. */
class ItamlTest {

    /** One bias-free output layer 2 → 2 with IDENTITY activation, plain SGD, double precision. */
    private static MultiLayerNetwork tiny(double lr) {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(3).updater(new Sgd(lr))
                .dataType(DataType.DOUBLE).weightInit(WeightInit.XAVIER).list()
                .layer(new OutputLayer.Builder(new BlockBinaryCrossEntropy()).nIn(2).nOut(2).hasBias(false)
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
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

    @Test
    void outerUpdateEqualsTheFormulaComputedByHand() {
        double lr = 0.5;
        double[][] x = {{1.0, 2.0}, {-1.0, 0.5}, {0.3, -2.0}};
        double[][] y = {{1, 0}, {0, 1}, {1, 0}};
        DataSet batch = new DataSet(Nd4j.createFromArray(x), Nd4j.createFromArray(y));
        List<int[]> blocks = List.of(new int[]{0}, new int[]{1});
        double eta = Math.exp(-1.0 * 1 / 4);
        for (MetaUpdateRule rule : MetaUpdateRule.values()) {
            MultiLayerNetwork net = tiny(lr);
            double[][] w0 = weights(net);
            ItamlTrainer<MultiLayerNetwork> t = ItamlTrainer.wrap(net, new ItamlConfiguration.Builder().rule(rule)
                    .beta(1.0).build());
            assertEquals(2, t.metaStep(batch, blocks, 1, 4));
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
                assertArrayEquals(expected[i], got[i], 1e-12, rule + " row " + i);
            }
            // the user's loss function is back in place
            assertEquals(new BlockBinaryCrossEntropy(), ((OutputLayer) net.getLayer(0).conf().getLayer()).getLossFn());
        }
    }

    @Test
    void singleTaskWithEtaOneIsPlainSgd() {
        MultiLayerNetwork a = tiny(0.1);
        MultiLayerNetwork b = tiny(0.1);
        DataSet batch = new DataSet(Nd4j.createFromArray(new double[][]{{1, 2}, {3, -1}}),
                Nd4j.createFromArray(new double[][]{{1, 0}, {0, 1}}));
        ItamlTrainer.wrap(a, new ItamlConfiguration.Builder().build()).metaStep(batch, List.of(new int[]{0, 1}), 0, 5);
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
        // eta = exp(-beta) with a huge beta: the trainable parameters stay at their start, the running stats move
        INDArray before = net.getLayer(1).getParam("mean").dup();
        INDArray w0 = net.getLayer(0).getParam("W").dup();
        ItamlTrainer.wrap(net, new ItamlConfiguration.Builder().beta(1000).build())
                .metaStep(batch, List.of(new int[]{0}, new int[]{1}), 1, 2);
        assertEquals(w0, net.getLayer(0).getParam("W"));
        assertNotEquals(before, net.getLayer(1).getParam("mean"));
    }

    @Test
    void blockLossGradientTouchesOnlyTheBlocksRows() {
        MultiLayerNetwork net = tiny(0.1);
        DataSet batch = new DataSet(Nd4j.createFromArray(new double[][]{{1, 2}, {3, -1}}),
                Nd4j.createFromArray(new double[][]{{1, 0}, {0, 1}}));
        ((OutputLayer) net.getLayer(0).conf().getLayer()).setLossFn(new BlockBinaryCrossEntropy(1));
        net.setInput(batch.getFeatures());
        net.setLabels(batch.getLabels());
        net.computeGradientAndScore();
        INDArray g = net.gradient().getGradientFor("0_W");
        assertEquals(0.0, g.getColumn(0).norm1Number().doubleValue(), 0);
        assertTrue(g.getColumn(1).norm1Number().doubleValue() > 0);
        // the score is the mean BCE of column 1 over the two rows
        INDArray w = net.getLayer(0).getParam("W");
        double z0 = 1 * w.getDouble(0, 1) + 2 * w.getDouble(1, 1);
        double z1 = 3 * w.getDouble(0, 1) - 1 * w.getDouble(1, 1);
        double expected = (-Math.log(1 - sigmoid(z0)) - Math.log(sigmoid(z1))) / 2;
        assertEquals(expected, net.score(), 1e-9);
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
                .memorySize(500).selection(new HerdingSelection()).epochs(3).firstSessionEpochs(2).batchSize(64)
                .learningRate(0.05).lrSchedule(0.2, 1, 2).continuum(10).adaptation(2, 32, 1e-4).evalBatchSize(100)
                .seed(7).build();
        String json = c.toJson();
        assertTrue(json.contains("HerdingSelection"), json);
        ItamlConfiguration back = ItamlConfiguration.fromJson(json);
        assertEquals(c, back);
        assertEquals(c.hashCode(), back.hashCode());
        assertEquals(new ItamlConfiguration.Builder().build(),
                ItamlConfiguration.fromJson(new ItamlConfiguration.Builder().build().toJson()));
        assertEquals(0.05 * 0.5, ItamlConfiguration.splitMnist().build().learningRate(4, 7), 1e-15);
        assertEquals(0.1 * 0.125, ItamlConfiguration.splitMnist().build().learningRate(1, 19), 1e-15);
        assertEquals(c, c.toBuilder().build());
    }

    @Test
    void badInputsAreRejectedWithTheValue() {
        ItamlConfiguration.Builder b = new ItamlConfiguration.Builder();
        assertMessage(() -> b.innerSteps(0), "innerSteps", "0");
        assertMessage(() -> b.beta(-0.5), "beta", "-0.5");
        assertMessage(() -> b.memorySize(-1), "memorySize", "-1");
        assertMessage(() -> b.learningRate(0), "learningRate", "0.0");
        assertMessage(() -> b.lrSchedule(0.5, 5, 5), "milestones", "[5, 5]");
        assertMessage(() -> b.continuum(0), "continuum", "0");
        assertMessage(() -> b.adaptation(-1, 64, 1e-3), "adaptation epochs", "-1");
        assertMessage(() -> new BlockBinaryCrossEntropy(1, 1), "distinct", "[1, 1]");
        assertThrows(IllegalArgumentException.class, () -> ItamlConfiguration.fromJson("{\"nope\": 1}"));
        // a softmax head is not a logit head
        MultiLayerNetwork softmax = Models.mlp(4, 8, 4, 0.1, 1);
        assertMessage(() -> ItamlTrainer.wrap(softmax, b.build()).fit(synthetic(4, 1)), "IDENTITY", "softmax");
        MultiLayerNetwork wide = logitMlp(4, 8, 6, 1);
        assertMessage(() -> ItamlTrainer.wrap(wide, b.build()).fit(synthetic(4, 1)), "nOut = 6", "4 classes");
        MultiLayerNetwork ok = logitMlp(4, 8, 4, 1);
        DataSet bad = new DataSet(Nd4j.rand(DataType.FLOAT, 2, 4), DataSets.oneHot(new int[]{0, 3}, 4));
        assertMessage(() -> ItamlTrainer.wrap(ok, b.build()).metaStep(bad, List.of(new int[]{0, 1}), 0, 2),
                "class 3", "no task block");
    }

    private static void assertMessage(org.junit.jupiter.api.function.Executable e, String... parts) {
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, e);
        for (String p : parts) {
            assertTrue(ex.getMessage().toLowerCase().contains(p.toLowerCase()),
                    "message '" + ex.getMessage() + "' should mention " + p);
        }
    }

    /** Gaussian blobs: 4 classes, one centre each, split into 2 experiences of 2 classes. */
    static Scenario synthetic(int classes, long seed) {
        Random r = new Random(seed);
        int perClassTrain = 60;
        int perClassTest = 20;
        return new ClassIncrementalScenario.Builder().train(blobs(classes, perClassTrain, r))
                .test(blobs(classes, perClassTest, r)).numExperiences(classes / 2).name("blobs").build();
    }

    private static DataSet blobs(int classes, int perClass, Random r) {
        int n = classes * perClass;
        float[][] x = new float[n][4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            int c = i % classes;
            y[i] = c;
            for (int k = 0; k < 4; k++) {
                x[i][k] = (float) ((k == c ? 3 : 0) + r.nextGaussian() * 0.5);
            }
        }
        return new DataSet(Nd4j.createFromArray(x), DataSets.oneHot(y, classes));
    }

    static MultiLayerNetwork logitMlp(int nIn, int hidden, int nOut, long seed) {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(seed).updater(new Nesterovs(0.1, 0.9))
                .weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(nIn).nOut(hidden).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(new BlockBinaryCrossEntropy()).nIn(hidden).nOut(nOut).hasBias(false)
                        .activation(Activation.IDENTITY).build())
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
        return new ItamlConfiguration.Builder().rule(rule).memorySize(40).epochs(3).firstSessionEpochs(3)
                .batchSize(16).learningRate(0.05).lrSchedule(0.5, 2).continuum(5).adaptation(1, 8, 1e-3).seed(5)
                .build();
    }

    @Test
    void trainsMlnAndGraphFiresListenersKeepsQuotaAndRestoresLoss() {
        for (Model m : new Model[]{logitMlp(4, 16, 4, 1), logitGraph(4, 16, 4, 1)}) {
            int[] counts = new int[3];
            BaseTrainingListener l = new BaseTrainingListener() {
                @Override
                public void iterationDone(Model model, int iteration, int epoch) {
                    counts[0]++;
                }

                @Override
                public void onEpochStart(Model model) {
                    counts[1]++;
                }

                @Override
                public void onEpochEnd(Model model) {
                    counts[2]++;
                }
            };
            ItamlResult r;
            ItamlTrainer<?> t;
            if (m instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) m).setListeners(l);
                t = ItamlTrainer.wrap((MultiLayerNetwork) m, small(MetaUpdateRule.PAPER)).setProgressStream(null);
            } else {
                ((ComputationGraph) m).setListeners(l);
                t = ItamlTrainer.wrap((ComputationGraph) m, small(MetaUpdateRule.PAPER)).setProgressStream(null);
            }
            r = t.fit(synthetic(4, 2));
            assertEquals(6, counts[1], "epoch starts");
            assertEquals(6, counts[2], "epoch ends");
            long inner = r.generic().experiences().stream()
                    .mapToLong(e -> e.metrics().get("itaml.inner_updates").longValue()).sum();
            assertEquals(inner, counts[0], "one iterationDone per inner step");
            // quota = memory / seen classes: 40 / 4 = 10 each, first-in-order selection
            assertEquals(Map.of(0, 10, 1, 10, 2, 10, 3, 10), t.memory().countsPerClass());
            assertTrue(r.finalAccuracy() > 0.9, r.report());
            assertTrue(r.finalTaskPredictionAccuracy() > 0.9, r.report());
            assertEquals(2, r.withTaskPrediction().rows());
            assertTrue(Double.isNaN(r.withTaskPrediction().get(0, 1)), "task 1 is not seen after session 0");
        }
    }

    @Test
    void quotaAfterFirstSessionIsMemoryOverSeenClasses() {
        MultiLayerNetwork net = logitMlp(4, 8, 2, 1);
        ItamlConfiguration c = small(MetaUpdateRule.RELEASED).toBuilder().memorySize(30).epochs(1)
                .firstSessionEpochs(1).selection(new FirstSelection()).build();
        Scenario s = new ClassIncrementalScenario.Builder().train(synthetic(4, 3).trainStream().get(0).dataSet())
                .test(synthetic(4, 3).testStream().get(0).dataSet()).numExperiences(1).name("one").build();
        ItamlTrainer<MultiLayerNetwork> t = ItamlTrainer.wrap(net, c).setProgressStream(null);
        t.fit(s);
        assertEquals(Map.of(0, 15, 1, 15), t.memory().countsPerClass());
    }

    @Test
    void herdingSelectionFillsTheSameQuotas() {
        MultiLayerNetwork net = logitMlp(4, 8, 4, 1);
        ItamlConfiguration c = small(MetaUpdateRule.PAPER).toBuilder().epochs(1).firstSessionEpochs(1)
                .selection(new HerdingSelection()).build();
        ItamlTrainer<MultiLayerNetwork> t = ItamlTrainer.wrap(net, c).setProgressStream(null);
        t.fit(synthetic(4, 4));
        assertEquals(Map.of(0, 10, 1, 10, 2, 10, 3, 10), t.memory().countsPerClass());
        assertEquals(new HerdingSelection(), t.memory().selection());
    }
}
