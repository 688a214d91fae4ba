package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.data.ExampleSource;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.testutil.Models;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The batched per-example importance equals the one-example-at-a-time DL4J gradients. */
class ImportanceTest {

    private static Experience data(int n) {
        Nd4j.getRandom().setSeed(4);
        INDArray x = Nd4j.rand(n, 6);
        INDArray y = Nd4j.zeros(n, 3);
        for (int i = 0; i < n; i++) {
            y.putScalar(i, (i * 7) % 3, 1);
        }
        return Experience.of(ExampleSource.of(new DataSet(x, y)), 0);
    }

    private static void assertClose(INDArray expected, INDArray actual) {
        double scale = expected.norm2Number().doubleValue();
        double diff = expected.sub(actual).norm2Number().doubleValue();
        assertTrue(scale > 0, "non-zero importance");
        assertTrue(diff <= 1e-4 * scale, "relative difference " + diff / scale);
    }

    @Test
    void batchedPerExampleFisherAndMasMatchOneExampleAtATime() {
        MultiLayerNetwork mln = Models.mlp(6, 5, 3, 0.1, 2);
        ComputationGraph cg = Models.mlpGraph(6, 5, 3, 0.1, 2);
        cg.setParams(mln.params().dup());
        ContinualModel net = ContinualModel.of(mln);
        ContinualModel graph = ContinualModel.of(cg);
        Experience ds = data(300);
        assertTrue(PerExampleDense.supports(net));
        INDArray batched = Importance.empiricalFisher(net, ds, 1, 0, 1);
        // the graph takes the generic path: one DL4J forward/backward per example
        INDArray loop = Importance.empiricalFisher(graph, ds, 1, 0, 1);
        assertClose(loop, batched);
        assertClose(Importance.outputSensitivity(graph, ds, 1, 0, 1), Importance.outputSensitivity(net, ds, 1, 0, 1));
        // the minibatch estimate is a different (smaller) quantity
        INDArray coarse = Importance.empiricalFisher(net, ds, 50, 0, 1);
        assertTrue(coarse.sumNumber().doubleValue() < batched.sumNumber().doubleValue());
        assertEquals(net.numParams(), batched.length());
    }

    @Test
    void maxExamplesCapsTheExamplesUsed() {
        ContinualModel net = ContinualModel.of(Models.mlp(6, 5, 3, 0.1, 2));
        Experience ds = data(300);
        INDArray one = Importance.empiricalFisher(net, ds, 1, 1, 1);
        INDArray all = Importance.empiricalFisher(net, ds, 1, 0, 1);
        assertTrue(one.sub(all).norm2Number().doubleValue() > 0);
    }

    @Test
    void autoSamplesOnlyThePerExampleLoop() {
        int n = Importance.PER_EXAMPLE_SAMPLE + 150;
        Experience ds = data(n);
        MultiLayerNetwork mln = Models.mlp(6, 5, 3, 0.1, 2);
        ComputationGraph cg = Models.mlpGraph(6, 5, 3, 0.1, 2);
        cg.setParams(mln.params().dup());
        ContinualModel net = ContinualModel.of(mln);
        ContinualModel graph = ContinualModel.of(cg);
        // the batched dense path keeps every example
        assertEquals(0, Importance.examplesUsed(net, 1, Importance.AUTO));
        assertEquals(Importance.empiricalFisher(net, ds, 1, 0, 3), Importance.empiricalFisher(net, ds, 1, Importance.AUTO, 3));
        // the per-example loop of other networks uses the seeded sample, and the sample differs from all examples
        assertEquals(Importance.PER_EXAMPLE_SAMPLE, Importance.examplesUsed(graph, 1, Importance.AUTO));
        INDArray sampled = Importance.empiricalFisher(graph, ds, 1, Importance.AUTO, 3);
        assertEquals(Importance.empiricalFisher(graph, ds, 1, Importance.PER_EXAMPLE_SAMPLE, 3), sampled);
        assertTrue(sampled.sub(Importance.empiricalFisher(graph, ds, 1, 0, 3)).norm2Number().doubleValue() > 0);
        // the minibatch estimate is cheap everywhere: all examples
        assertEquals(0, Importance.examplesUsed(graph, 32, Importance.AUTO));
        assertEquals(Importance.AUTO, new RegularizationConfiguration.Builder(RegularizationMethod.EWC).build()
                .getMaxImportanceExamples());
        IllegalArgumentException bad = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Importance.empiricalFisher(graph, ds, 1, -2, 3));
        assertTrue(bad.getMessage().contains("-2"), bad.getMessage());
    }
}
