package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.model.ContinualModel;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Online EWC's streaming form (EWC++ of Chaudhry et al. 2018, without task boundaries): at every minibatch the
 * running Fisher {@code F ← αF + (1−α)ḡ²} is updated from the mean gradient ḡ of the data loss (before the penalty
 * is added; the squared minibatch-mean gradient, as RWalk's released code, not the per-example Fisher), then the
 * penalty of the current {@link ImportanceState} is added ({@link PenaltyListener}); every {@code anchorEvery}
 * training rows the state becomes {@code Ω ← γΩ + F} with the current parameters as anchor. Arrays are owned and
 * detached. One per run; runs on the training thread.
 */
final class StreamingFisher extends PenaltyListener {
    private static final long serialVersionUID = 1L;
    private final RegularizationConfiguration conf;
    private final transient ContinualModel model;
    private ImportanceState anchored;
    private INDArray fisher;
    private long rows;

    /**
     * @param conf    online EWC with {@code anchorEvery > 0}
     * @param model   the model (its trainable mask and parameter layout)
     * @param state   the importance state so far, or null
     * @param fisher  the running Fisher so far [1, numParams], or null (kept as a detached copy)
     * @param rows    the training rows seen so far
     */
    StreamingFisher(RegularizationConfiguration conf, ContinualModel model, ImportanceState state, INDArray fisher,
                    long rows) {
        super(state, conf.getLambda(), null);
        this.conf = conf;
        this.model = model;
        this.anchored = state;
        this.fisher = fisher == null ? null : fisher.dup().detach();
        this.rows = rows;
    }

    @Override
    public void onGradientCalculation(Model m) {
        INDArray grad = m.getGradientsViewArray();
        INDArray g = grad.reshape(1, grad.length()).div(Math.max(1, m.batchSize())).detach();
        INDArray g2 = g.muli(g);
        double a = conf.getFisherDecay();
        fisher = fisher == null ? g2 : fisher.muli(a).addi(g2.muli(1 - a));
        super.onGradientCalculation(m);
    }

    @Override
    public void iterationDone(Model m, int iteration, int epoch) {
        super.iterationDone(m, iteration, epoch);
        long before = rows;
        rows += m.batchSize();
        long every = conf.getAnchorEvery();
        if (rows / every > before / every && fisher != null) {
            INDArray mask = model.trainableMask();
            INDArray f = fisher.mul(mask.reshape(1, mask.length()).castTo(fisher.dataType()));
            INDArray imp = anchored == null ? f : anchored.importance().mul(conf.getGamma()).addi(f);
            INDArray theta = model.params().dup().reshape(1, model.numParams()).detach();
            anchored = new ImportanceState(conf.name(), imp.detach(), theta, mask,
                    anchored == null ? 1 : anchored.experiences() + 1, model.parameterLayout());
            setState(anchored);
        }
    }

    /** @return the importance state now (null before the first anchor) */
    ImportanceState state() {
        return anchored;
    }

    /** @return a detached copy of the running Fisher, or null */
    INDArray fisher() {
        return fisher == null ? null : fisher.dup().detach();
    }

    /** @return the training rows seen */
    long rows() {
        return rows;
    }
}
