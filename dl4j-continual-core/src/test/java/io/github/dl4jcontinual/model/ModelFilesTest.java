package io.github.dl4jcontinual.model;

import io.github.dl4jcontinual.checkpoint.CheckpointException;
import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.testutil.SameDiffs;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ModelFiles}, {@link ContinualModel#save}/{@link ContinualModel#load} and {@link CheckpointFile} for the three
 * kinds of network: after a round trip the outputs, parameters, configuration and updater state are the same, and
 * training goes on exactly as it would have without the round trip.
 */
class ModelFilesTest {
    private static final int N_IN = 5;
    private static final int CLASSES = 3;

    static MultiLayerNetwork mln() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(0.01)).list()
                .layer(new DenseLayer.Builder().nIn(N_IN).nOut(7).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(7).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build()).build());
        net.init();
        return net;
    }

    /** A graph with two outputs: "aux" (regression, 2 values) first, then the classifier "cls". */
    static ComputationGraph twoOutputGraph() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(2)
                .updater(new Adam(0.01)).graphBuilder().addInputs("in")
                .addLayer("h", new DenseLayer.Builder().nIn(N_IN).nOut(7).activation(Activation.TANH).build(), "in")
                .addLayer("aux", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nIn(7).nOut(2)
                        .activation(Activation.IDENTITY).build(), "h")
                .addLayer("cls", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(7).nOut(CLASSES)
                        .activation(Activation.SOFTMAX).build(), "h")
                .setOutputs("aux", "cls").build());
        g.init();
        return g;
    }

    static SameDiffModel sameDiff() {
        return SameDiffModel.builder(SameDiffs.mlp(N_IN, 7, CLASSES, 0.01, 3)).outputs("probabilities")
                .logits("logits").build();
    }

    /** A minibatch for a model: one input; labels for each output (the classifier's one-hot). */
    static MultiDataSet batch(ContinualModel m, long seed) {
        Random r = new Random(seed);
        int n = 8;
        INDArray x = Nd4j.create(DataType.FLOAT, n, N_IN);
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextInt(CLASSES);
            for (int j = 0; j < N_IN; j++) {
                x.putScalar(i, j, r.nextGaussian() + y[i]);
            }
        }
        INDArray[] labels = new INDArray[m.numOutputs()];
        for (int o = 0; o < labels.length; o++) {
            labels[o] = o == m.classificationOutput() ? DataSets.oneHot(y, CLASSES).castTo(DataType.FLOAT)
                    : x.getColumns(0, 1).dup();
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{x}, labels);
    }

    static List<ContinualModel> models() {
        return List.of(ContinualModel.of(mln()), ContinualModel.of(twoOutputGraph(), "cls"), sameDiff());
    }

    /** The configuration as JSON: DL4J's for networks, the TrainingConfig and graph summary for SameDiff. */
    static String config(ContinualModel m) {
        switch (m.kind()) {
            case "MultiLayerNetwork":
                return m.unwrap(MultiLayerNetwork.class).getLayerWiseConfigurations().toJson();
            case "ComputationGraph":
                return m.unwrap(ComputationGraph.class).getConfiguration().toJson();
            default:
                // the training configuration, every variable (name, type, data type; the shape of stored ones) and
                // every op with its inputs and outputs
                SameDiff sd = m.unwrap(SameDiff.class);
                StringBuilder sb = new StringBuilder(sd.getTrainingConfig().toJson());
                sd.variables().stream().sorted(java.util.Comparator.comparing(v -> v.name())).forEach(v -> sb
                        .append('\n').append(v.name()).append(' ').append(v.getVariableType()).append(' ')
                        .append(v.dataType()).append(' ').append(v.getVariableType()
                                == org.nd4j.autodiff.samediff.VariableType.ARRAY ? "" : java.util.Arrays.toString(
                                v.getShape())));
                new java.util.TreeMap<>(sd.getOps()).forEach((name, op) -> sb.append('\n').append(name).append(' ')
                        .append(op.getOp().getClass().getSimpleName()).append(' ').append(op.getInputsToOp())
                        .append(" -> ").append(op.getOutputsOfOp()));
                sb.append('\n').append(sd.getLossVariables());
                return sb.toString();
        }
    }

    static void assertSameModel(ContinualModel a, ContinualModel b, String what) {
        assertEquals(a.kind(), b.kind(), what);
        assertEquals(a.outputNames(), b.outputNames(), what);
        assertEquals(a.classificationOutput(), b.classificationOutput(), what);
        assertEquals(a.classificationOutputName(), b.classificationOutputName(), what);
        assertEquals(a.headSize(), b.headSize(), what);
        assertEquals(a.params(), b.params(), what + ": parameters");
        assertEquals(a.iterationCount(), b.iterationCount(), what + ": iteration count");
        assertEquals(config(a), config(b), what + ": configuration");
        INDArray ua = a.updaterState();
        assertNotNull(ua, what + ": a trained model has updater state");
        assertEquals(ua, b.updaterState(), what + ": updater state");
        MultiDataSet x = batch(a, 99);
        INDArray[] oa = a.output(x.getFeatures(), null);
        INDArray[] ob = b.output(x.getFeatures(), null);
        assertEquals(oa.length, ob.length, what);
        for (int i = 0; i < oa.length; i++) {
            assertEquals(oa[i], ob[i], what + ": output " + i);
        }
    }

    /** Trains both on the same minibatches: equal updater state means equal parameters afterwards. */
    static void assertTrainsOnTheSame(ContinualModel a, ContinualModel b, String what) {
        for (int s = 0; s < 3; s++) {
            MultiDataSet d = batch(a, 10 + s);
            a.fit(d);
            b.fit(d);
        }
        assertEquals(a.params(), b.params(), what + ": training goes on identically after the round trip");
    }

    static ContinualModel trained(ContinualModel m) {
        for (int s = 0; s < 4; s++) {
            m.fit(batch(m, s));
        }
        return m;
    }

    @Test
    void saveAndLoadKeepOutputsParametersConfigurationAndUpdaterState() {
        for (ContinualModel m : models()) {
            trained(m);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            m.save(bytes);
            ContinualModel back = ContinualModel.load(new ByteArrayInputStream(bytes.toByteArray()));
            assertNotSame(m, back);
            assertSameModel(m, back, m.kind());
            assertTrainsOnTheSame(m, back, m.kind());
        }
    }

    @Test
    void theClassifierOfAGraphWithTwoOutputsIsKeptByName() {
        ContinualModel g = ContinualModel.of(twoOutputGraph(), "cls");
        assertEquals(List.of("aux", "cls"), g.outputNames());
        assertEquals(1, g.classificationOutput());
        assertEquals(CLASSES, g.headSize());
        Map<String, byte[]> entries = ModelFiles.entries(g);
        assertEquals("ComputationGraph", ModelFiles.kindOf(entries));
        ContinualModel back = ModelFiles.fromEntries(entries);
        assertEquals("cls", back.classificationOutputName());
        assertEquals(1, back.classificationOutput());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ContinualModel.of(twoOutputGraph()));
        assertTrue(e.getMessage().contains("2 outputs") && e.getMessage().contains("name the classification output"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ContinualModel.of(twoOutputGraph(), "nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("[aux, cls]"), e.getMessage());
    }

    @Test
    void aStoredNetworkStaysReadableByModelSerializer() throws Exception {
        ContinualModel m = trained(ContinualModel.of(mln()));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        m.save(bytes);
        MultiLayerNetwork net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes.toByteArray()),
                true);
        assertEquals(m.params(), net.params());
        assertEquals(m.updaterState(), net.getUpdater().getStateViewArray());
        ContinualModel g = trained(ContinualModel.of(twoOutputGraph(), "cls"));
        bytes = new ByteArrayOutputStream();
        g.save(bytes);
        ComputationGraph cg = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()),
                true);
        assertEquals(g.params(), cg.params());
    }

    @Test
    void entriesThatAreNotAStoredModelAreRefusedWithAMessage() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFiles.fromEntries(Map.of("coefficients.bin", new byte[]{1})));
        assertTrue(e.getMessage().contains(ModelFiles.DESCRIPTOR) && e.getMessage().contains("coefficients.bin"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.fromEntries(Map.of(ModelFiles.DESCRIPTOR,
                "{\"kind\":\"Keras\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains("'Keras'") && e.getMessage().contains("MultiLayerNetwork"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ModelFiles.fromEntries(Map.of(ModelFiles.DESCRIPTOR,
                "{\"kind\":\"SameDiff\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertTrue(e.getMessage().contains(ModelFiles.SAMEDIFF), e.getMessage());
    }

    @Test
    void aCheckpointFileHoldsEachKindOfModel(@TempDir Path dir) {
        for (ContinualModel m : models()) {
            trained(m);
            Path f = dir.resolve(m.kind() + ".zip");
            CheckpointFile.write(f, m, Map.of("note", m.kind()), Map.of("k", "v"));
            CheckpointFile c = CheckpointFile.read(f);
            assertEquals(m.kind(), c.property("modelType"));
            assertEquals(m.kind(), c.object("note", String.class));
            ContinualModel back = c.continualModel();
            assertSameModel(m, back, "checkpoint of a " + m.kind());
            assertTrainsOnTheSame(m, back, "checkpoint of a " + m.kind());
        }
        CheckpointFile sd = CheckpointFile.read(dir.resolve("SameDiff.zip"));
        assertNotNull(sd.model(SameDiff.class));
        CheckpointException e = assertThrows(CheckpointException.class, () -> sd.model(MultiLayerNetwork.class));
        assertTrue(e.getMessage().contains("holds a SameDiff but a MultiLayerNetwork was expected"), e.getMessage());
        CheckpointFile cg = CheckpointFile.read(dir.resolve("ComputationGraph.zip"));
        assertEquals("cls", cg.continualModel().classificationOutputName());
        assertNotNull(cg.model(ComputationGraph.class));
    }

    @Test
    void aCopyIsIndependentOfTheOriginal() {
        for (ContinualModel m : models()) {
            trained(m);
            ContinualModel c = m.copy();
            assertSameModel(m, c, "copy of a " + m.kind());
            INDArray before = m.params().dup();
            int iterations = m.iterationCount();
            for (int s = 0; s < 3; s++) {
                c.fit(batch(c, 50 + s));
            }
            assertEquals(before, m.params(), m.kind() + ": training the copy changed the original");
            assertEquals(iterations, m.iterationCount(), m.kind() + ": training the copy advanced the original's "
                    + "iteration count");
            assertNotEquals(before, c.params(), m.kind() + ": the copy did not train");
            assertArrayEquals(new long[]{1, m.numParams()}, m.trainableMask().shape(), m.kind());
        }
    }
}
