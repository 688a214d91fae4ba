package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.LSTM;
import org.deeplearning4j.nn.conf.layers.RnnOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Sequence classification with the label at the last time step only (labels {@code [n, k, T]}, label mask
 * {@code [n, T]}): the replay buffer keeps the time-step mask as it is (it is not a per-class mask of the label
 * width), so replayed rows join the current minibatch. Synthetic data, T ≠ k.
 */
class SequenceLabelMaskReplayTest {
    private static final int K = 4;
    private static final int T = 6;

    /** n sequences of 3 features; the class shows as a constant offset of feature 0; label at the last step. */
    static DataSet sequences(int n, long seed) {
        Random r = new Random(seed);
        INDArray f = Nd4j.zeros(DataType.FLOAT, n, 3, T);
        INDArray l = Nd4j.zeros(DataType.FLOAT, n, K, T);
        INDArray m = Nd4j.zeros(DataType.FLOAT, n, T);
        for (int i = 0; i < n; i++) {
            int c = i % K;
            for (int t = 0; t < T; t++) {
                f.putScalar(new long[]{i, 0, t}, c + 0.1 * r.nextGaussian());
                f.putScalar(new long[]{i, 1, t}, r.nextGaussian());
            }
            l.putScalar(new long[]{i, c, T - 1}, 1);
            m.putScalar(new long[]{i, T - 1}, 1);
        }
        return new DataSet(f, l, null, m);
    }

    @Test
    void sampledRowsKeepTheirTimeStepMask() {
        ReplayBuffer b = new BufferConfiguration.Builder().capacity(16).build().build(false).classificationOutput(0);
        DataSet d = sequences(8, 1);
        b.observe(new org.nd4j.linalg.dataset.MultiDataSet(d.getFeatures(), d.getLabels(), null,
                d.getLabelsMaskArray()), null, 0, new Random(2));
        MultiDataSet s = b.sample(5, K, new Random(3)).toMultiDataSet();
        assertArrayEquals(new long[]{5, K, T}, s.getLabels(0).shape());
        assertArrayEquals(new long[]{5, T}, s.getLabelsMaskArray(0).shape(), "the time-step mask [n, T]");
        INDArray expected = Nd4j.zeros(DataType.FLOAT, 5, T);
        expected.get(NDArrayIndex.all(), NDArrayIndex.point(T - 1)).assign(1);
        assertEquals(expected, s.getLabelsMaskArray(0).castTo(DataType.FLOAT));
    }

    @Test
    void experienceReplayTrainsAnRnnOutputLayerWithALabelMask() {
        Scenario s = new ClassIncrementalScenario.Builder().train(sequences(80, 4)).test(sequences(40, 5))
                .numExperiences(2).build();
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(1).updater(new Adam(1e-2)).list()
                .layer(new LSTM.Builder().nOut(8).activation(Activation.TANH).build())
                .layer(new RnnOutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(K)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.recurrent(3, T)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(8).seed(3).progress(false)
                .plugin(new ExperienceReplay.Builder().bufferSize(20).replayBatch(8).build()).build();
        ContinualResult r = ContinualTrainer.wrap(net, conf).fit(s);
        // 40 current rows and 8 replayed rows in each of the 5 minibatches (the buffer fills from the first one)
        assertEquals(72, r.experiences().get(0).examplesSeen());
        assertEquals(80, r.experiences().get(1).examplesSeen());
    }
}
