package io.github.dl4jcontinual.zoo.ctp;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The first layer of a user's pretrained DL4J {@link MultiLayerNetwork}, to start {@link DualEncoder}'s image tower
 * from it (the paper's pretrained start) instead of a random initialisation. The image tower is
 * {@code pixels → dense hidden + ReLU → projection}; its dense layer ({@code img_fc_w}, {@code img_fc_b}) receives
 * copies of layer 0's {@code W [nIn, nOut]} and {@code b [1, nOut]}, the hidden width is layer 0's {@code nOut},
 * and every later layer of the network (e.g. a softmax classification head) is ignored. The projection, the text
 * tower and the temperature keep their random/initial values.
 *
 * <p>Requirements on the network, checked by {@link #of}: initialised; layer 0 a {@link DenseLayer} with ReLU
 * activation, a bias, no layer normalisation and no input preprocessor (it must read the flat pixels as the tower
 * does). With these, the tower's {@code img_hidden} equals the network's layer-0 activations
 * ({@code feedForward(x).get(1)}) on the same input. The input width is checked against the stream when the tower
 * is copied ({@link #copyInto}). Immutable: the arrays are copies, taken when {@link #of} is called.</p>
 */
public final class PretrainedImageTower {
    private final INDArray weights;
    private final INDArray bias;

    private PretrainedImageTower(INDArray weights, INDArray bias) {
        this.weights = weights;
        this.bias = bias;
    }

    /**
     * Validates {@code net} and copies its layer-0 parameters.
     *
     * @param net an initialised network whose layer 0 is a ReLU {@link DenseLayer} reading the pixels
     * @return the copied first layer
     * @throws IllegalArgumentException naming the layer index, type and shape and what was expected, when the network
     *                                  does not fit
     */
    public static PretrainedImageTower of(MultiLayerNetwork net) {
        if (net == null) {
            throw new IllegalArgumentException("pretrained image tower: the network is null");
        }
        if (net.getLayers() == null || net.getLayers().length == 0) {
            throw new IllegalArgumentException("pretrained image tower: the network has no initialised layers "
                    + "(call init() or load a trained model); expected layer 0 to be a ReLU DenseLayer");
        }
        org.deeplearning4j.nn.conf.layers.Layer conf = net.getLayerWiseConfigurations().getConf(0).getLayer();
        if (!(conf instanceof DenseLayer)) {
            throw new IllegalArgumentException("pretrained image tower: layer 0 is a " + conf.getClass().getSimpleName()
                    + "; expected a DenseLayer (pixels -> hidden, ReLU) as the first layer");
        }
        DenseLayer dense = (DenseLayer) conf;
        String shape = "[nIn " + dense.getNIn() + ", nOut " + dense.getNOut() + "]";
        IActivation act = dense.getActivationFn();
        if (!(act instanceof ActivationReLU)) {
            throw new IllegalArgumentException("pretrained image tower: layer 0 (DenseLayer " + shape + ") has activation "
                    + act + "; expected ReLU (the image tower's hidden layer is ReLU)");
        }
        if (!dense.hasBias()) {
            throw new IllegalArgumentException("pretrained image tower: layer 0 (DenseLayer " + shape + ") has no bias; "
                    + "expected a bias (the image tower's hidden layer has one)");
        }
        if (dense.hasLayerNorm()) {
            throw new IllegalArgumentException("pretrained image tower: layer 0 (DenseLayer " + shape + ") uses layer "
                    + "normalisation; expected a plain dense layer x·W + b");
        }
        InputPreProcessor pre = net.getLayerWiseConfigurations().getInputPreProcess(0);
        if (pre != null) {
            throw new IllegalArgumentException("pretrained image tower: layer 0 (DenseLayer " + shape + ") has the input "
                    + "preprocessor " + pre.getClass().getSimpleName() + "; expected none (the tower feeds flat pixels "
                    + "[N, nIn] straight into the dense layer)");
        }
        Layer layer = net.getLayer(0);
        Map<String, INDArray> p = layer.paramTable();
        INDArray w = p.get(DefaultParamInitializer.WEIGHT_KEY);
        INDArray b = p.get(DefaultParamInitializer.BIAS_KEY);
        if (w == null || b == null || w.rank() != 2 || w.size(0) != dense.getNIn() || w.size(1) != dense.getNOut()
                || b.length() != dense.getNOut()) {
            throw new IllegalArgumentException("pretrained image tower: layer 0 (DenseLayer " + shape + ") has parameters "
                    + "W " + (w == null ? "missing" : java.util.Arrays.toString(w.shape())) + ", b "
                    + (b == null ? "missing" : java.util.Arrays.toString(b.shape())) + "; expected W [nIn, nOut] and b "
                    + "[1, nOut]");
        }
        return new PretrainedImageTower(w.castTo(DataType.FLOAT).dup('c'),
                b.castTo(DataType.FLOAT).reshape(1, dense.getNOut()).dup('c'));
    }

    /** @return the input width (layer 0's nIn): the number of pixels the tower reads */
    public int inputWidth() {
        return (int) weights.size(0);
    }

    /** @return the hidden width (layer 0's nOut) */
    public int hidden() {
        return (int) weights.size(1);
    }

    /** @return a copy of the weights {@code [nIn, nOut]} */
    public INDArray weights() {
        return weights.dup();
    }

    /** @return a copy of the bias {@code [1, nOut]} */
    public INDArray bias() {
        return bias.dup();
    }

    /**
     * Overwrites {@code encoder}'s image dense layer ({@code img_fc_w}, {@code img_fc_b}) with copies of this
     * tower's parameters (cast to the encoder's data type).
     *
     * @param encoder a dual encoder with {@code pixels == inputWidth()} and {@code hidden == hidden()}
     * @throws IllegalArgumentException when the widths differ
     */
    public void copyInto(DualEncoder encoder) {
        if (encoder.spec().pixels != inputWidth()) {
            throw new IllegalArgumentException("pretrained image tower: layer 0 (DenseLayer [nIn " + inputWidth()
                    + ", nOut " + hidden() + "]) reads " + inputWidth() + " inputs; expected the images' width "
                    + encoder.spec().pixels);
        }
        if (encoder.spec().hidden != hidden()) {
            throw new IllegalArgumentException("pretrained image tower: layer 0 (DenseLayer [nIn " + inputWidth()
                    + ", nOut " + hidden() + "]) has " + hidden() + " units; expected the encoder's hidden width "
                    + encoder.spec().hidden + " (do not change the hidden width with widths() after "
                    + "pretrainedImageTower())");
        }
        Map<String, INDArray> params = encoder.parameters();
        INDArray w = params.get("img_fc_w");
        INDArray b = params.get("img_fc_b");
        w.assign(weights.castTo(w.dataType()));
        b.assign(bias.castTo(b.dataType()));
    }
}
