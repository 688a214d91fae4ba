package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.ExampleSource;
import io.github.dl4jcontinual.data.ReplayIterator;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.ClassOrder;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.ChunkedMultiDataSetIterator;
import io.github.dl4jcontinual.testutil.Reads;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Minibatches of two inputs ({@code [N, 4]} and {@code [N, 1, 3, 3]}) and two outputs (a regression target
 * {@code [N, 2]} first, the classes {@code [N, K]} second, with a per-output label mask) through a scenario, the
 * buffers and {@link ReplayIterator}, the classification output named by index. Input 0's first value is the
 * example's position.
 */
class MultiInputOutputTest {
    static final int K = 4;

    static MultiDataSet data(int n, long seed) {
        return data(n, seed, true);
    }

    /**
     * @param perOutputMask a label mask [n, K] on the classes (one other class masked out for every third example),
     *                      else a per-example mask [n, 1] (every fourth example weighted 0.5)
     */
    static MultiDataSet data(int n, long seed, boolean perOutputMask) {
        Random r = new Random(seed);
        INDArray a = Nd4j.create(DataType.FLOAT, n, 4);
        INDArray b = Nd4j.create(DataType.FLOAT, n, 1, 3, 3);
        INDArray aux = Nd4j.create(DataType.FLOAT, n, 2);
        int[] c = new int[n];
        for (int i = 0; i < n; i++) {
            c[i] = (3 * i) % K;
            a.putScalar(i, 0, i);
            for (int j = 1; j < 4; j++) {
                a.putScalar(i, j, c[i] + 0.2 * r.nextGaussian());
            }
            b.get(NDArrayIndex.point(i)).assign(Nd4j.rand(DataType.FLOAT, 1, 3, 3)).addi(c[i]);
            aux.putScalar(i, 0, 10 * i);
            aux.putScalar(i, 1, -i);
        }
        INDArray mask = Nd4j.ones(DataType.FLOAT, n, perOutputMask ? K : 1);
        for (int i = 0; i < n; i += perOutputMask ? 3 : 4) {
            mask.putScalar(i, perOutputMask ? (c[i] + 1) % K : 0, perOutputMask ? 0 : 0.5);
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(new INDArray[]{a, b},
                new INDArray[]{aux, DataSets.oneHot(c, K)}, null, new INDArray[]{null, mask});
    }

    static int id(MultiDataSet m, int row) {
        return (int) m.getFeatures(0).getDouble(row, 0);
    }

    static Scenario scenario(ExampleSource train) {
        return new ClassIncrementalScenario.Builder().train(train).test(data(20, 2, false)).classificationOutput(1)
                .numExperiences(2).classOrder(ClassOrder.fixed(3, 1, 0, 2)).build();
    }

    @Test
    void theClassificationOutputCarriesTheClassesAndTheOthersPassUnchanged() {
        MultiDataSet src = data(40, 1);
        for (ExampleSource s : List.of(ExampleSource.of(src), ExampleSource.of(new ChunkedMultiDataSetIterator(src, 6,
                true)))) {
            Scenario sc = scenario(s);
            assertArrayEquals(new int[]{3, 1, 0, 2}, sc.classOrder());
            Experience e0 = sc.trainStream().get(0);
            assertEquals(List.of(0, 1), e0.classes());
            assertEquals(1, e0.classificationOutput());
            assertEquals(2, e0.numInputs());
            assertArrayEquals(new long[]{1, 3, 3}, e0.exampleShape(1));
            MultiDataSet all = Reads.all(e0);
            assertEquals(2, all.numFeatureArrays());
            assertEquals(2, all.numLabelsArrays());
            assertEquals(20, Batches.size(all));
            int[] order = {3, 1, 0, 2};
            for (int i = 0; i < 20; i++) {
                int p = id(all, i);
                int original = (3 * p) % K;
                assertTrue(original == 3 || original == 1, "experience 0 holds classes 3 and 1 (got " + original + ")");
                assertEquals(src.getLabels(0).getRow(p), all.getLabels(0).getRow(i), "the other output is unchanged");
                assertEquals(src.getFeatures(1).get(NDArrayIndex.point(p)), all.getFeatures(1).get(
                        NDArrayIndex.point(i)), "input 1 comes with its example");
                INDArray relabelled = all.getLabels(1).getRow(i);
                assertEquals(1.0, relabelled.getDouble(original == 3 ? 0 : 1), 0.0);
                INDArray srcMask = src.getLabelsMaskArray(1).getRow(p);
                for (int col = 0; col < K; col++) {
                    assertEquals(srcMask.getDouble(order[col]), all.getLabelsMaskArray(1).getDouble(i, col), 0.0,
                            "the per-output mask follows the relabelled columns");
                }
            }
            assertNull(all.getLabelsMaskArray(0));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClassIncrementalScenario.Builder().train(data(40, 1)).test(data(20, 2))
                        .classificationOutput(2).numExperiences(2).build());
        assertTrue(e.getMessage().contains("2 label arrays") && e.getMessage().contains("index 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ClassIncrementalScenario.Builder().train(data(40, 1)).test(data(20, 2))
                        .numExperiences(2).build());
        assertTrue(e.getMessage().contains("not one-hot"), "output 0 holds no classes: " + e.getMessage());
    }

    static ComputationGraph graph() {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(7)
                .updater(new Adam(0.01)).graphBuilder().addInputs("a", "b")
                .setInputTypes(InputType.feedForward(4), InputType.convolutional(3, 3, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(2, 2).nOut(2).activation(Activation.RELU).build(), "b")
                .addLayer("da", new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), "a")
                .addLayer("db", new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build(), "conv")
                .addVertex("merge", new MergeVertex(), "da", "db")
                .addLayer("aux", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).nOut(2)
                        .activation(Activation.IDENTITY).build(), "merge")
                .addLayer("cls", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(K)
                        .activation(Activation.SOFTMAX).build(), "merge")
                .setOutputs("aux", "cls").build());
        g.init();
        return g;
    }

    @Test
    void buffersAndReplayKeepEveryArrayAndUseTheClassificationOutput() {
        // DL4J's softmax cross-entropy takes no per-output mask: a per-example one here
        MultiDataSet src = data(40, 1, false);
        Scenario sc = scenario(ExampleSource.of(new ChunkedMultiDataSetIterator(src, 6, true)));
        ContinualModel model = ContinualModel.of(graph(), "cls");
        assertEquals(1, model.classificationOutput());
        Experience e0 = sc.trainStream().get(0);
        model.fit(e0.iterator(8, true, 1), 2);
        ReservoirReplayBuffer reservoir = new ReservoirReplayBuffer(10, true);
        reservoir.classificationOutput(model.classificationOutput());
        ReplayBuffer herding = new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED)
                .capacity(6).selection(new HerdingSelection()).build().build(false).classificationOutput(1);
        Random rng = new Random(3);
        MultiDataSetIterator it = e0.iterator(8, true, 2);
        while (it.hasNext()) {
            MultiDataSet m = it.next();
            reservoir.observe(m, model.logits(m.getFeatures(), null), 0, rng);
        }
        herding.consolidate(e0, model, rng);
        assertEquals(Map.of(0, 3, 1, 3), herding.countsPerClass(), "classes read from output 1");
        Map<Integer, Integer> rows = new HashMap<>();
        MultiDataSet all = Reads.all(e0);
        for (int i = 0; i < Batches.size(all); i++) {
            rows.put(id(all, i), i);
        }
        for (ReplayBuffer b : List.of(reservoir, herding)) {
            ReplayBatch c = b.contents(K);
            MultiDataSet m = c.toMultiDataSet();
            assertEquals(2, m.numFeatureArrays());
            assertEquals(2, m.numLabelsArrays());
            assertArrayEquals(new long[]{b.size(), 1, 3, 3}, m.getFeatures(1).shape());
            assertEquals(m.getLabels(1), c.labels(), "labels() are the classification output's");
            for (int i = 0; i < b.size(); i++) {
                int j = rows.get(id(m, i));
                assertEquals(all.getLabels(0).getRow(j), m.getLabels(0).getRow(i));
                assertEquals(all.getLabels(1).getRow(j), m.getLabels(1).getRow(i));
                assertEquals(all.getFeatures(1).get(NDArrayIndex.point(j)), m.getFeatures(1).get(NDArrayIndex.point(i)));
                assertEquals(all.getLabelsMaskArray(1).getRow(j), m.getLabelsMaskArray(1).getRow(i));
            }
        }
        // a narrower head: only the classification output's labels (and its per-output mask) are cut
        MultiDataSet two = reservoir.sample(4, 2, new Random(1)).toMultiDataSet();
        assertArrayEquals(new long[]{4, 2}, two.getLabels(1).shape());
        assertArrayEquals(new long[]{4, 1}, two.getLabelsMaskArray(1).shape(), "a per-example mask is not cut");
        assertArrayEquals(new long[]{4, 2}, two.getLabels(0).shape(), "the regression output keeps its 2 values");
        assertArrayEquals(new long[]{10, K}, reservoir.contents(K).logits().shape());

        // replay into the next experience, weighting the classification output only
        Experience e1 = sc.trainStream().get(1);
        ReplayIterator ri = new ReplayIterator(e1.iterator(6, true, 4), 1,
                cur -> reservoir.sample(3, K, rng).toMultiDataSet()).weighted(1.0, 0.5);
        MultiDataSet joined = ri.next();
        assertEquals(9, Batches.size(joined));
        assertEquals(2, joined.numFeatureArrays());
        assertArrayEquals(new long[]{9, 1, 3, 3}, joined.getFeatures(1).shape());
        assertArrayEquals(new long[]{9, 2}, joined.getLabels(0).shape());
        INDArray w = joined.getLabelsMaskArray(1);
        assertArrayEquals(new long[]{9, 1}, w.shape());
        assertEquals(1.5, w.get(NDArrayIndex.interval(0, 6), NDArrayIndex.all()).maxNumber().doubleValue(), 1e-6);
        assertEquals(1.5, w.get(NDArrayIndex.interval(6, 9), NDArrayIndex.all()).maxNumber().doubleValue(), 1e-6);
        assertTrue(w.minNumber().doubleValue() >= 0, "the examples' own weights are kept and multiplied");
        assertNull(joined.getLabelsMaskArray(0), "the regression output gets no weights");
        model.fit(joined);
        assertTrue(Double.isFinite(model.lastScore()));
    }
}
