package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.testutil.Doubles;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DER's joined step: one forward/backward pass gives exactly the loss and gradient of the three-term DER++ loss. */
class DerJointLossTest {

    private static MultiLayerNetwork doubleMlp() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .dataType(DataType.DOUBLE).updater(new NoOp()).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(5).nOut(3)
                        .activation(Activation.SOFTMAX).build()).build());
        net.init();
        return net;
    }

    /** 4 current rows followed by 2 labelled replay rows, as ReplayIterator joins them. */
    private static DataSet mainBatch() {
        Nd4j.getRandom().setSeed(7);
        INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 4);
        INDArray y = DataSets.oneHot(new int[]{0, 1, 2, 0, 2, 1}, 3).castTo(DataType.DOUBLE);
        return new DataSet(x, y);
    }

    private static void install(MultiLayerNetwork net) {
        BaseOutputLayer out = (BaseOutputLayer) net.getOutputLayer().conf().getLayer();
        out.setLossFn(new DerJointLoss(out.getLossFn()));
    }

    /** The logit-replay rows: features and (unused) labels of the classification output. */
    private static MultiDataSet logitRows(INDArray x) {
        return Batches.of(new DataSet(x, DataSets.oneHot(new int[(int) x.size(0)], 3).castTo(DataType.DOUBLE)));
    }

    /** The model's logits (its output layer with an identity activation, parameters shared). */
    private static INDArray logits(MultiLayerNetwork net, INDArray x) {
        return ContinualModel.of(net).logits(new INDArray[]{x}, null);
    }

    private static INDArray rows(INDArray a, long from, long to) {
        return a.get(NDArrayIndex.interval(from, to), NDArrayIndex.all());
    }

    @Test
    void joinedScoreIsTheThreeTermDerPlusPlusLoss() {
        double alpha = 0.3;
        double beta = 0.5;
        MultiLayerNetwork net = doubleMlp();
        DataSet main = mainBatch();
        INDArray xa = Nd4j.rand(DataType.DOUBLE, 3, 4);
        INDArray za = Nd4j.randn(DataType.DOUBLE, 3, 3);
        // by hand: mean CE over the 4 current rows + β mean CE over the 2 labelled rows + α mean (z − ẑ)²
        INDArray p = Transforms.softmax(logits(net, main.getFeatures()), true);
        INDArray ce = Transforms.log(p, true).muli(main.getLabels()).sum(1).negi();
        double expected = ce.get(NDArrayIndex.interval(0, 4)).meanNumber().doubleValue()
                + beta * ce.get(NDArrayIndex.interval(4, 6)).meanNumber().doubleValue();
        INDArray d = logits(net, xa).sub(za);
        expected += alpha * d.mul(d).meanNumber().doubleValue();

        MultiDataSet joinedRows = Batches.of(main.copy());
        DarkExperienceReplay.joinedMinibatch(joinedRows, 0, 4, beta, logitRows(xa), za, alpha);
        DataSet joined = Batches.toDataSet(joinedRows);
        assertEquals(9, joined.numExamples());
        assertEquals(8, joined.getLabels().size(1));
        assertNull(joined.getLabelsMaskArray());
        assertEquals(xa, rows(joined.getFeatures(), 6, 9), "the logit rows join the features after the others");
        install(net);
        // DL4J's own score of the minibatch (what ScoreIterationListener reports in training)
        net.setInput(joined.getFeatures());
        net.setLabels(joined.getLabels());
        net.computeGradientAndScore();
        assertEquals(expected, net.score(), 1e-10);
    }

    @Test
    void theStepCapturesTheCurrentRowsLogitsOfItsOwnForward() {
        MultiLayerNetwork net = doubleMlp();
        DataSet main = mainBatch();
        INDArray xa = Nd4j.rand(DataType.DOUBLE, 3, 4);
        INDArray za = Nd4j.randn(DataType.DOUBLE, 3, 3);
        MultiDataSet joinedRows = Batches.of(main.copy());
        DarkExperienceReplay.joinedMinibatch(joinedRows, 0, 4, 0.5, logitRows(xa), za, 0.3);
        DataSet joined = Batches.toDataSet(joinedRows);
        BaseOutputLayer out = (BaseOutputLayer) net.getOutputLayer().conf().getLayer();
        DerJointLoss loss = new DerJointLoss(out.getLossFn());
        out.setLossFn(loss);
        DerJointLoss.LogitCapture capture = new DerJointLoss.LogitCapture();
        loss.capture(capture);
        INDArray before = logits(net, rows(main.getFeatures(), 0, 4)).dup();
        capture.arm(4);
        net.setInput(joined.getFeatures());
        net.setLabels(joined.getLabels());
        net.computeGradientAndScore();
        INDArray captured = capture.take();
        assertEquals(before, captured, "the 4 current rows' logits of the training forward");
        assertNull(capture.take(), "taken once");
        net.computeGradientAndScore();
        assertNull(capture.take(), "a disarmed capture takes nothing");
    }

    @Test
    void joinedGradientEqualsTheSumOfTheSeparateGradients() {
        double alpha = 0.3;
        double beta = 0.5;
        MultiLayerNetwork net = doubleMlp();
        DataSet main = mainBatch();
        INDArray xa = Nd4j.rand(DataType.DOUBLE, 3, 4);
        INDArray za = Nd4j.randn(DataType.DOUBLE, 3, 3);
        // three separate passes (the previous formulation): DL4J's gradients are sums over rows
        INDArray gCur = net.calculateGradients(rows(main.getFeatures(), 0, 4), rows(main.getLabels(), 0, 4), null,
                null).getFirst().gradient().dup().reshape(-1);
        INDArray gLab = net.calculateGradients(rows(main.getFeatures(), 4, 6), rows(main.getLabels(), 4, 6), null,
                null).getFirst().gradient().dup().reshape(-1);
        // DL4J's MSE is mean_k (z - t)^2 per row: the gradient of the α term on the logits (shared parameters)
        INDArray gMse = ContinualModel.of(net).twin(new LossMSE(), new ActivationIdentity())
                .gradient(Batches.of(new DataSet(xa, za))).dup().reshape(-1);
        INDArray expected = gCur.div(4).addi(gLab.mul(beta / 2)).addi(gMse.mul(alpha / 3));

        MultiDataSet joinedRows = Batches.of(main.copy());
        DarkExperienceReplay.joinedMinibatch(joinedRows, 0, 4, beta, logitRows(xa), za, alpha);
        DataSet joined = Batches.toDataSet(joinedRows);
        install(net);
        INDArray g = net.calculateGradients(joined.getFeatures(), joined.getLabels(), null, null).getFirst()
                .gradient().reshape(-1).div(9);
        assertEquals(0.0, g.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue(), 1e-10);
    }

    @Test
    void passesDl4jGradientCheck() {
        Doubles.run(() -> {
            MultiLayerNetwork net = doubleMlp();
            MultiDataSet joinedRows = Batches.of(mainBatch());
            DarkExperienceReplay.joinedMinibatch(joinedRows, 0, 4, 0.5, logitRows(Nd4j.rand(DataType.DOUBLE, 3, 4)),
                    Nd4j.randn(DataType.DOUBLE, 3, 3), 0.3);
            DataSet joined = Batches.toDataSet(joinedRows);
            install(net);
            assertTrue(GradientCheckUtil.checkGradients(new GradientCheckUtil.MLNConfig().net(net)
                    .input(joined.getFeatures()).labels(joined.getLabels()).epsilon(1e-6).maxRelError(1e-5)
                    .minAbsoluteError(1e-9)));
        });
    }

    @Test
    void plainLabelsGoToTheWrappedLossAndBadShapesAreRefused() {
        DerJointLoss loss = new DerJointLoss(new LossMCXENT());
        INDArray pre = Nd4j.randn(DataType.DOUBLE, 2, 3);
        INDArray y = DataSets.oneHot(new int[]{0, 2}, 3).castTo(DataType.DOUBLE);
        org.nd4j.linalg.activations.impl.ActivationSoftmax sm = new org.nd4j.linalg.activations.impl.ActivationSoftmax();
        assertEquals(new LossMCXENT().computeScore(y, pre, sm, null, true), loss.computeScore(y, pre, sm, null, true),
                1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> loss.computeGradient(Nd4j.zeros(DataType.DOUBLE, 2, 5), pre, sm, null));
        assertTrue(e.getMessage().contains("width 3 or 8") && e.getMessage().contains("got: 5"), e.getMessage());
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> loss.computeGradient(Nd4j.zeros(DataType.DOUBLE, 2, 8), pre, sm, Nd4j.ones(DataType.DOUBLE, 2, 1)));
        assertTrue(m.getMessage().contains("label mask"), m.getMessage());
        MultiDataSet ds = Batches.of(new DataSet(Nd4j.rand(DataType.DOUBLE, 2, 4), y));
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> DarkExperienceReplay
                .joinedMinibatch(ds, 0, 2, 0, logitRows(Nd4j.rand(DataType.DOUBLE, 2, 4)),
                        Nd4j.rand(DataType.DOUBLE, 2, 4), 0.3));
        assertTrue(e2.getMessage().contains("[2, 3]") && e2.getMessage().contains("[2, 4]"), e2.getMessage());
        // labels that already carry a mask, and sequence labels, are refused with their shapes named
        MultiDataSet masked = Batches.of(new DataSet(Nd4j.rand(DataType.DOUBLE, 2, 4), y, null,
                Nd4j.ones(DataType.DOUBLE, 2, 1)));
        IllegalArgumentException e3 = assertThrows(IllegalArgumentException.class, () -> DarkExperienceReplay
                .joinedMinibatch(masked, 0, 2, 0, null, null, 0.3));
        assertTrue(e3.getMessage().contains("label mask") && e3.getMessage().contains("[2, 1]"), e3.getMessage());
        MultiDataSet seq = Batches.of(new DataSet(Nd4j.rand(DataType.DOUBLE, 2, 4, 5),
                Nd4j.zeros(DataType.DOUBLE, 2, 3, 5)));
        IllegalArgumentException e4 = assertThrows(IllegalArgumentException.class, () -> DarkExperienceReplay
                .joinedMinibatch(seq, 0, 2, 0, null, null, 0.3));
        assertTrue(e4.getMessage().contains("[2, 3, 5]"), e4.getMessage());
    }

    @Test
    void roundTripsThroughDl4jJson() {
        MultiLayerNetwork net = doubleMlp();
        BaseOutputLayer out = (BaseOutputLayer) net.getOutputLayer().conf().getLayer();
        out.setLossFn(new DerJointLoss(out.getLossFn()));
        String json = net.getLayerWiseConfigurations().toJson();
        org.deeplearning4j.nn.conf.MultiLayerConfiguration back =
                org.deeplearning4j.nn.conf.MultiLayerConfiguration.fromJson(json);
        assertEquals(new DerJointLoss(new LossMCXENT()),
                ((BaseOutputLayer) back.getConf(1).getLayer()).getLossFn());
    }
}
