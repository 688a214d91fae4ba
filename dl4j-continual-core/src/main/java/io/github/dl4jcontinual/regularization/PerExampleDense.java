package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;
import java.util.Set;

/**
 * Batched per-example squared (Fisher) or absolute (MAS) gradients for MLPs: a {@link MultiLayerNetwork} of
 * {@code DenseLayer}s and a final {@code OutputLayer}, without preprocessors, dropout or weight noise. Uses
 * DL4J's {@code feedForward} for the activations, the layers' own activation functions and the output layer's
 * loss function for the per-example pre-activation gradients δ, and
 * {@code Σ_i (a_i ⊗ δ_i)² = (a²)ᵀ(δ²)}, {@code Σ_i |a_i ⊗ δ_i| = |a|ᵀ|δ|} for the weights.
 */
final class PerExampleDense {
    private static final int CHUNK = 256;

    private PerExampleDense() {
    }

    static boolean supports(ContinualModel model) {
        if (!"MultiLayerNetwork".equals(model.kind())) {
            return false;
        }
        MultiLayerNetwork net = model.unwrap(MultiLayerNetwork.class);
        Layer[] layers = net.getLayers();
        for (int i = 0; i < layers.length; i++) {
            Layer l = layers[i];
            boolean last = i == layers.length - 1;
            Class<?> c = l.getClass();
            boolean ok = last ? c == org.deeplearning4j.nn.layers.OutputLayer.class
                    : c == org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer.class;
            if (!ok || net.getLayerWiseConfigurations().getInputPreProcess(i) != null
                    || !l.paramTable().keySet().equals(Set.of(DefaultParamInitializer.WEIGHT_KEY,
                    DefaultParamInitializer.BIAS_KEY))) {
                return false;
            }
            BaseLayer conf = (BaseLayer) l.conf().getLayer();
            if (conf.getIDropout() != null || conf.getWeightNoise() != null) {
                return false;
            }
        }
        return true;
    }

    static INDArray importance(ContinualModel model, Experience data, boolean fisher, int maxExamples, long seed) {
        MultiLayerNetwork net = model.unwrap(MultiLayerNetwork.class).clone();
        Layer[] layers = net.getLayers();
        int n = layers.length;
        INDArray[] w = new INDArray[n];
        INDArray[] b = new INDArray[n];
        INDArray[] accW = new INDArray[n];
        INDArray[] accB = new INDArray[n];
        for (int l = 0; l < n; l++) {
            w[l] = layers[l].getParam(DefaultParamInitializer.WEIGHT_KEY);
            b[l] = layers[l].getParam(DefaultParamInitializer.BIAS_KEY);
            accW[l] = Nd4j.zeros(w[l].dataType(), w[l].shape());
            accB[l] = Nd4j.zeros(b[l].dataType(), b[l].shape());
        }
        BaseOutputLayer outConf = (BaseOutputLayer) layers[n - 1].conf().getLayer();
        int nOut = (int) outConf.getNOut();
        long limit = maxExamples == 0 ? data.numExamples() : Math.min(maxExamples, data.numExamples());
        MultiDataSetIterator it = data.iterator(CHUNK, true, seed);
        long seen = 0;
        while (it.hasNext() && seen < limit) {
            MultiDataSet ds = it.next();
            INDArray x = ds.getFeatures(0);
            INDArray y = ds.getLabels(0);
            if (seen + x.rows() > limit) {
                int keep = (int) (limit - seen);
                x = x.get(NDArrayIndex.interval(0, keep), NDArrayIndex.all());
                y = y.get(NDArrayIndex.interval(0, keep), NDArrayIndex.all());
            }
            if (y.columns() > nOut) {
                y = y.get(NDArrayIndex.all(), NDArrayIndex.interval(0, nOut));
            }
            List<INDArray> acts = net.feedForward(x, false);
            // acts.get(l) is the input of layer l
            INDArray z = acts.get(n - 1).mmul(w[n - 1]).addiRowVector(b[n - 1]);
            INDArray delta = fisher ? outConf.getLossFn().computeGradient(y.castTo(z.dataType()), z.dup(),
                    outConf.getActivationFn(), null) : z.mul(2);
            for (int l = n - 1; l >= 0; l--) {
                INDArray a = acts.get(l);
                if (fisher) {
                    accW[l].addi(a.mul(a).transpose().mmul(delta.mul(delta)));
                    accB[l].addi(delta.mul(delta).sum(true, 0).reshape(accB[l].shape()));
                } else {
                    accW[l].addi(Transforms.abs(a, true).transpose().mmul(Transforms.abs(delta, true)));
                    accB[l].addi(Transforms.abs(delta, true).sum(true, 0).reshape(accB[l].shape()));
                }
                if (l > 0) {
                    INDArray eps = delta.mmul(w[l].transpose());
                    INDArray zl = acts.get(l - 1).mmul(w[l - 1]).addiRowVector(b[l - 1]);
                    delta = ((BaseLayer) layers[l - 1].conf().getLayer()).getActivationFn().backprop(zl, eps)
                            .getFirst();
                }
            }
            seen += x.rows();
        }
        for (int l = 0; l < n; l++) {
            layers[l].setParam(DefaultParamInitializer.WEIGHT_KEY, accW[l].divi(Math.max(1, seen)));
            layers[l].setParam(DefaultParamInitializer.BIAS_KEY, accB[l].divi(Math.max(1, seen)));
        }
        return net.params().dup().reshape(1, net.numParams()).detach();
    }
}
