package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.ReplayIterator;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

/**
 * Dark Experience Replay (Buzzega et al. 2020; Mammoth's {@code der.py}/{@code derpp.py}). The loss of each step
 * is {@code CE(current) + α·MSE(f(x'), z')} on a replayed minibatch (x', z') whose logits z' were stored when x'
 * was inserted (reservoir), and for DER++ ({@code β > 0}) also {@code + β·CE(f(x''), y'')} on a second,
 * independently drawn replay minibatch. Both replayed minibatches join the current one, so each step is a single
 * forward/backward pass through {@link DerJointLoss}, which replaces the output layer's loss during each experience
 * (the user's loss is put back after it) and weighs the three parts. Requires a
 * FIXED head (stored logits have the head's width at insertion). The logits stored for a minibatch's rows are those of
 * the training forward of the step on it (Mammoth's {@code outputs.data}: before the update, in training mode, so
 * with the network's dropout), taken from {@link DerJointLoss} during the step; the rows are offered to the buffer
 * after the step. If a step does not go through the loss (a plugin's own training step), the rows are offered with
 * the model's inference-mode logits instead.
 */
public class DarkExperienceReplay extends RehearsalConfiguration {
    private static final long serialVersionUID = 1L;
    private double alpha = 0.3;
    private double beta;

    /** Defaults: reservoir of 500, replay minibatch 10, α 0.3, β 0 (DER). */
    protected DarkExperienceReplay() {
        super(new BufferConfiguration.Builder().capacity(500).build(), 10);
    }

    /** @return the weight of the logit MSE */
    public double getAlpha() {
        return alpha;
    }

    /** @return the weight of the replayed cross-entropy (0: DER, &gt; 0: DER++) */
    public double getBeta() {
        return beta;
    }

    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    @Override
    public String name() {
        return beta > 0 ? "der++" : "der";
    }

    /** @return true with an online buffer (logits are stored as rows arrive) */
    @Override
    public boolean boundaryFree() {
        return getBuffer().isOnline();
    }

    /** Builder of {@link DarkExperienceReplay}. */
    public static final class Builder extends RehearsalConfiguration.Builder<DarkExperienceReplay, Builder> {
        /** Starts from the defaults. */
        public Builder() {
            super(new DarkExperienceReplay());
        }

        /**
         * @param alpha weight of the logit MSE, ≥ 0
         * @return this builder
         */
        public Builder alpha(double alpha) {
            if (!(alpha >= 0)) {
                throw new IllegalArgumentException("alpha should be >= 0 (got: " + alpha + ")");
            }
            c.alpha = alpha;
            return this;
        }

        /**
         * @param beta weight of the replayed cross-entropy, ≥ 0 (&gt; 0 makes it DER++)
         * @return this builder
         */
        public Builder beta(double beta) {
            if (!(beta >= 0)) {
                throw new IllegalArgumentException("beta should be >= 0 (got: " + beta + ")");
            }
            c.beta = beta;
            return this;
        }
    }

    static final class Runtime extends JointLossRuntime {
        private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DarkExperienceReplay.class);
        private final DarkExperienceReplay der;
        private final DerJointLoss.LogitCapture capture = new DerJointLoss.LogitCapture();
        private ReplayBatch pending;
        private long currentRows;
        /** the current rows of the step in progress, offered to the buffer after it */
        private MultiDataSet toObserve;
        private int toObserveExperience;
        private ContinualModel model;
        private boolean warned;

        Runtime(DarkExperienceReplay conf) {
            super(conf, "DER stores logits of");
            this.der = conf;
        }

        @Override
        boolean storesLogits() {
            return true;
        }

        @Override
        DerJointLoss jointLoss(org.nd4j.linalg.lossfunctions.ILossFunction base) {
            DerJointLoss l = new DerJointLoss(base);
            l.capture(capture);
            return l;
        }

        @Override
        void beforeRestore() {
            observePending();
        }

        @Override
        public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
            return List.of(new BaseTrainingListener() {
                @Override
                public void iterationDone(Model m, int iteration, int epoch) {
                    observePending();
                }
            }, segmentEnd(ctx));
        }

        /** Offers the last step's current rows to the buffer, with the logits of its training forward. */
        private void observePending() {
            MultiDataSet cur = toObserve;
            if (cur == null) {
                return;
            }
            toObserve = null;
            INDArray logits = capture.take();
            if (logits == null) {
                if (!warned) {
                    LOG.warn("DER: a training step did not go through DerJointLoss; its rows are stored with the "
                            + "model's inference-mode logits after the step");
                    warned = true;
                }
                ContinualModel mdl = model;
                buffer.observeLazily(cur, () -> mdl.logits(cur.getFeatures(), cur.getFeaturesMaskArrays()),
                        toObserveExperience, bufferRng);
            } else {
                buffer.observe(cur, logits, toObserveExperience, bufferRng);
            }
        }


        @Override
        public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                      MultiDataSetIterator data) {
            int exp = taskId(ctx, experience);
            int mb = conf.getReplayBatch();
            model = ctx.model();
            installForSegment(ctx);
            int out = model.classificationOutput();
            ReplayIterator it = new ReplayIterator(data, out, cur -> {
                observePending();
                int width = (int) cur.getLabels(out).size(1);
                pending = der.alpha > 0 ? buffer.sample(mb, width, sampleRng) : null;
                ReplayBatch labelled = der.beta > 0 ? buffer.sample(mb, width, sampleRng) : null;
                // the rows go to the buffer after the step, with the logits of its training forward
                currentRows = Batches.size(cur);
                toObserve = new org.nd4j.linalg.dataset.MultiDataSet(cur.getFeatures().clone(),
                        cur.getLabels().clone(), cur.getFeaturesMaskArrays() == null ? null
                        : cur.getFeaturesMaskArrays().clone(), cur.getLabelsMaskArrays() == null ? null
                        : cur.getLabelsMaskArrays().clone());
                toObserveExperience = exp;
                capture.arm(currentRows);
                return labelled == null ? null : labelled.toMultiDataSet();
            });
            it.setPreProcessor(ds -> toJointLayout(ds, out));
            return it;
        }

        private void toJointLayout(MultiDataSet ds, int out) {
            ReplayBatch p = pending;
            pending = null;
            boolean none = p == null || p.size() == 0;
            joinedMinibatch(ds, out, currentRows, der.beta, none ? null : p.toMultiDataSet(),
                    none ? null : p.logits(), der.alpha);
        }
    }

    /**
     * Puts a minibatch into {@link DerJointLoss}'s layout, appending the logit-replay rows, so that the whole DER
     * loss is one forward/backward pass. With c current rows, l labelled replay rows after them and m logit rows
     * appended, DL4J's mean over all n = c + l + m rows equals
     * {@code mean_c loss + β·mean_l loss + α·mean_m mean_k (z − ẑ)²} (weights n/c, β·n/l and α·n/m). The logit rows
     * join every input (and every other output with their stored labels).
     *
     * @param ds      c current rows followed by l labelled replay rows (classification labels [c + l, k], no label
     *                mask on that output); changed in place
     * @param out     the classification output
     * @param current c
     * @param beta    weight of the labelled replay's mean loss
     * @param x       the logit-replay rows (all arrays), or null for none
     * @param logits  their stored logits [m, k], or null
     * @param alpha   weight of the logit MSE
     */
    static void joinedMinibatch(MultiDataSet ds, int out, long current, double beta, MultiDataSet x,
                                INDArray logits, double alpha) {
        if (Batches.mask(ds.getLabelsMaskArrays(), out) != null) {
            throw new IllegalArgumentException("DER's joined step does not take labels with a label mask (got shape "
                    + java.util.Arrays.toString(ds.getLabelsMaskArrays()[out].shape()) + ")");
        }
        INDArray y0 = ds.getLabels(out);
        if (y0.rank() != 2) {
            throw new IllegalArgumentException("DER regresses logits of 2-d class labels [n, k]; got labels of shape "
                    + java.util.Arrays.toString(y0.shape()));
        }
        long n0 = y0.size(0);
        long k = y0.size(1);
        long m = x == null ? 0 : Batches.size(x);
        long n = n0 + m;
        if (current < 1 || current > n0) {
            throw new IllegalArgumentException("current rows should be in [1, " + n0 + "] (got: " + current + ")");
        }
        if (m > 0 && (logits.size(0) != m || logits.size(1) != k)) {
            throw new IllegalArgumentException("Stored logits should be [" + m + ", " + k + "] (got: "
                    + java.util.Arrays.toString(logits.shape()) + ")");
        }
        DataType dt = y0.dataType();
        INDArray y = Nd4j.zeros(dt, n, DerJointLoss.width(k));
        y.get(NDArrayIndex.interval(0, n0), NDArrayIndex.interval(0, k)).assign(y0);
        INDArray w = y.get(NDArrayIndex.all(), NDArrayIndex.point(2 * k + 1));
        w.get(NDArrayIndex.interval(0, current)).assign((double) n / current);
        if (n0 > current) {
            w.get(NDArrayIndex.interval(current, n0)).assign(beta * n / (n0 - current));
        }
        if (m > 0) {
            y.get(NDArrayIndex.interval(n0, n), NDArrayIndex.interval(k, 2 * k)).assign(logits.castTo(dt));
            y.get(NDArrayIndex.interval(n0, n), NDArrayIndex.point(2 * k)).assign(1.0);
            w.get(NDArrayIndex.interval(n0, n)).assign(alpha * n / m);
            INDArray[] xl = x.getLabels().clone();
            xl[out] = Batches.classColumns(x.getLabels(out), k);
            MultiDataSet joined = Batches.concat(ds, new org.nd4j.linalg.dataset.MultiDataSet(x.getFeatures(), xl,
                    x.getFeaturesMaskArrays(), x.getLabelsMaskArrays()));
            for (int i = 0; i < joined.numFeatureArrays(); i++) {
                ds.setFeatures(i, joined.getFeatures(i));
            }
            for (int i = 0; i < joined.numLabelsArrays(); i++) {
                ds.setLabels(i, joined.getLabels(i));
            }
            ds.setFeaturesMaskArrays(joined.getFeaturesMaskArrays());
            ds.setLabelsMaskArray(joined.getLabelsMaskArrays());
        }
        ds.setLabels(out, y);
    }
}
