package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.ReplayIterator;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.scenario.Experience;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.TreeSet;

/**
 * ER with Asymmetric Cross-Entropy (ER-ACE, Caccia et al. 2022; Mammoth's {@code er_ace.py}). From the second
 * experience on, the current rows' cross-entropy uses a softmax over only the classes present in the minibatch
 * plus the not-yet-seen ones (from the largest class seen so far on), so new classes do not push old logits
 * down; the replayed rows ({@code replayBatch}, reservoir buffer) use the full softmax; the loss is the sum of the
 * two means. Graph augmentation: for each experience the output layer's loss function is replaced by
 * {@link AsymmetricCrossEntropy} (restored afterwards) and the restriction travels as a per-output label mask.
 */
public class ErAce extends RehearsalConfiguration {
    private static final long serialVersionUID = 1L;

    /** Defaults: reservoir of 500, replay minibatch 10. */
    protected ErAce() {
        super(new BufferConfiguration.Builder().capacity(500).build(), 10);
    }

    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    @Override
    public String name() {
        return "er-ace";
    }

    /** Builder of {@link ErAce}. */
    public static final class Builder extends RehearsalConfiguration.Builder<ErAce, Builder> {
        /** Starts from the defaults. */
        public Builder() {
            super(new ErAce());
        }
    }

    static final class Runtime extends RehearsalRuntime {
        private final TreeSet<Integer> seenSoFar = new TreeSet<>();
        private final OutputLossSwap loss = new OutputLossSwap("ER-ACE");

        Runtime(RehearsalConfiguration conf) {
            super(conf);
        }

        @Override
        public void beforeExperience(ContinualContext ctx, Experience experience) {
            loss.install(ctx.model(), user -> new AsymmetricCrossEntropy());
        }

        @Override
        java.io.Serializable extraState() {
            return new TreeSet<>(seenSoFar);
        }

        @Override
        @SuppressWarnings("unchecked")
        void restoreExtraState(java.io.Serializable extra) {
            seenSoFar.clear();
            seenSoFar.addAll((TreeSet<Integer>) extra);
        }

        @Override
        public void afterExperience(ContinualContext ctx, Experience experience) {
            restore();
            super.afterExperience(ctx, experience);
        }

        @Override
        public void onStreamEnd(ContinualContext ctx) {
            restore();
        }

        private void restore() {
            loss.restore();
        }

        @Override
        public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                      MultiDataSetIterator data) {
            int exp = experience.index();
            int mb = conf.getReplayBatch();
            int out = ctx.model().classificationOutput();
            return new ReplayIterator(data, out, cur -> {
                INDArray labels = cur.getLabels(out);
                if (labels.rank() != 2) {
                    throw new IllegalArgumentException("ER-ACE restricts the softmax of 2-d class labels [n, k]; got "
                            + "labels of shape " + java.util.Arrays.toString(labels.shape()));
                }
                int width = (int) labels.size(1);
                int[] present = DataSets.classIds(labels);
                for (int c : present) {
                    seenSoFar.add(c);
                }
                ReplayBatch rb = null;
                if (exp > 0) {
                    float[] allowed = new float[width];
                    for (int c : present) {
                        allowed[c] = 1f;
                    }
                    for (int c = seenSoFar.last(); c < width; c++) {
                        allowed[c] = 1f;
                    }
                    INDArray row = Nd4j.createFromArray(allowed).reshape(1, width).castTo(labels.dataType());
                    Batches.setLabelMask(cur, out, Nd4j.ones(row.dataType(), Batches.size(cur), 1).mmul(row));
                    rb = buffer.sample(mb, width, sampleRng);
                }
                buffer.observe(cur, null, exp, bufferRng);
                return rb == null ? null : rb.toMultiDataSet();
            }).weighted(1.0, 1.0);
        }
    }
}
