package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.model.ParameterLayout;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Per-parameter state following a grown output layer (EXPANDING head). */
class ParameterLayoutTest {

    private static ParameterLayout layout(org.deeplearning4j.nn.api.Model net) {
        return net instanceof ComputationGraph ? ContinualModel.of((ComputationGraph) net).parameterLayout()
                : ContinualModel.of((MultiLayerNetwork) net).parameterLayout();
    }

    private static void checkGrow(org.deeplearning4j.nn.api.Model small, org.deeplearning4j.nn.api.Model big,
                                  INDArray smallW, INDArray smallB, INDArray bigW, INDArray bigB) {
        INDArray grown = layout(small).grow(small.params(), layout(big),
                Nd4j.valueArrayOf(new long[]{1, big.numParams()}, -1.0, small.params().dataType()));
        big.setParams(grown);
        assertEquals(smallW, bigW.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)));
        assertEquals(smallB.reshape(1, 2), bigB.reshape(1, 5).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)));
        assertEquals(-1.0, bigW.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5)).maxNumber().doubleValue());
        assertEquals(-1.0, bigW.get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5)).minNumber().doubleValue());
        assertEquals(-1.0, bigB.reshape(1, 5).get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5)).sumNumber()
                .doubleValue() / 3, 0.0);
    }

    @Test
    void growKeepsEveryOldEntryAtItsLayerKeyAndIndex() {
        MultiLayerNetwork a = Models.mlp(6, 4, 2, 0.1, 1);
        MultiLayerNetwork b = Models.mlp(6, 4, 5, 0.1, 2);
        checkGrow(a, b, a.getLayer(2).getParam("W"), a.getLayer(2).getParam("b"), b.getLayer(2).getParam("W"),
                b.getLayer(2).getParam("b"));
        // the hidden layer is copied whole
        assertEquals(a.getLayer(0).getParam("W"), b.getLayer(0).getParam("W"));
        ComputationGraph ga = Models.mlpGraph(6, 4, 2, 0.1, 1);
        ComputationGraph gb = Models.mlpGraph(6, 4, 5, 0.1, 2);
        String out = ga.getConfiguration().getNetworkOutputs().get(0);
        checkGrow(ga, gb, ga.getLayer(out).getParam("W"), ga.getLayer(out).getParam("b"),
                gb.getLayer(out).getParam("W"), gb.getLayer(out).getParam("b"));
    }

    @Test
    void shrinkingOrDifferentNetworksAreRejected() {
        MultiLayerNetwork a = Models.mlp(6, 4, 5, 0.1, 1);
        MultiLayerNetwork b = Models.mlp(6, 4, 2, 0.1, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> layout(a)
                .grow(a.params(), layout(b), Nd4j.zeros(a.params().dataType(), 1, b.numParams())));
        assertTrue(e.getMessage().contains("shrank"), e.getMessage());
        ComputationGraph g = Models.mlpGraph(6, 4, 5, 0.1, 2);
        assertThrows(IllegalArgumentException.class, () -> layout(b)
                .grow(b.params(), layout(g), Nd4j.zeros(b.params().dataType(), 1, g.numParams())));
    }

    @Test
    void ewcAndSiRunWithAnExpandingHeadAndKeepTheOldImportance() {
        Scenario s = new ClassIncrementalScenario.Builder().train(SharedData.head(SharedData.mnistTrain(), 3000))
                .test(SharedData.head(SharedData.mnistTest(), 1000)).numExperiences(5).name("split-mnist-3k")
                .build();
        for (RegularizationMethod m : new RegularizationMethod[]{RegularizationMethod.EWC, RegularizationMethod.SI,
                RegularizationMethod.RWALK}) {
            RegularizationConfiguration rc = new RegularizationConfiguration.Builder(m).lambda(1).build();
            ContinualResult r = ContinualTrainer.wrap(Models.mlp(784, 50, 2, 0.03, 3),
                    new ContinualConfiguration.Builder().batchSize(16).seed(1).progress(false)
                            .headPolicy(HeadPolicy.EXPANDING).plugin(rc).build()).fit(s);
            assertEquals(5, r.experiences().size());
            double pen = r.experiences().get(4).metrics().get(rc.name() + ".penalty_mean");
            assertTrue(pen > 0 && Double.isFinite(pen), m + ": penalty " + pen);
        }
        // the grown state: old Ω and θ* unchanged at their positions, new output units free (Ω = 0)
        MultiLayerNetwork small = Models.mlp(6, 4, 2, 0.1, 1);
        MultiLayerNetwork big = Models.mlp(6, 4, 5, 0.1, 2);
        INDArray imp = Nd4j.rand(small.params().dataType(), 1, small.numParams()).addi(0.5);
        ImportanceState st = new ImportanceState("ewc", imp, small.params(), ContinualModel.of(small).trainableMask(),
                1, layout(small));
        ImportanceState grown = st.grownTo(ContinualModel.of(big));
        assertEquals(big.numParams(), grown.numParams());
        assertEquals(st.penalty(small.params(), 1.0), grown.penalty(grown.anchor(), 1.0), 0.0);
        // old importance all kept (sum), new entries zero
        assertEquals(imp.sumNumber().doubleValue(), grown.importance().sumNumber().doubleValue(), 1e-4);
        INDArray shifted = grown.anchor().dup();
        big.setParams(shifted);
        big.getLayer(2).getParam("W").get(NDArrayIndex.all(), NDArrayIndex.interval(2, 5)).addi(10);
        assertEquals(0.0, grown.penalty(big.params(), 1.0), 0.0, "moving only new units costs nothing");
        assertTrue(st.grownTo(ContinualModel.of(small)) == st, "an unchanged layout keeps the state");
    }
}
