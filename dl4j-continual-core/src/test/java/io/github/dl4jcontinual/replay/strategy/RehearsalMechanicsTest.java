package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.testutil.NumericGradients;
import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.activations.impl.ActivationIdentity;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mechanics of the strategies on synthetic data (no accuracy claims). */
class RehearsalMechanicsTest {

    private static MultiLayerNetwork doubleMlp() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).updater(new Sgd(0.1)).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build()).build());
        net.init();
        return net;
    }

    @Test
    void logitTwinSharesParametersAndItsGradientIsTheMseGradient() {
        MultiLayerNetwork net = doubleMlp();
        ContinualModel model = ContinualModel.of(net);
        ContinualModel.Twin twin = model.twin(new LossMSE(), new ActivationIdentity());
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 4);
        INDArray target = Nd4j.rand(DataType.DOUBLE, 6, 3);
        INDArray z = twin.output(new INDArray[]{x}, null);
        assertEquals(z, model.logits(new INDArray[]{x}, null), "the identity twin's output is the model's logits");
        assertEquals(net.output(x), Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.custom
                .SoftMax(z.dup()))[0], "softmax of the twin's logits is the model's output");
        INDArray g = twin.gradient(Batches.of(new DataSet(x, target))).dup();
        // finite differences of sum over rows of mean over columns of (z - t)^2
        INDArray p = net.params();
        for (int i : new int[]{0, 7, 20, 30, 37}) {
            double eps = 1e-6;
            double v = p.getDouble(i);
            p.putScalar(i, v + eps);
            double up = sq(twin.output(new INDArray[]{x}, null), target);
            p.putScalar(i, v - eps);
            double down = sq(twin.output(new INDArray[]{x}, null), target);
            p.putScalar(i, v);
            assertEquals((up - down) / (2 * eps), g.getDouble(i), 1e-5, "d/dparam " + i);
        }
        net.fit(new DataSet(x, DataSets.oneHot(new int[]{0, 1, 2, 0, 1, 2}, 3).castTo(DataType.DOUBLE)));
        assertTrue(twin.isFor(model));
        assertEquals(net.output(x), Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.custom
                .SoftMax(twin.output(new INDArray[]{x}, null)))[0], "the twin follows the model's updates");
        model.growHead(4);
        assertTrue(!twin.isFor(model), "a grown head is another network: the twin no longer belongs to it");
    }

    private static double sq(INDArray z, INDArray t) {
        INDArray d = z.sub(t);
        return d.mul(d).sumNumber().doubleValue() / t.columns();
    }

    @Test
    void asymmetricCrossEntropyRestrictsTheSoftmaxAndMatchesFiniteDifferences() {
        AsymmetricCrossEntropy loss = new AsymmetricCrossEntropy();
        ActivationSoftmax softmax = new ActivationSoftmax();
        Nd4j.getRandom().setSeed(2);
        INDArray z = Nd4j.rand(DataType.DOUBLE, 3, 4).muli(3);
        INDArray y = DataSets.oneHot(new int[]{1, 2, 3}, 4).castTo(DataType.DOUBLE);
        // full softmax, no mask: the ordinary cross-entropy
        assertEquals(new LossMCXENT().computeScore(y, z.dup(), softmax, null, true),
                loss.computeScore(y, z, softmax, null, true), 1e-9);
        INDArray mask = Nd4j.createFromArray(new double[][]{{0, 2, 2, 0}, {1, 1, 1, 1}, {0, 0, 0.5, 0.5}});
        // DL4J hands the loss the pre-activations multiplied by the mask; the loss must see through that:
        // the score is w · CE of the softmax restricted to the allowed columns of the true logits
        double expected = 0;
        for (int r = 0; r < 3; r++) {
            double w = 0;
            double lse = 0;
            for (int c = 0; c < 4; c++) {
                if (mask.getDouble(r, c) > 0) {
                    w = Math.max(w, mask.getDouble(r, c));
                    lse += Math.exp(z.getDouble(r, c));
                }
            }
            int label = r + 1;
            expected += w * (Math.log(lse) - z.getDouble(r, label));
        }
        assertEquals(expected, loss.computeScore(y, z.mul(mask), softmax, mask, false), 1e-9);
        INDArray g = loss.computeGradient(y, z.mul(mask), softmax, mask);
        assertEquals(0.0, g.getDouble(0, 0), 0);
        assertEquals(0.0, g.getDouble(2, 1), 0);
        // the gradient with respect to the true logits, by central differences of the score
        NumericGradients.assertGradient(g, zz -> loss.computeScore(y, zz.mul(mask), softmax, mask, false), z, 1e-6,
                1e-5, "gradient ");
        assertThrows(IllegalArgumentException.class,
                () -> loss.computeScore(y, z, new org.nd4j.linalg.activations.impl.ActivationIdentity(), null, true));
    }

    @Test
    void asymmetricCrossEntropyWithWeightedMasksPassesDl4jGradientCheckThroughANetwork() {
        io.github.dl4jcontinual.testutil.Doubles.run(() -> {
            MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                    .dataType(DataType.DOUBLE).updater(new org.nd4j.linalg.learning.config.NoOp()).list()
                    .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                    .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                            .activation(Activation.SOFTMAX).build()).build());
            net.init();
            ((org.deeplearning4j.nn.conf.layers.BaseOutputLayer) net.getOutputLayer().conf().getLayer())
                    .setLossFn(new AsymmetricCrossEntropy());
            Nd4j.getRandom().setSeed(4);
            INDArray x = Nd4j.rand(DataType.DOUBLE, 4, 4);
            INDArray y = DataSets.oneHot(new int[]{1, 2, 0, 1}, 3).castTo(DataType.DOUBLE);
            // ER-ACE's masks after ReplayIterator.weighted: restricted current rows, weighted replay rows
            INDArray mask = Nd4j.createFromArray(new double[][]{{0, 2, 2}, {0, 2, 2}, {2, 2, 2}, {2, 2, 2}});
            assertTrue(org.deeplearning4j.gradientcheck.GradientCheckUtil.checkGradients(
                    new org.deeplearning4j.gradientcheck.GradientCheckUtil.MLNConfig().net(net).input(x).labels(y)
                            .labelMask(mask).epsilon(1e-6).maxRelError(1e-5).minAbsoluteError(1e-9)));
            // and the score DL4J reports is the weighted restricted cross-entropy of the true logits
            INDArray z = ContinualModel.of(net).logits(new INDArray[]{x}, null);
            double expected = 0;
            for (int r = 0; r < 4; r++) {
                double lse = 0;
                for (int c = r < 2 ? 1 : 0; c < 3; c++) {
                    lse += Math.exp(z.getDouble(r, c));
                }
                expected += 2 * (Math.log(lse) - z.getDouble(r, r == 2 ? 0 : r == 1 ? 2 : 1));
            }
            net.setInput(x);
            net.setLabels(y);
            net.setLayerMaskArrays(null, mask);
            net.computeGradientAndScore();
            assertEquals(expected / 4, net.score(), 1e-9);
        });
    }

    private static Scenario toy() {
        Nd4j.getRandom().setSeed(11);
        int n = 240;
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = i % 4;
        }
        INDArray y = DataSets.oneHot(c, 4);
        INDArray x = Nd4j.rand(DataType.FLOAT, n, 6).addi(y.mmul(Nd4j.rand(DataType.FLOAT, 4, 6).muli(2)));
        DataSet d = new DataSet(x, y);
        return new ClassIncrementalScenario.Builder().train(d).test(d.copy()).numExperiences(2).name("toy").build();
    }

    static List<PluginConfiguration> all() {
        return List.of(new ExperienceReplay.Builder().bufferSize(40).replayBatch(5).build(),
                new DarkExperienceReplay.Builder().bufferSize(40).replayBatch(5).alpha(0.5).build(),
                new DarkExperienceReplay.Builder().bufferSize(40).replayBatch(5).alpha(0.5).beta(0.5).build(),
                new AGem.Builder().bufferSize(40).replayBatch(16).build(),
                new Gem.Builder().memoriesPerExperience(20).build(),
                new Gss.Builder().bufferSize(40).replayBatch(5).candidates(4).build(),
                new GDumb.Builder().bufferSize(40).epochs(3).build(),
                new ErAce.Builder().bufferSize(40).replayBatch(5).build());
    }

    @Test
    void everyStrategyGivesTheSameResultOnANetworkAndOnTheEquivalentGraph() {
        Scenario s = toy();
        for (PluginConfiguration p : all()) {
            ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(5).progress(false)
                    .plugin(p).build();
            MultiLayerNetwork net = Models.mlp(6, 8, 4, 0.1, 1);
            ComputationGraph graph = Models.mlpGraph(6, 8, 4, 0.1, 2);
            graph.setParams(net.params().dup());
            INDArray before = net.params().dup();
            ContinualResult a = ContinualTrainer.wrap(net, conf).fit(s);
            ContinualResult b = ContinualTrainer.wrap(graph, conf).fit(s);
            assertNotEquals(before, net.params(), p.name() + " did not train");
            assertArrayEquals(net.params().toFloatVector(), graph.params().toFloatVector(), 1e-4f, p.name());
            assertEquals(a.classIncremental().finalAverageAccuracy(), b.classIncremental().finalAverageAccuracy(),
                    1e-9, p.name());
            assertEquals(LossMCXENT.class, ((org.deeplearning4j.nn.conf.layers.BaseOutputLayer) net.getOutputLayer()
                    .conf().getLayer()).getLossFn().getClass(), p.name() + " must leave the user's loss in place");
        }
    }

    @Test
    void replayChangesTrainingAndIsReproducible() {
        Scenario s = toy();
        for (PluginConfiguration p : all()) {
            ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(5).progress(false)
                    .plugin(p).build();
            MultiLayerNetwork a = Models.mlp(6, 8, 4, 0.1, 1);
            MultiLayerNetwork b = Models.mlp(6, 8, 4, 0.1, 1);
            MultiLayerNetwork naive = Models.mlp(6, 8, 4, 0.1, 1);
            ContinualTrainer.wrap(a, conf).fit(s);
            ContinualTrainer.wrap(b, conf).fit(s);
            ContinualTrainer.wrap(naive, new ContinualConfiguration.Builder().batchSize(10).seed(5).progress(false)
                    .build()).fit(s);
            assertEquals(a.params(), b.params(), p.name() + " is not reproducible");
            assertNotEquals(naive.params(), a.params(), p.name() + " trained exactly like naive");
        }
    }

    @Test
    void derRefusesAnExpandingHead() {
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).progress(false)
                .headPolicy(HeadPolicy.EXPANDING).plugin(new DarkExperienceReplay.Builder().build()).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContinualTrainer.wrap(Models.mlp(6, 8, 2, 0.1, 1), conf).fit(toy()));
        assertTrue(e.getMessage().contains("FIXED"), e.getMessage());
    }

    @Test
    void configurationsRoundTripThroughJsonAndValidateInput() {
        ContinualConfiguration conf = new ContinualConfiguration.Builder().plugins(all().toArray(
                new PluginConfiguration[0])).build();
        ContinualConfiguration back = ContinualConfiguration.fromJson(conf.toJson());
        assertEquals(conf, back);
        for (PluginConfiguration p : all()) {
            String json = ((RehearsalConfiguration) p).toJson();
            assertEquals(p, RehearsalConfiguration.fromJson(json), json);
            assertEquals(p.hashCode(), RehearsalConfiguration.fromJson(json).hashCode());
        }
        assertEquals("der", new DarkExperienceReplay.Builder().build().name());
        assertEquals("der++", new DarkExperienceReplay.Builder().beta(0.5).build().name());
        assertNotEquals(new DarkExperienceReplay.Builder().alpha(0.1).build(),
                new DarkExperienceReplay.Builder().alpha(0.2).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ExperienceReplay.Builder().replayBatch(-3));
        assertTrue(e.getMessage().contains("replayBatch should be > 0 (got: -3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new DarkExperienceReplay.Builder().alpha(-1));
        assertThrows(IllegalArgumentException.class, () -> new GDumb.Builder().epochs(0));
        ExperienceReplay.Builder used = new ExperienceReplay.Builder();
        used.build();
        assertThrows(IllegalStateException.class, used::build);
        for (DerTargets.Target t : DerTargets.load()) {
            PluginConfiguration p = t.plugin();
            assertEquals(t.strategy(), p == null ? "naive" : p.name(), t.key());
        }
        assertThrows(IllegalArgumentException.class, () -> DerTargets.get("er/7"));
    }
}
