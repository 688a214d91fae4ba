package io.github.dl4jcontinual.model;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.ExampleSource;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.testutil.SameDiffs;
import io.github.dl4jcontinual.testutil.SyntheticData;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SameDiffModel}: the builder's checks, training, inference, parameters, and what it refuses. */
class SameDiffModelTest {

    private static SameDiffModel model() {
        return SameDiffModel.builder(SameDiffs.mlp(5, 7, 3, 0.02, 4)).outputs("probabilities").logits("logits").build();
    }

    private static DataSet blobs() {
        return SyntheticData.blobs(3, 30, 5, 1, 2);
    }

    private static void assertMessage(Throwable e, String... words) {
        for (String w : words) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(w), "expected '" + w + "' in: "
                    + e.getMessage());
        }
    }

    @Test
    void theBuilderNamesWhatIsMissingOrWrong() {
        SameDiff noConfig = SameDiff.create();
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> SameDiffModel.builder(noConfig).outputs("x").build()), "TrainingConfig", "setTrainingConfig");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> SameDiffModel.builder(SameDiffs.mlp(5, 7, 3, 0.02, 4)).build()),
                "one scores variable per label placeholder [label]", "got: null");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> SameDiffModel.builder(SameDiffs.mlp(5, 7, 3, 0.02, 4)).outputs("probabilities", "logits")
                        .build()), "[label]", "got: [probabilities, logits]");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> SameDiffModel.builder(SameDiffs.mlp(5, 7, 3, 0.02, 4)).outputs("nope").build()),
                "no variable 'nope'");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> SameDiffModel.builder(SameDiffs.mlp(5, 7, 3, 0.02, 4)).outputs("probabilities")
                        .logits("nologits").build()), "no variable 'nologits'");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> SameDiffModel.builder(SameDiffs.mlp(5, 7, 3, 0.02, 4)).outputs("probabilities")
                        .classifier("logits").build()), "classifier 'logits'", "[probabilities]");
        assertThrows(NullPointerException.class, () -> SameDiffModel.builder(null));
    }

    @Test
    void describesItsInputsOutputsAndHead() {
        SameDiffModel m = model();
        assertEquals("SameDiff", m.kind());
        assertEquals(1, m.numInputs());
        assertEquals(1, m.numOutputs());
        assertEquals(List.of("probabilities"), m.outputNames());
        assertEquals("probabilities", m.classificationOutputName());
        assertEquals(3, m.headSize());
        assertEquals(5, m.inputSize(0));
        assertEquals(5 * 7 + 7 + 7 * 3 + 3, m.numParams());
        assertTrue(m.describe().contains("SameDiff") && m.describe().contains(String.valueOf(m.numParams())),
                m.describe());
        assertTrue(m.unwrap(SameDiff.class) == m.sameDiff());
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> m.unwrap(org.deeplearning4j.nn.multilayer.MultiLayerNetwork.class)), "SameDiff",
                "MultiLayerNetwork");
    }

    @Test
    void fitLowersTheLossThroughSameDiffsOwnLoop() {
        SameDiffModel m = model();
        DataSet d = blobs();
        MultiDataSet all = Batches.of(d);
        double before = m.score(all);
        assertTrue(Double.isNaN(m.lastScore()), "no minibatch trained yet");
        Experience e = Experience.of(ExampleSource.of(d), 0);
        m.fit(e.iterator(16, true, 1), 15);
        double after = m.score(all);
        assertTrue(after < 0.5 * before, "loss " + before + " -> " + after);
        assertTrue(m.iterationCount() >= 15 * 6, "iterations " + m.iterationCount());
        assertTrue(Double.isFinite(m.lastScore()) && m.lastScore() > 0, "last score " + m.lastScore());
        double one = m.score(all);
        m.fit(all);
        assertEquals(one, m.lastScore(), 1e-6, "the last score is the loss of the minibatch before its update");
        assertTrue(m.score(all) < one, "one step on the whole set lowers its loss");
        // recording the score does not change training: the same steps as SameDiff's own fit
        SameDiffModel a = model();
        SameDiff raw = SameDiffs.mlp(5, 7, 3, 0.02, 4);
        for (int i = 0; i < 3; i++) {
            a.fit(all);
            raw.fit(all);
        }
        assertEquals(SameDiffModel.builder(raw).outputs("probabilities").build().params(), a.params());
        // trained, it classifies the blobs
        INDArray pred = Nd4j.argMax(m.classScores(all), 1);
        INDArray truth = Nd4j.argMax(d.getLabels(), 1);
        assertTrue(pred.eq(truth).castTo(DataType.FLOAT).meanNumber().doubleValue() > 0.9);
    }

    @Test
    void outputsLogitsActivationsAndParameters() {
        SameDiffModel m = model();
        INDArray x = blobs().getFeatures().getRows(0, 1, 2, 3);
        INDArray p = m.output(new INDArray[]{x}, null)[0];
        assertArrayEquals(new long[]{4, 3}, p.shape());
        assertEquals(Nd4j.ones(DataType.FLOAT, 4), p.sum(1), "probabilities sum to one");
        INDArray z = m.logits(new INDArray[]{x}, null);
        assertTrue(Transforms.softmax(z, true).equalsWithEps(p, 1e-5), "softmax of the logits is the output");
        assertArrayEquals(new long[]{4, 7}, m.features("hidden", new INDArray[]{x}, null).shape());
        assertEquals(z, m.activations(null, new INDArray[]{x}, null), "the default feature variable is the logits");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> m.activations("nope", new INDArray[]{x}, null)), "'nope'");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> m.output(new INDArray[]{x, x}, null)), "1 inputs", "2 feature arrays");

        INDArray params = m.params();
        assertArrayEquals(new long[]{1, m.numParams()}, params.shape());
        params.assign(0);
        assertEquals(p, m.output(new INDArray[]{x}, null)[0], "params() is a copy for SameDiff");
        m.setParams(Nd4j.zeros(DataType.FLOAT, m.numParams()));
        assertTrue(m.output(new INDArray[]{x}, null)[0].equalsWithEps(Nd4j.valueArrayOf(new long[]{4, 3}, 1.0 / 3,
                DataType.FLOAT), 1e-6), "zero weights give uniform probabilities");
        INDArray values = Nd4j.linspace(DataType.FLOAT, 1, m.numParams(), 1).reshape(1, m.numParams()).divi(100);
        m.setParams(values);
        assertEquals(values, m.params());
        m.sameDiff().getArrForVarName("w0").addi(1);
        assertEquals(35, m.params().sub(values).neq(0).castTo(DataType.INT).sumNumber().intValue(),
                "params() reads the trainable variables: changing w0 [5, 7] changes exactly 35 values");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> m.setParams(Nd4j.zeros(3))),
                "Expected " + m.numParams(), "got: 3");
        assertEquals(Nd4j.ones(DataType.FLOAT, 1, m.numParams()), m.trainableMask());
        assertEquals(m.numParams(), m.parameterLayout().numParams());
    }

    @Test
    void copiesAreIndependentAndMayTakeAnotherUpdater() {
        SameDiffModel m = model();
        MultiDataSet all = Batches.of(blobs());
        m.fit(all);
        SameDiffModel c = m.copy();
        assertEquals(m.params(), c.params());
        c.fit(all);
        assertNotEquals(m.params(), c.params());
        SameDiffModel sgd = m.copy(new Sgd(0.5), 1);
        assertEquals(m.params(), sgd.params());
        assertTrue(sgd.sameDiff().getTrainingConfig().getUpdater() instanceof Sgd);
        assertTrue(m.sameDiff().getTrainingConfig().getUpdater() instanceof org.nd4j.linalg.learning.config.Adam,
                "the original keeps its updater");
        INDArray before = m.params().dup();
        sgd.fit(all);
        assertEquals(before, m.params());
        assertNotEquals(before, sgd.params());
    }

    @Test
    void whatASameDiffGraphCannotDoIsRefusedWithTheOperationNamed() {
        SameDiffModel m = model();
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> m.setListeners(List.of(new ScoreIterationListener(1))));
        assertMessage(e, "ScoreIterationListener", "SameDiff", "MultiLayerNetwork or ComputationGraph");
        assertDoesNotThrow(() -> m.setListeners(List.of()));
        assertTrue(m.listeners().isEmpty());
        assertMessage(assertThrows(UnsupportedOperationException.class, m::network), "network()", "SameDiff");
        assertMessage(assertThrows(UnsupportedOperationException.class, m::headConf), "headConf()");
        assertMessage(assertThrows(UnsupportedOperationException.class, m::headParams), "headParams()");
        assertMessage(assertThrows(UnsupportedOperationException.class, m::headLoss), "headLoss()");
        assertMessage(assertThrows(UnsupportedOperationException.class, () -> m.growHead(5)), "growHead");
        assertDoesNotThrow(() -> m.growHead(3), "growing to the current width is a no-op");
        assertMessage(assertThrows(UnsupportedOperationException.class, () -> m.twin(null, null)), "twin()");
        assertMessage(assertThrows(UnsupportedOperationException.class, m::currentInputs), "currentInputs()");
        assertMessage(assertThrows(UnsupportedOperationException.class, () -> m.setLearningRate(0.1)),
                "setLearningRate");
        SameDiffModel noLogits = SameDiffModel.builder(SameDiffs.mlp(5, 7, 3, 0.02, 4)).outputs("probabilities")
                .build();
        assertMessage(assertThrows(UnsupportedOperationException.class,
                () -> noLogits.logits(new INDArray[]{Nd4j.zeros(DataType.FLOAT, 1, 5)}, null)), "logits(\"...\")");
    }
}
