package io.github.dl4jcontinual.zoo.l2p;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.zoo.ContinualLoop;
import io.github.dl4jcontinual.zoo.FiniteDifferences;
import io.github.dl4jcontinual.zoo.daformer.DaFormerPluginTest;
import io.github.dl4jcontinual.zoo.transformer.Vit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

import java.util.Arrays;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * L2P's mechanics on a tiny ViT (8×8 images, 4 patches, width 8, 2 blocks) and DAFormer's synthetic 6-class stream
 * (no accuracy claim): finite-difference gradients of prompts, keys and head; top-N selection; frozen ViT weights;
 * the surrogate pulling selected keys toward the queries.
 */
class L2pLearnerTest {
    private static ComputationGraph tinyVit(DataType type) {
        return new Vit.Builder(6).image(8, 8, 1).patchSize(4).embedDim(8).depth(2).heads(2).mlpRatio(1.5)
                .updater(new Adam(1e-3)).dataType(type).seed(2).build();
    }

    private static L2pConfiguration.Builder small() {
        return new L2pConfiguration.Builder().poolSize(4).promptLength(2).topK(2).epochs(2).batchSize(12)
                .learningRate(0.01).pullWeight(0.5).seed(3);
    }

    @Test
    void promptsKeysAndHeadPassFiniteDifferences() {
        ComputationGraph vit = tinyVit(DataType.DOUBLE);
        DataType before = Nd4j.dataType();
        DataType beforeFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            L2pLearner l2p = new L2pLearner(small().build(), vit, 6);
            DataSet d = ContinualLoop.inMemory(DaFormerPluginTest.synthetic(2, 1).trainStream().get(0));
            Map<String, INDArray> feed = l2p.trainingFeed(d.getFeatures().castTo(DataType.DOUBLE),
                    d.getLabels().castTo(DataType.DOUBLE), 0, 1);
            int checked = FiniteDifferences.check(l2p.graph(), feed, l2p.trainableVariables());
            assertEquals(4 * 2 * 8 + 4 * 8 + 8 * 6 + 6, checked);
        } finally {
            Nd4j.setDefaultDataTypes(before, beforeFloat);
        }
    }

    @Test
    void selectsTheNearestKeysAndTrainsWithTheVitFrozen() {
        ComputationGraph vit = tinyVit(DataType.FLOAT);
        float[] vitBefore = vit.params().dup().data().asFloat();
        L2pLearner l2p = new L2pLearner(small().build(), vit, 6);
        INDArray keys = l2p.graph().getArrForVarName(L2pLearner.KEYS);
        INDArray sel = l2p.select(keys.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
        assertEquals(1.0, sel.getDouble(0, 0, 1));   // a key's own query selects it first
        assertEquals(1.0, sel.getDouble(1, 0, 2));
        assertEquals(4.0, sel.sumNumber().doubleValue());

        Scenario s = DaFormerPluginTest.synthetic(12, 2);
        INDArray q = l2p.queries(ContinualLoop.inMemory(s.trainStream().get(0)).getFeatures());
        double pullBefore = selectedCosine(l2p, q);
        String[] frozenNames = l2p.graph().variables().stream().map(v -> v.name()).filter(n -> n.startsWith("vit/"))
                .toArray(String[]::new);
        float[][] frozen = new float[frozenNames.length][];
        for (int i = 0; i < frozen.length; i++) {
            frozen[i] = l2p.graph().getArrForVarName(frozenNames[i]).dup().data().asFloat();
        }
        ContinualResult r = l2p.fit(s);
        assertEquals(3, r.classIncremental().rows());
        assertTrue(r.taskIncremental().finalAverageAccuracy() >= r.classIncremental().finalAverageAccuracy());
        assertTrue(selectedCosine(l2p, q) > pullBefore, "the surrogate did not pull the keys toward the queries");
        assertTrue(frozenNames.length >= 2 * 13 + 4, "ViT constants: " + frozenNames.length);
        for (int i = 0; i < frozen.length; i++) {
            assertTrue(Arrays.equals(frozen[i], l2p.graph().getArrForVarName(frozenNames[i]).dup().data().asFloat()),
                    frozenNames[i] + " changed");
        }
        assertTrue(Arrays.equals(vitBefore, vit.params().dup().data().asFloat()));
    }

    /** Mean cosine between the queries and their selected keys. */
    private static double selectedCosine(L2pLearner l2p, INDArray q) {
        INDArray k = l2p.graph().getArrForVarName(L2pLearner.KEYS);
        INDArray cos = q.divColumnVector(q.norm2(1).reshape(-1, 1)).mmul(k.divColumnVector(k.norm2(1).reshape(-1, 1))
                .transpose());
        INDArray sel = l2p.select(q).sum(1);
        return cos.mul(sel).sumNumber().doubleValue() / sel.sumNumber().doubleValue();
    }

    @Test
    void frequencyPenaltyScalesTheKeyDistanceByTheNormalisedFrequency() {
        double[] cos = {0.9, 0.8, 0.5, 0.1};
        assertArrayEquals(new int[]{0, 1}, L2pLearner.topN(cos, null, 2));
        // scores (1 − cos)·h = 0.06, 0.04, 0.10, 0: the nearest but most used prompt 0 loses its selection
        assertArrayEquals(new int[]{3, 1}, L2pLearner.topN(cos, new double[]{0.6, 0.2, 0.2, 0.0}, 2));
        // ties (unused prompts) go to the nearer key
        assertArrayEquals(new int[]{2, 3}, L2pLearner.topN(cos, new double[]{0.5, 0.5, 0.0, 0.0}, 2));
    }

    @Test
    void aFrequentlyUsedPromptLosesTrainingSelectionsItWouldOtherwiseWin() {
        Scenario s = DaFormerPluginTest.synthetic(12, 2);
        L2pLearner off = new L2pLearner(small().build(), tinyVit(DataType.FLOAT), 6);
        L2pLearner on = new L2pLearner(small().frequencyPenalty(true).build(), tinyVit(DataType.FLOAT), 6);
        INDArray q = on.queries(ContinualLoop.inMemory(s.trainStream().get(1)).getFeatures());
        assertEquals(on.select(q), on.trainingSelect(q), "no history before the first task");
        on.train(s.trainStream().get(0));
        off.train(s.trainStream().get(0));
        assertEquals(off.select(q), on.select(q), "the penalty changed test-time selection or training");
        double[] h = on.promptFrequencies();
        assertEquals(1.0, Arrays.stream(h).sum(), 1e-12);
        int top = 0;
        for (int i = 1; i < h.length; i++) {
            top = h[i] > h[top] ? i : top;
        }
        INDArray plain = on.select(q);
        INDArray penalised = on.trainingSelect(q);
        assertEquals(off.select(q), off.trainingSelect(q), "the penalty acted while switched off");
        INDArray keys = on.graph().getArrForVarName(L2pLearner.KEYS);
        INDArray cos = q.divColumnVector(q.norm2(1).reshape(-1, 1)).mmul(keys.divColumnVector(keys.norm2(1)
                .reshape(-1, 1)).transpose());
        int lost = 0;
        for (int b = 0; b < q.rows(); b++) {
            int[] expected = L2pLearner.topN(cos.getRow(b).toDoubleVector(), h, 2);
            for (int k = 0; k < 2; k++) {
                assertEquals(1.0, penalised.getDouble(b, k, expected[k]), "sample " + b + ", rank " + k);
            }
            boolean wins = plain.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b)).getColumn(top).sumNumber()
                    .doubleValue() > 0;
            boolean keeps = penalised.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b)).getColumn(top).sumNumber()
                    .doubleValue() > 0;
            lost += wins && !keeps ? 1 : 0;
        }
        assertTrue(lost > 0, "the most used prompt " + top + " (h = " + Arrays.toString(h) + ") lost no selection");
    }

    @Test
    void rejectsBadConfigurations() {
        ComputationGraph vit = tinyVit(DataType.FLOAT);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new L2pLearner(small().topK(5).build(), vit, 6))
                .getMessage().contains("topK 5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new L2pConfiguration.Builder().poolSize(0))
                .getMessage().contains("got: 0"));
    }
}
