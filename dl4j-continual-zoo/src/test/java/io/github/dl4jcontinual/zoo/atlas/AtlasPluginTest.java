package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ATLAS plugin on small synthetic networks: configuration JSON, refusals, the rebuilt network's structure,
 * gradient checks of the adapter and head layers, the orthogonality gradient, the stages' update counts, per-task
 * queries keeping old tasks exactly, the sequential baseline moving them, and a ComputationGraph.
 */
class AtlasPluginTest {
    static final int IN = 12;
    static final int D = 8;

    static MultiLayerNetwork mlp(DataType type, int classes) {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(5).dataType(type)
                .updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().nIn(IN).nOut(16).activation(Activation.TANH).name("hidden").build())
                .layer(new DenseLayer.Builder().nIn(16).nOut(D).activation(Activation.IDENTITY).name("proj").build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(D).nOut(classes)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(c);
        n.init();
        return n;
    }

    /** Gaussian blobs: class c around a fixed random centre. */
    static DataSet blobs(int classes, int perClass, long seed) {
        Random r = new Random(seed);
        Random centres = new Random(99);
        double[][] mu = new double[classes][IN];
        for (double[] m : mu) {
            for (int k = 0; k < IN; k++) {
                m[k] = 2 * centres.nextGaussian();
            }
        }
        INDArray x = Nd4j.create(DataType.FLOAT, (long) classes * perClass, IN);
        INDArray y = Nd4j.zeros(DataType.FLOAT, (long) classes * perClass, classes);
        for (int i = 0; i < classes * perClass; i++) {
            int c = i % classes;
            for (int k = 0; k < IN; k++) {
                x.putScalar(i, k, mu[c][k] + r.nextGaussian());
            }
            y.putScalar(i, c, 1);
        }
        return new DataSet(x, y);
    }

    static Scenario scenario(int tasks) {
        int[][] groups = new int[tasks][];
        for (int t = 0; t < tasks; t++) {
            groups[t] = new int[]{2 * t, 2 * t + 1};
        }
        return new ClassIncrementalScenario.Builder().train(blobs(2 * tasks, 16, 1)).test(blobs(2 * tasks, 10, 2))
                .experienceClasses(groups).taskLabels(true).name("blobs").build();
    }

    static ContinualConfiguration trainer(AtlasConfiguration atlas) {
        return new ContinualConfiguration.Builder().batchSize(8).seed(3).progress(false).plugin(atlas).build();
    }

    static AtlasConfiguration.Builder small() {
        return new AtlasConfiguration.Builder().bottleneck(4).queryHeads(2).stage1Epochs(1).stage2Epochs(4)
                .learningRate(1e-2);
    }

    @Test
    void configurationRoundTripsThroughTheTrainersJson() {
        AtlasConfiguration a = small().method(AtlasConfiguration.Method.SEQUENTIAL)
                .weighting(AtlasConfiguration.Weighting.DIMENSION).querySlots(3).experienceEpochs(2, 4, 5)
                .siteLayers("proj", "hidden").queryPerTask(false).classText(3, new double[]{0.5, -1, 2})
                .untrained(0, 1).weightDecay(0).learningRate(2e-3).build();
        ContinualConfiguration c = trainer(a);
        ContinualConfiguration back = ContinualConfiguration.fromJson(c.toJson());
        assertEquals(c, back);
        AtlasConfiguration b = (AtlasConfiguration) back.getPlugins().get(0);
        assertEquals(a, b);
        assertArrayEquals(new int[]{4, 5}, b.stageEpochs(2));
        assertArrayEquals(new int[]{1, 4}, b.stageEpochs(0));
        assertArrayEquals(new double[]{0.5, -1, 2}, b.classText(3));
        assertEquals("atlas-sequential", b.name());
        assertFalse(a.equals(a.toBuilder().orthoWeight(0.2).build()));
        assertEquals(a, a.toBuilder().build());
    }

    @Test
    void builderNamesBadValues() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> small().bottleneck(0)).getMessage()
                .contains("bottleneck should be > 0 (got: 0)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> small().warmupFraction(1)).getMessage()
                .contains("warmupFraction should be in [0, 1) (got: 1.0)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> small().stage1Epochs(-1)).getMessage()
                .contains("(got: -1)"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> small().siteLayers("a", "a")).getMessage()
                .contains("distinct"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> small().classText(0, new double[]{1, 2})
                .classText(1, new double[]{1})).getMessage().contains("width 1 but earlier classes have 2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> small().learningRate(Double.NaN))
                .getMessage().contains("learningRate"));
    }

    @Test
    void refusesNetworksWithoutWhatItNeeds() {
        MultiLayerNetwork cnn = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(2).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(4)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(5, 5, 1)).build());
        cnn.init();
        String m = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(cnn,
                trainer(small().build())).fit(scenario(2))).getMessage();
        assertTrue(m.contains("after dense layers before the output layer, but the network has none"), m);
        assertTrue(m.contains("ConvolutionLayer"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(mlp(DataType.FLOAT, 4),
                trainer(small().siteLayers("nope").build())).fit(scenario(2))).getMessage();
        assertTrue(m.contains("'nope' is not in the network") && m.contains("hidden (DenseLayer)"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(mlp(DataType.FLOAT, 4),
                trainer(small().siteLayers("2").build())).fit(scenario(2))).getMessage();
        assertTrue(m.contains("is a OutputLayer: an adapter site needs a feed-forward layer"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(mlp(DataType.FLOAT, 4),
                trainer(small().classText(0, new double[D]).build())).fit(scenario(2))).getMessage();
        assertTrue(m.contains("mixes classes with and without a text embedding [0, 1]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(mlp(DataType.FLOAT, 4),
                trainer(small().classText(0, new double[3]).classText(1, new double[3]).build()))
                .fit(scenario(2))).getMessage();
        assertTrue(m.contains("width 3 but the output layer's input has width 8"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(mlp(DataType.FLOAT, 4),
                trainer(small().queryHeads(3).build())).fit(scenario(2))).getMessage();
        assertTrue(m.contains("queryHeads 3 should divide the width 16"), m);
        ClassIncrementalScenario.Builder overlapping = new ClassIncrementalScenario.Builder();
        assertTrue(overlapping != null);
    }

    @Test
    void rebuildsTheUsersNetworkWithSitesAndPerTaskHeadsAndCountsTheStages() {
        MultiLayerNetwork user = mlp(DataType.FLOAT, 6);
        INDArray userW = user.getLayer(2).getParam("W").dup();
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(user, trainer(small().build()));
        ContinualResult r = t.fit(scenario(3));
        MultiLayerNetwork net = t.getModel();
        // frozen user layers, a site after each dense layer, the head and its multi-head loss
        assertEquals(6, net.getnLayers());
        assertInstanceOf(AtlasAdapterLayer.class, net.getLayer(1).conf().getLayer());
        assertInstanceOf(AtlasAdapterLayer.class, net.getLayer(3).conf().getLayer());
        AtlasAdapterLayer first = (AtlasAdapterLayer) net.getLayer(1).conf().getLayer();
        assertTrue(first.isExpand());
        assertEquals(3, first.getAdapters());
        assertEquals(3, first.getBranches());
        assertInstanceOf(AtlasHeadLayer.class, net.getLayer(4).conf().getLayer());
        // the frozen tower kept the user's parameters
        assertEquals(user.getLayer(0).getParam("W"), net.getLayer(0).getParam("W"));
        // 32 examples per experience, batch 8: 4 updates per epoch; the first task gets 1 + 4 epochs of stage 2
        assertEquals(0.0, r.experiences().get(0).metrics().get("atlas.stage1_updates"));
        assertEquals(20.0, r.experiences().get(0).metrics().get("atlas.stage2_updates"));
        assertEquals(4.0, r.experiences().get(1).metrics().get("atlas.stage1_updates"));
        assertEquals(16.0, r.experiences().get(1).metrics().get("atlas.stage2_updates"));
        // the head of task 0 started from the user's columns of classes 0, 1 and then trained
        assertFalse(userW.getColumns(0, 1).equals(net.getLayer(4).getParam("W0")));
        // JSON round trip of the rebuilt configuration
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(net.getLayerWiseConfigurations().toJson());
        assertEquals(net.getLayerWiseConfigurations(), back);
        // per-task queries, frozen old adapters and heads: no forgetting at all
        for (int j = 0; j < 3; j++) {
            for (int i = j; i < 3; i++) {
                assertEquals(r.taskIncremental().get(j, j), r.taskIncremental().get(i, j), "task " + j + " row " + i);
            }
        }
        assertTrue(r.taskIncremental().get(2, 2) > 0.7, "learns: " + r.taskIncremental());
    }

    @Test
    void sequentialFineTuningMovesOldTasks() {
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(mlp(DataType.FLOAT, 6),
                trainer(small().method(AtlasConfiguration.Method.SEQUENTIAL).build()));
        ContinualResult r = t.fit(scenario(3));
        MultiLayerNetwork net = t.getModel();
        AtlasAdapterLayer site = (AtlasAdapterLayer) net.getLayer(1).conf().getLayer();
        assertEquals(1, site.getAdapters());
        assertEquals(1, site.getBranches());
        // the stage-2 epochs only (no budget rule), 4 updates each
        assertEquals(4.0 * 4, r.experiences().get(1).metrics().get("atlas.stage2_updates"));
        assertEquals(0.0, r.experiences().get(1).metrics().get("atlas.stage1_updates"));
        assertEquals(java.util.List.of("w1a0", "b1a0", "w2a0", "b2a0", "ka0", "q0a0"), site.getTrainable());
        assertTrue(net.getLayer(1).getParam("w2a0").norm2Number().doubleValue() > 0, "the shared adapter trained");
        // every task reads the one branch
        assertArrayEquals(new int[]{0, 0, 0}, ((AtlasHeadLayer) net.getLayer(4).conf().getLayer()).getTaskBranch());
    }

    @Test
    void untrainedExperiencesAddStructureWithoutUpdates() {
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(mlp(DataType.FLOAT, 4),
                trainer(small().untrained(0, 1).build()));
        ContinualResult r = t.fit(scenario(2));
        MultiLayerNetwork net = t.getModel();
        AtlasAdapterLayer site = (AtlasAdapterLayer) net.getLayer(1).conf().getLayer();
        assertEquals(2, site.getAdapters());
        assertEquals(0.0, net.getLayer(1).getParam("w2a1").norm2Number().doubleValue(), "identity adapter");
        assertEquals(0.0, r.experiences().get(1).metrics().get("atlas.stage2_updates"));
    }

    @Test
    void sharedQueriesAreRelearnedByLaterTasks() {
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(mlp(DataType.FLOAT, 6),
                trainer(small().queryPerTask(false).build()));
        t.fit(scenario(3));
        AtlasAdapterLayer site = (AtlasAdapterLayer) (t.getModel()).getLayer(1)
                .conf().getLayer();
        assertEquals(java.util.List.of("qa0", "qa1", "qa2"), site.paramNames().subList(15, 18));
    }

    @Test
    void worksOnAComputationGraph() {
        ComputationGraphConfiguration c = new NeuralNetConfiguration.Builder().seed(5).updater(new Adam(1e-3))
                .graphBuilder().addInputs("in")
                .addLayer("hidden", new DenseLayer.Builder().nIn(IN).nOut(16).activation(Activation.TANH).build(), "in")
                .addLayer("proj", new DenseLayer.Builder().nIn(16).nOut(D).activation(Activation.IDENTITY).build(),
                        "hidden")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(D).nOut(4)
                        .activation(Activation.SOFTMAX).build(), "proj")
                .setOutputs("out").build();
        ComputationGraph g = new ComputationGraph(c);
        g.init();
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(g,
                trainer(small().siteLayers("proj").stage1Epochs(2).stage2Epochs(20).build()));
        ContinualResult r = t.fit(scenario(2));
        ComputationGraph net = t.getModel();
        assertInstanceOf(AtlasAdapterLayer.class, net.getLayer(AtlasPlugin.SITE_PREFIX + "proj").conf().getLayer());
        assertInstanceOf(AtlasHeadLayer.class, net.getLayer(AtlasPlugin.HEAD).conf().getLayer());
        assertEquals(r.taskIncremental().get(0, 0), r.taskIncremental().get(1, 0));
        assertTrue(r.taskIncremental().get(1, 1) > 0.7, r.taskIncremental().toString());
        assertEquals(net.getConfiguration(), ComputationGraphConfiguration.fromJson(net.getConfiguration().toJson()));
    }

    @Test
    void adapterAndHeadLayersPassGradientChecks() {
        DataType before = Nd4j.dataType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            gradientChecks();
        } finally {
            Nd4j.setDefaultDataTypes(before, before);
        }
    }

    private void gradientChecks() {
        for (AtlasConfiguration.Weighting w : AtlasConfiguration.Weighting.values()) {
          for (boolean matching : new boolean[]{true, false}) {
            Nd4j.getRandom().setSeed(7);
            int slots = w == AtlasConfiguration.Weighting.WHOLE ? 1 : 2;
            int d = 4;
            java.util.List<String> all = new AtlasAdapterLayer.Builder().width(d).bottleneck(1).heads(2).adapters(2)
                    .weighting(w, slots).lastAdapter(0, 1).build().paramNames();
            MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(5).dataType(DataType.DOUBLE)
                    .updater(new org.nd4j.linalg.learning.config.NoOp()).list()
                    .layer(new DenseLayer.Builder().nIn(3).nOut(d).activation(Activation.TANH).build())
                    .layer(new AtlasAdapterLayer.Builder().width(d).bottleneck(1).heads(2).adapters(2)
                            .weighting(w, slots).lastAdapter(0, 1).expand(true).trainable(all).build())
                    .layer(new DenseLayer.Builder().nIn(d).nOut(d).activation(Activation.TANH).build())
                    .layer(new AtlasAdapterLayer.Builder().width(d).bottleneck(1).heads(2).adapters(2)
                            .weighting(w, slots).lastAdapter(0, 1).trainable(all).build())
                    .layer(new AtlasHeadLayer.Builder().width(d).numClasses(5).branches(2)
                            .task(new int[]{0, 2}, 0, null)
                            .task(new int[]{1, 3, 4}, 1, matching ? new double[][]{rand(d), rand(d), rand(d)} : null)
                            .trainable(matching ? java.util.List.of("W0", "b0")
                                    : java.util.List.of("W0", "b0", "W1", "b1")).scale(3).build())
                    .layer(new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                            new io.github.dl4jcontinual.multihead.MultiHeadSoftmaxCrossEntropy(new int[]{0, 1, 0, 1, 1}))
                            .activation(Activation.IDENTITY).build())
                    .build();
            MultiLayerNetwork net = new MultiLayerNetwork(c);
            net.init();
            for (int l : new int[]{1, 3}) {
                for (Map.Entry<String, INDArray> e : net.getLayer(l).paramTable().entrySet()) {
                    e.getValue().assign(Nd4j.randn(DataType.DOUBLE, e.getValue().shape()).muli(0.5));
                }
            }
            INDArray x = Nd4j.randn(DataType.DOUBLE, 4, 3);
            INDArray y = Nd4j.zeros(DataType.DOUBLE, 4, 5);
            int[] cls = {0, 3, 2, 4};
            for (int i = 0; i < 4; i++) {
                y.putScalar(i, cls[i], 1);
            }
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                    .epsilon(1e-6).maxRelError(1e-3).minAbsoluteError(1e-8)), w.name() + " matching " + matching);
          }
        }
    }

    private static double[] rand(int d) {
        return Nd4j.randn(DataType.DOUBLE, d).toDoubleVector();
    }

    @Test
    void frozenParametersGetNoGradientAndTheOrthogonalityGradientIsTheFunctionsDerivative() {
        Nd4j.getRandom().setSeed(3);
        INDArray t = Nd4j.randn(DataType.DOUBLE, 3, 4);
        INDArray gram = t.mmul(t.transpose()).subi(Nd4j.eye(3).castTo(DataType.DOUBLE));
        INDArray analytic = gram.mmul(t).muli(4.0 / (27 * 4));
        io.github.dl4jcontinual.testutil.NumericGradients.assertGradient(analytic, AtlasAdapterSite::orthogonality,
                t, 1e-6, 1e-7, "d orthogonality / dt");
        // a stage-2 network: only the newest adapter's parameters, its query and key change in a step
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(5).list()
                .layer(new AtlasAdapterLayer.Builder().width(D).bottleneck(3).heads(2).adapters(2).lastAdapter(0, 1)
                        .expand(true).trainable(java.util.List.of("w1a1", "b1a1", "w2a1", "b2a1", "ka1", "q1a1"))
                        .ortho(1, true, 0.1).updater(new Adam(1e-2)).build())
                .layer(new AtlasHeadLayer.Builder().width(D).numClasses(4).branches(2).task(new int[]{0, 1}, 0, null)
                        .task(new int[]{2, 3}, 1, null).trainable(java.util.List.of("W1", "b1"))
                        .updater(new Adam(1e-2)).build())
                .layer(new org.deeplearning4j.nn.conf.layers.LossLayer.Builder(
                        new io.github.dl4jcontinual.multihead.MultiHeadSoftmaxCrossEntropy(new int[]{0, 0, 1, 1}))
                        .activation(Activation.IDENTITY).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        net.setListeners(new AtlasOrthogonality());
        Map<String, INDArray> before = new java.util.HashMap<>();
        net.getLayer(0).paramTable().forEach((k, v) -> before.put(k, v.dup()));
        INDArray headBefore = net.getLayer(1).getParam("W0").dup();
        INDArray x = Nd4j.randn(DataType.FLOAT, 6, D);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 4);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 4, 1);
        }
        net.fit(x, y);
        java.util.List<String> trainable = java.util.List.of("w1a1", "b1a1", "w2a1", "b2a1", "ka1", "q1a1");
        for (Map.Entry<String, INDArray> e : net.getLayer(0).paramTable().entrySet()) {
            if (!trainable.contains(e.getKey())) {
                assertEquals(before.get(e.getKey()), e.getValue(), e.getKey() + " is frozen");
            }
        }
        // w1/b1 see a zero gradient while w2 = 0; the rest of the new adapter moves
        for (String k : new String[]{"w2a1", "b2a1", "ka1", "q1a1"}) {
            assertFalse(before.get(k).equals(net.getLayer(0).getParam(k)), k + " trains");
        }
        assertEquals(headBefore, net.getLayer(1).getParam("W0"));
    }
}
