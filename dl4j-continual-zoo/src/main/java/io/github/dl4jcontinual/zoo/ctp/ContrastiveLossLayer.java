package io.github.dl4jcontinual.zoo.ctp;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;
import java.util.Map;

/**
 * The dual encoder's output layer: a DL4J {@link LossLayer} (no parameters) whose loss, {@link ContrastiveLoss},
 * reads the packed embeddings it receives; its <em>output</em> is {@code [N, nOut]} zeros, nOut = the scenario's
 * label width, so that the trainer's classification bookkeeping (head size, class-IL/task-IL accuracy) runs on a
 * model that has no class scores — those accuracy matrices carry no information here; retrieval is
 * {@link CtpPlugin}'s stream metrics. JSON-serialisable like any DL4J layer configuration.
 */
public class ContrastiveLossLayer extends LossLayer {
    private static final long serialVersionUID = 1L;

    /** For Jackson. */
    public ContrastiveLossLayer() {
    }

    /**
     * @param loss    the contrastive loss
     * @param packed  the width of the packed input, 2d + 2
     * @param classes the scenario's label width
     */
    public ContrastiveLossLayer(ContrastiveLoss loss, long packed, long classes) {
        this.lossFn = loss;
        this.activationFn = new org.nd4j.linalg.activations.impl.ActivationIdentity();
        setNIn(packed);
        setNOut(classes);
    }

    @Override
    public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
                                                        Collection<TrainingListener> listeners, int index,
                                                        INDArray paramsView, boolean initializeParams,
                                                        DataType networkDataType) {
        Impl ret = new Impl(conf, networkDataType);
        ret.setListeners(listeners);
        ret.setIndex(index);
        ret.setParamsViewArray(paramsView);
        Map<String, INDArray> table = initializer().init(conf, paramsView, initializeParams);
        ret.setParamTable(table);
        ret.setConf(conf);
        return ret;
    }

    /** The runtime: DL4J's loss layer with zero outputs of the configured width. */
    static final class Impl extends org.deeplearning4j.nn.layers.LossLayer {
        private static final long serialVersionUID = 1L;

        Impl(NeuralNetConfiguration conf, DataType dataType) {
            super(conf, dataType);
        }

        @Override
        public INDArray activate(boolean training, LayerWorkspaceMgr workspaceMgr) {
            assertInputSet(false);
            long nOut = ((LossLayer) conf().getLayer()).getNOut();
            INDArray out = workspaceMgr.create(ArrayType.ACTIVATIONS, input.dataType(), input.size(0), nOut);
            return out.assign(0);
        }

        @Override
        public INDArray activate(INDArray input, boolean training, LayerWorkspaceMgr workspaceMgr) {
            setInput(input, workspaceMgr);
            return activate(training, workspaceMgr);
        }
    }
}
