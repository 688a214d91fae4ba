package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.ReplayIterator;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginStates;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Maximally Interfered Retrieval (ER-MIR; Aljundi et al., NeurIPS 2019, and the released code's
 * {@code retrieve_replay_update}). For every incoming minibatch B: draw {@code subsample} candidates uniformly from
 * the buffer, take the virtual SGD step {@code θ' = θ − η ∇_θ mean_B loss} ({@code η =} {@link #getVirtualLearningRate()},
 * the released code uses the optimiser's learning rate), score every candidate by its loss increase
 * {@code s = loss(θ') − loss(θ)} (cross-entropy of the classification output's probabilities) and replay the
 * {@code replayBatch} highest-scored candidates with B. The step's loss is {@code mean_B loss + mean_replay loss}, as
 * the released code's two backward passes accumulate (one joined forward/backward through {@link DerJointLoss},
 * installed on the output layer while training); B is then offered to the buffer (reservoir by default).
 *
 * <p>{@link #isCompareToBestLoss()} is the released code's {@code --compare_to_old_logits} (its MNIST script uses
 * it): the score becomes {@code loss(θ') − min(loss(θ), best)}, with {@code best} the lowest loss a candidate had
 * when it was scored before ({@code ln k} for a row never scored, as the released code's zero logits give), updated
 * when {@code loss(θ)} is lower. With {@code subsample ≤ replayBatch} no scoring is done: the candidates are replayed
 * as drawn (the released code's {@code rand_replay} ER, with its loss). Boundary-free with an online buffer: the
 * released code draws candidates only from earlier tasks and does not replay during the first task, which needs task
 * labels; this runtime draws from the whole buffer unless {@link #isExcludeCurrentExperience()} (then it is not
 * boundary-free; see {@code docs/online.md}). Needs a FIXED head with a softmax
 * classification output.</p>
 */
public class MaximallyInterferedRetrieval extends RehearsalConfiguration {
    private static final long serialVersionUID = 1L;
    private int subsample = 50;
    private double virtualLearningRate = 0.1;
    private boolean compareToBestLoss;
    private boolean excludeCurrentExperience;

    /** Defaults: reservoir of 500, replay 10 of 50 candidates, virtual learning rate 0.1 (the paper's MNIST one). */
    protected MaximallyInterferedRetrieval() {
        super(new BufferConfiguration.Builder().capacity(500).build(), 10);
    }

    /** @return the number of buffer rows scored per incoming minibatch */
    public int getSubsample() {
        return subsample;
    }

    /** @return the learning rate of the virtual SGD step (the released code: the optimiser's) */
    public double getVirtualLearningRate() {
        return virtualLearningRate;
    }

    /** @return whether scores compare with the lowest loss each row had before (the released code's option) */
    public boolean isCompareToBestLoss() {
        return compareToBestLoss;
    }

    /**
     * @return whether candidates come only from earlier experiences (the released code's {@code exclude_task}, which
     *         also means no replay during the first experience); needs task ids, so not boundary-free
     */
    public boolean isExcludeCurrentExperience() {
        return excludeCurrentExperience;
    }

    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    @Override
    public String name() {
        return "mir";
    }

    /** @return true with an online buffer (reservoir or class-balanced without selection) and no task exclusion */
    @Override
    public boolean boundaryFree() {
        return getBuffer().isOnline() && !excludeCurrentExperience;
    }

    /** Builder of {@link MaximallyInterferedRetrieval}. */
    public static final class Builder extends RehearsalConfiguration.Builder<MaximallyInterferedRetrieval, Builder> {
        /** Starts from the defaults. */
        public Builder() {
            super(new MaximallyInterferedRetrieval());
        }

        /**
         * @param n buffer rows scored per minibatch, &gt; 0 (default 50); at most {@code replayBatch} replays them
         *          unscored (random retrieval)
         * @return this builder
         */
        public Builder subsample(int n) {
            if (n <= 0) {
                throw new IllegalArgumentException("subsample should be > 0 candidates (got: " + n + ")");
            }
            c.subsample = n;
            return this;
        }

        /**
         * @param lr learning rate of the virtual SGD step, &gt; 0 and finite (default 0.1; set it to the optimiser's)
         * @return this builder
         */
        public Builder virtualLearningRate(double lr) {
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new IllegalArgumentException("virtualLearningRate should be > 0 and finite (got: " + lr + ")");
            }
            c.virtualLearningRate = lr;
            return this;
        }

        /**
         * @param compare score against the lowest loss a row had before (the released code's
         *                {@code --compare_to_old_logits}); default false (the paper's score)
         * @return this builder
         */
        public Builder compareToBestLoss(boolean compare) {
            c.compareToBestLoss = compare;
            return this;
        }

        /**
         * @param exclude draw candidates only from earlier experiences (the released code's
         *                {@code exclude_task=task}; with it nothing is replayed during the first experience); default
         *                false. Uses task ids: such a configuration is not boundary-free
         * @return this builder
         */
        public Builder excludeCurrentExperience(boolean exclude) {
            c.excludeCurrentExperience = exclude;
            return this;
        }
    }

    static final class Runtime extends JointLossRuntime {
        private final MaximallyInterferedRetrieval mir;
        private ContinualModel.Twin twin;
        /** Per slot: the lowest loss seen when scored, valid while the slot's version is unchanged. */
        private double[] best = new double[0];
        private long[] bestVersion = new long[0];
        private long scored;
        private long currentRows;

        Runtime(MaximallyInterferedRetrieval conf) {
            super(conf, "MIR scores");
            this.mir = conf;
        }

        @Override
        DerJointLoss jointLoss(org.nd4j.linalg.lossfunctions.ILossFunction base) {
            return new DerJointLoss(base);
        }

        @Override
        public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
            return List.of(segmentEnd(ctx));
        }

        @Override
        public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                      MultiDataSetIterator data) {
            installForSegment(ctx);
            int exp = taskId(ctx, experience);
            ContinualModel model = ctx.model();
            int out = model.classificationOutput();
            int excluded = mir.excludeCurrentExperience ? experience.index() : Integer.MIN_VALUE;
            ReplayIterator it = new ReplayIterator(data, out, cur -> {
                int width = (int) cur.getLabels(out).size(1);
                int[] slots = retrieve(model, cur, width, excluded);
                MultiDataSet replay = slots.length == 0 ? null : buffer.rows(slots, width).toMultiDataSet();
                buffer.observe(cur, null, exp, bufferRng);
                currentRows = Batches.size(cur);
                return replay;
            });
            // mean(current) + mean(replay): the labelled-replay weight of DER's joined step at 1, no logit rows
            it.setPreProcessor(ds -> DarkExperienceReplay.joinedMinibatch(ds, out, currentRows, 1.0, null, null, 0));
            return it;
        }

        /**
         * @param excluded the experience whose rows are not candidates, or {@code Integer.MIN_VALUE} for none
         * @return the buffer slots to replay with {@code cur}: the {@code replayBatch} most interfered of
         *         {@code subsample} random candidates (all candidates when there are no more than that)
         */
        int[] retrieve(ContinualModel model, MultiDataSet cur, int width, int excluded) {
            int[] slots = excluded == Integer.MIN_VALUE ? buffer.sampleSlots(mir.subsample, sampleRng)
                    : buffer.sampleSlots(mir.subsample, sampleRng, s -> buffer.experience(s) != excluded);
            int k = conf.getReplayBatch();
            if (slots.length == 0 || mir.subsample <= k) {
                return slots;
            }
            double[] s = scores(model, cur, slots, width);
            return IntStream.range(0, slots.length).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -s[i]))
                    .limit(k).mapToInt(i -> slots[i]).toArray();
        }

        /** The interference score of every candidate slot (released code's {@code scores}). */
        double[] scores(ContinualModel model, MultiDataSet cur, int[] slots, int width) {
            MultiDataSet cand = buffer.rows(slots, width).toMultiDataSet();
            int out = model.classificationOutput();
            if (twin == null || !twin.isFor(model)) {
                twin = model.twin(null, null);
            }
            INDArray theta = model.params().dup();
            INDArray g = twin.gradient(cur).reshape(theta.shape()).mul(mir.virtualLearningRate / Batches.size(cur));
            int[] y = DataSets.classIds(cand.getLabels(out), null);
            double[] pre = crossEntropy(model, cand, y);
            model.setParams(theta.sub(g));
            double[] post;
            try {
                post = crossEntropy(model, cand, y);
            } finally {
                model.setParams(theta);
            }
            double[] s = new double[slots.length];
            for (int i = 0; i < s.length; i++) {
                double base = pre[i];
                if (mir.compareToBestLoss) {
                    double old = bestOf(slots[i], width);
                    base = Math.min(pre[i], old);
                    if (pre[i] < old) {
                        remember(slots[i], pre[i]);
                    }
                }
                s[i] = post[i] - base;
            }
            scored++;
            return s;
        }

        private double bestOf(int slot, int width) {
            return slot < best.length && bestVersion[slot] == buffer.version(slot) ? best[slot] : Math.log(width);
        }

        private void remember(int slot, double value) {
            if (slot >= best.length) {
                int n = Math.max(slot + 1, Math.max(16, 2 * best.length));
                best = Arrays.copyOf(best, n);
                bestVersion = Arrays.copyOf(bestVersion, n);
            }
            best[slot] = value;
            bestVersion[slot] = buffer.version(slot);
        }

        /** Per-row cross-entropy {@code −ln p(y)} of the classification output's probabilities (inference mode). */
        private static double[] crossEntropy(ContinualModel model, MultiDataSet batch, int[] y) {
            INDArray p = model.output(batch.getFeatures(), batch.getFeaturesMaskArrays())[model.classificationOutput()];
            double[] l = new double[y.length];
            for (int i = 0; i < y.length; i++) {
                l[i] = -Math.log(Math.max(p.getDouble(i, y[i]), 1e-30));
            }
            return l;
        }

        @Override
        public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("mir.scored_minibatches", (double) scored);
            m.put("mir.buffer_size", (double) buffer.size());
            return m;
        }

        @Override
        Serializable extraState() {
            return new Serializable[]{best.clone(), bestVersion.clone(), scored};
        }

        @Override
        void restoreExtraState(Serializable extra) {
            String what = "a mir strategy's scores";
            Serializable[] s = PluginStates.parts(extra, 3, what);
            best = PluginStates.part(s, 0, double[].class, false, what).clone();
            bestVersion = PluginStates.part(s, 1, long[].class, false, what).clone();
            scored = PluginStates.part(s, 2, Long.class, false, what);
        }
    }
}
