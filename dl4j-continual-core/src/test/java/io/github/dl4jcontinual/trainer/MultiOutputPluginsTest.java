package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.cil.CosineOutputLayer;
import io.github.dl4jcontinual.cil.LucirConfiguration;
import io.github.dl4jcontinual.distillation.LwfConfiguration;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.strategy.AGem;
import io.github.dl4jcontinual.replay.strategy.Gem;
import io.github.dl4jcontinual.replay.strategy.Gss;
import io.github.dl4jcontinual.replay.strategy.DarkExperienceReplay;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugins on a {@link ComputationGraph} with two outputs, the classifier "out" and a regression head "aux"
 * ({@code ContinualModel.of(graph, "out")}): EWC, MAS, SI, A-GEM, ER and DER run and give finite results; LwF
 * and LUCIR, which distil or rank one output, refuse such a model before anything is trained. Synthetic data: 4
 * Gaussian classes in 2 experiences, "aux" regressing two of the features.
 */
class MultiOutputPluginsTest {

    /** The blobs with a second label array: "aux" targets = half the first two features. */
    static MultiDataSet twoLabels(DataSet d) {
        INDArray aux = d.getFeatures().get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)).mul(0.5);
        return new MultiDataSet(new INDArray[]{d.getFeatures()}, new INDArray[]{d.getLabels(), aux});
    }

    static Scenario scenario() {
        return new ClassIncrementalScenario.Builder().train(twoLabels(SyntheticData.blobs(4, 40, 6, 1, 2)))
                .test(twoLabels(SyntheticData.blobs(4, 15, 6, 1, 3))).classificationOutput(0).numExperiences(2)
                .name("blobs-two-outputs").build();
    }

    static ContinualConfiguration conf(PluginConfiguration p) {
        return new ContinualConfiguration.Builder().batchSize(16).epochsPerExperience(3).seed(2).progress(false)
                .plugin(p).build();
    }

    static Stream<PluginConfiguration> supported() {
        return Stream.of(new RegularizationConfiguration.Builder(RegularizationMethod.EWC).lambda(5).build(),
                new RegularizationConfiguration.Builder(RegularizationMethod.MAS).lambda(1).build(),
                new RegularizationConfiguration.Builder(RegularizationMethod.SI).lambda(1).build(),
                new AGem.Builder().bufferSize(40).replayBatch(8).build(),
                new Gem.Builder().memoriesPerExperience(20).build(),
                new Gss.Builder().bufferSize(40).replayBatch(8).candidates(4).build(),
                new ExperienceReplay.Builder().bufferSize(40).replayBatch(8).build(),
                new DarkExperienceReplay.Builder().bufferSize(40).replayBatch(8).alpha(0.3).beta(0.5).build());
    }

    @ParameterizedTest
    @MethodSource("supported")
    void runsWithFiniteResultsOnAGraphWithTwoOutputs(PluginConfiguration plugin) {
        ComputationGraph g = Models.twoOutputGraph(6, 12, 4, 2, 0.05, 1);
        INDArray auxBefore = g.getLayer("aux").params().dup();
        ContinualTrainer<ComputationGraph> t = ContinualTrainer.wrap(g, "out", conf(plugin));
        ContinualResult r = t.fit(scenario());
        for (String name : r.matrixNames()) {
            AccuracyMatrix m = r.matrix(name);
            assertEquals(2, m.rows(), name);
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j <= i; j++) {
                    assertTrue(Double.isFinite(m.get(i, j)), plugin.name() + " " + name + " R[" + i + "][" + j
                            + "]: " + m);
                }
            }
        }
        assertTrue(r.classIncremental().get(1, 1) > 0.5, plugin.name() + " learned the second experience: "
                + r.classIncremental());
        for (ExperienceResult e : r.experiences()) {
            assertTrue(Double.isFinite(e.lastScore()), plugin.name() + " score " + e.lastScore());
            for (Map.Entry<String, Double> m : e.metrics().entrySet()) {
                assertTrue(Double.isFinite(m.getValue()), plugin.name() + " " + m);
            }
        }
        assertTrue(java.util.Arrays.stream(t.getModel().params().toDoubleVector()).allMatch(Double::isFinite),
                plugin.name() + ": finite parameters");
        assertNotEquals(auxBefore, t.getModel().getLayer("aux").params(), "the other output is trained as well");
    }

    @Test
    void lwfRefusesAModelWithSeveralOutputsBeforeTraining() {
        ComputationGraph g = Models.twoOutputGraph(6, 12, 4, 2, 0.05, 1);
        INDArray before = g.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(g,
                "out", conf(new LwfConfiguration.Builder().build())).fit(scenario()));
        assertTrue(e.getMessage().contains("LwF") && e.getMessage().contains("[out, aux]"), e.getMessage());
        assertEquals(before, g.params(), "refused before the first experience is trained");
    }

    @Test
    void lucirRefusesAModelWithSeveralOutputsBeforeTraining() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.05))
                .graphBuilder().addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(6).nOut(12).activation(Activation.RELU).build(), "in")
                .addLayer("out", new CosineOutputLayer.Builder().nIn(12).nOut(4).build(), "h")
                .addLayer("aux", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(12).nOut(2)
                        .activation(Activation.IDENTITY).build(), "h")
                .setOutputs("out", "aux").build());
        g.init();
        INDArray before = g.params().dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ContinualTrainer.wrap(g,
                "out", conf(new LucirConfiguration.Builder().exemplarsPerClass(5).build())).fit(scenario()));
        assertTrue(e.getMessage().contains("LUCIR") && e.getMessage().contains("[out, aux]"), e.getMessage());
        assertEquals(before, g.params(), "refused before the first experience is trained");
    }
}
