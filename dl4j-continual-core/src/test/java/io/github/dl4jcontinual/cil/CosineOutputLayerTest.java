package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.testutil.Doubles;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;

import java.io.File;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cosine classifier: gradients, outputs, JSON and ModelSerializer round trips, growth under an expanding head. */
class CosineOutputLayerTest {

    private static MultiLayerNetwork mln(DataType type, int nOut, long seed) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed).dataType(type)
                .updater(type == DataType.DOUBLE ? new NoOp() : new Adam(1e-2)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new CosineOutputLayer.Builder().nIn(5).nOut(nOut).initialScale(3).build()).build());
        net.init();
        return net;
    }

    private static ComputationGraph graph(DataType type, int nOut, long seed) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed).dataType(type)
                .updater(type == DataType.DOUBLE ? new NoOp() : new Adam(1e-2)).weightInit(WeightInit.XAVIER)
                .graphBuilder().addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build(), "in")
                .addLayer("out", new CosineOutputLayer.Builder().nIn(5).nOut(nOut).initialScale(3).build(), "h")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    private static INDArray[] batch(DataType type, int n, int classes, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(type, n, 4).subi(0.5);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % classes;
        }
        return new INDArray[]{x, DataSets.oneHot(y, classes).castTo(type)};
    }

    @Test
    void outputIsTheSoftmaxOfScaledCosines() {
        MultiLayerNetwork net = mln(DataType.DOUBLE, 3, 1);
        INDArray x = batch(DataType.DOUBLE, 6, 3, 2)[0];
        INDArray f = net.feedForwardToLayer(0, x, false).get(1);
        INDArray w = net.getLayer(1).getParam(CosineOutputLayer.WEIGHT_KEY);
        double s = net.getLayer(1).getParam(CosineOutputLayer.SCALE_KEY).getDouble(0);
        assertEquals(3.0, s, 1e-12);
        INDArray fn = f.divColumnVector(f.norm2(true, 1));
        INDArray wn = w.divRowVector(w.norm2(true, 0));
        INDArray z = fn.mmul(wn).muli(s);
        INDArray expected = Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax(z))[0];
        INDArray out = net.output(x);
        assertTrue(expected.equalsWithEps(out, 1e-9), "expected " + expected + " got " + out);
        INDArray eff = CosineOutputLayer.effectiveWeights(net.getLayer(1).paramTable());
        for (int c = 0; c < 3; c++) {
            assertEquals(s, eff.getColumn(c).norm2Number().doubleValue(), 1e-9);
        }
    }

    @Test
    void passesTheGradientCheckInAMultiLayerNetworkAndAGraph() {
        Doubles.run(CosineOutputLayerTest::gradientChecks);
    }

    private static void gradientChecks() {
        MultiLayerNetwork net = mln(DataType.DOUBLE, 3, 3);
        INDArray[] b = batch(DataType.DOUBLE, 8, 3, 4);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net).input(b[0])
                .labels(b[1])), "MultiLayerNetwork gradient check");
        ComputationGraph g = graph(DataType.DOUBLE, 3, 5);
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig().net(g)
                .inputs(new INDArray[]{b[0]}).labels(new INDArray[]{b[1]})), "ComputationGraph gradient check");
    }

    @Test
    void lucirLossLayerPassesTheGradientCheck() {
        Doubles.run(CosineOutputLayerTest::lucirGradientCheck);
    }

    private static void lucirGradientCheck() {
        MultiLayerNetwork base = mln(DataType.DOUBLE, 4, 6);
        CosineOutputLayer cos = (CosineOutputLayer) base.getLayerWiseConfigurations().getConf(1).getLayer();
        MultiLayerConfiguration c = base.getLayerWiseConfigurations().clone();
        c.getConf(1).setLayer(new LucirLossLayer(cos, 2, 4, 1.5, 2.0, 2, 1.0));
        MultiLayerNetwork twin = new MultiLayerNetwork(c);
        twin.init(base.params().dup(), false);
        INDArray[] b = batch(DataType.DOUBLE, 8, 4, 7);
        Nd4j.getRandom().setSeed(8);
        INDArray fOld = Nd4j.rand(DataType.DOUBLE, 8, 5);
        fOld.diviColumnVector(fOld.norm2(true, 1));
        INDArray isOld = Nd4j.create(DataType.DOUBLE, 8, 1);
        for (int i = 0; i < 8; i++) {
            isOld.putScalar(i, 0, i % 4 < 2 ? 1 : 0);
        }
        INDArray aux = Nd4j.hstack(b[1], fOld, isOld);
        // margin 2 keeps every hinge active (cosines lie in [-1, 1]), away from its kink
        assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(twin).input(b[0])
                .labels(aux)), "LUCIR loss gradient check");
    }

    @Test
    void roundTripsThroughJsonAndModelSerializer(@TempDir File dir) throws Exception {
        MultiLayerNetwork net = mln(DataType.FLOAT, 3, 9);
        INDArray x = batch(DataType.FLOAT, 5, 3, 10)[0];
        String json = net.getLayerWiseConfigurations().toJson();
        MultiLayerConfiguration back = MultiLayerConfiguration.fromJson(json);
        assertEquals(json, back.toJson());
        CosineOutputLayer l = (CosineOutputLayer) back.getConf(1).getLayer();
        assertEquals(5, l.getNIn());
        assertEquals(3, l.getNOut());
        assertEquals(3.0, l.getInitialScale());
        MultiLayerNetwork fromJson = new MultiLayerNetwork(back);
        fromJson.init(net.params().dup(), false);
        assertEquals(net.output(x), fromJson.output(x));
        File f = new File(dir, "cos.zip");
        ModelSerializer.writeModel(net, f, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(f, true);
        assertEquals(net.params(), restored.params());
        assertEquals(net.output(x), restored.output(x));

        ComputationGraph g = graph(DataType.FLOAT, 3, 11);
        String gj = g.getConfiguration().toJson();
        assertEquals(gj, ComputationGraphConfiguration.fromJson(gj).toJson());
        File gf = new File(dir, "cosg.zip");
        ModelSerializer.writeModel(g, gf, true);
        ComputationGraph rg = ModelSerializer.restoreComputationGraph(gf, true);
        assertEquals(g.outputSingle(x), rg.outputSingle(x));
    }

    private static Scenario clusters() {
        Random r = new Random(3);
        int n = 240;
        double[][] x = new double[n][4];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 4;
            for (int d = 0; d < 4; d++) {
                x[i][d] = (d == y[i] ? 2 : 0) + 0.3 * r.nextGaussian();
            }
        }
        DataSet ds = new DataSet(Nd4j.createFromArray(x).castTo(DataType.FLOAT), DataSets.oneHot(y, 4));
        return new ClassIncrementalScenario.Builder().train(ds).test(ds).numExperiences(2).name("clusters").build();
    }

    @Test
    void growsUnderAnExpandingHeadKeepingOldColumnsAndScale() {
        for (boolean useGraph : new boolean[]{false, true}) {
            Scenario s = clusters();
            ContinualConfiguration conf = new ContinualConfiguration.Builder().headPolicy(HeadPolicy.EXPANDING)
                    .batchSize(16).epochsPerExperience(3).seed(1).progress(false).build();
            final INDArray[] before = new INDArray[2];
            ContinualTrainer<?> t = useGraph ? ContinualTrainer.wrap(graph(DataType.FLOAT, 2, 12), conf)
                    : ContinualTrainer.wrap(mln(DataType.FLOAT, 2, 12), conf);
            t.addListener(new io.github.dl4jcontinual.trainer.ContinualListener() {
                @Override
                public void onExperienceEnd(io.github.dl4jcontinual.eval.ExperienceResult r,
                                            io.github.dl4jcontinual.eval.AccuracyMatrix c,
                                            io.github.dl4jcontinual.eval.AccuracyMatrix k) {
                    if (r.experience() == 0) {
                        before[0] = t.continualModel().headParams().get("W").dup();
                        before[1] = t.continualModel().headParams().get("s").dup();
                    }
                }
            });
            io.github.dl4jcontinual.eval.ContinualResult res = t.fit(s);
            assertEquals(4, ((CosineOutputLayer) t.continualModel().headConf()).getNOut());
            assertEquals(2, before[0].size(1));
            assertTrue(res.classIncremental().get(0, 0) > 0.9, "learned the first experience: "
                    + res.classIncremental());
            // the new network started from the old columns; they then trained on, so compare only the shape
            assertEquals(4, t.continualModel().headParams().get("W").size(1));
        }
    }

    @Test
    void copiesOldColumnsWhenGrowing() {
        MultiLayerNetwork net = mln(DataType.FLOAT, 2, 13);
        INDArray w = net.getLayer(1).getParam("W").dup();
        INDArray h = net.getLayer(0).params().dup();
        net.getLayer(1).getParam("s").assign(7);
        ContinualConfiguration conf = new ContinualConfiguration.Builder().headPolicy(HeadPolicy.EXPANDING)
                .batchSize(16).epochsPerExperience(1).seed(1).progress(false)
                .plugin(new Frozen()).build();
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net, conf);
        t.fit(clusters());
        MultiLayerNetwork grown = t.getModel();
        INDArray nw = grown.getLayer(1).getParam("W");
        assertEquals(4, nw.size(1));
        assertEquals(w, nw.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)));
        assertEquals(7.0, grown.getLayer(1).getParam("s").getDouble(0), 1e-6);
        assertEquals(h, grown.getLayer(0).params());
    }

    /** A plugin that skips training (so the grown head can be compared with the old one). */
    public static final class Frozen extends io.github.dl4jcontinual.serde.JsonConfiguration implements io.github.dl4jcontinual.plugin.PluginConfiguration {
        private static final long serialVersionUID = 1L;

        @Override
        public io.github.dl4jcontinual.plugin.ContinualPlugin instantiate() {
            return new io.github.dl4jcontinual.plugin.ContinualPlugin() {
                @Override
                public boolean trainsOn(io.github.dl4jcontinual.plugin.ContinualContext ctx,
                                        io.github.dl4jcontinual.scenario.Experience e) {
                    return false;
                }
            };
        }

        @Override
        public String name() {
            return "frozen";
        }
    }

    @Test
    void builderRejectsBadValues() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CosineOutputLayer.Builder().initialScale(0));
        assertTrue(e.getMessage().contains("initialScale") && e.getMessage().contains("0.0"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> new CosineOutputLayer.Builder().nIn(3).build());
    }
}
