package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.replay.selection.RandomSelection;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.ojalgo.matrix.store.R064Store;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.convex.ConvexSolver;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Gradient Episodic Memory (Lopez-Paz &amp; Ranzato, NeurIPS 2017). Before every update, the minibatch gradient g
 * is compared with the gradient g_k of the loss on the episodic memory of every past experience k; if any
 * {@code g·g_k < 0}, g is replaced by the closest gradient (in L2) that no past memory's loss would increase
 * under, found through the dual quadratic program of the paper (Eq. 13), as the released code solves it:
 * <pre>
 *   min_v ½ vᵀ (G Gᵀ + ε I) v + (G g)ᵀ v   subject to  v ≥ γ,      g̃ = Gᵀ v + g,
 * </pre>
 * with G the matrix of the g_k (rows), γ the memory strength (margin, 0.5 in the released code) and ε = 1e-3 for
 * numerical definiteness. The QP is solved exactly by ojAlgo's active-set {@link ConvexSolver}. Gradients are taken
 * as means over their rows (the paper's losses); DL4J's listener sees sums, which are rescaled around the QP.
 * <p>
 * Memory: experience-balanced with random selection, filled at the end of each experience. With
 * {@link Builder#memoriesPerExperience(int)} (the paper: 256 per task) every experience keeps that many and the
 * budget grows with the stream; otherwise the buffer's capacity is shared equally. The reference gradient of an
 * experience uses at most {@code replayBatch} of its memories (all of them by default), drawn at random each step
 * when there are more. Implemented as a DL4J {@code onGradientCalculation} listener; the g_k come from a twin
 * network sharing the model's parameters.
 */
public class Gem extends RehearsalConfiguration {
    private static final long serialVersionUID = 1L;
    private int memoriesPerExperience = 256;
    private double memoryStrength = 0.5;
    private double epsilon = 1e-3;

    /** Defaults: 256 memories per experience, memory strength 0.5, ε 1e-3, every memory in each g_k. */
    protected Gem() {
        super(new BufferConfiguration.Builder().type(BufferConfiguration.Type.EXPERIENCE_BALANCED).capacity(256)
                .selection(new RandomSelection()).build(), 256);
    }

    /** @return memories kept per experience (the budget grows), or 0 for the buffer's fixed capacity */
    public int getMemoriesPerExperience() {
        return memoriesPerExperience;
    }

    /** @return γ, the lower bound of the dual variables (the released code's {@code memory_strength}) */
    public double getMemoryStrength() {
        return memoryStrength;
    }

    /** @return ε added to the diagonal of G Gᵀ */
    public double getEpsilon() {
        return epsilon;
    }

    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    @Override
    public String name() {
        return "gem";
    }

    /** Builder of {@link Gem}. */
    public static final class Builder extends RehearsalConfiguration.Builder<Gem, Builder> {
        /** Starts from the defaults. */
        public Builder() {
            super(new Gem());
        }

        /**
         * @param n memories per experience, &gt; 0 (the budget grows with the stream), or 0 to share the buffer's
         *          fixed capacity ({@link #bufferSize(int)}) equally between experiences
         * @return this builder
         */
        public Builder memoriesPerExperience(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("memoriesPerExperience should be >= 0 (got: " + n + ")");
            }
            c.memoriesPerExperience = n;
            return this;
        }

        /**
         * @param gamma the lower bound γ ≥ 0 of the dual variables (0: the exact projection of the paper's Eq. 13)
         * @return this builder
         */
        public Builder memoryStrength(double gamma) {
            if (!(gamma >= 0) || Double.isInfinite(gamma)) {
                throw new IllegalArgumentException("memoryStrength should be a finite number >= 0 (got: " + gamma
                        + ")");
            }
            c.memoryStrength = gamma;
            return this;
        }

        /**
         * @param eps diagonal regularisation of G Gᵀ, &gt; 0
         * @return this builder
         */
        public Builder epsilon(double eps) {
            if (!(eps > 0) || Double.isInfinite(eps)) {
                throw new IllegalArgumentException("epsilon should be a finite number > 0 (got: " + eps + ")");
            }
            c.epsilon = eps;
            return this;
        }
    }

    /**
     * Solves GEM's dual QP and returns the projected gradient.
     *
     * @param g     the minibatch gradient (mean over rows), length p
     * @param refs  the past experiences' gradients (means), t rows of length p
     * @param gamma lower bound of the dual variables
     * @param eps   diagonal regularisation
     * @return {@code Gᵀ v + g} with v the QP's solution, a new array
     * @throws IllegalStateException if the solver reports no optimal solution
     */
    static INDArray project(INDArray g, INDArray refs, double gamma, double eps) {
        int t = (int) refs.rows();
        INDArray gg = refs.mmul(refs.transpose()).castTo(DataType.DOUBLE);
        INDArray gq = refs.mmul(g.reshape(g.length(), 1)).castTo(DataType.DOUBLE);
        R064Store q = R064Store.FACTORY.make(t, t);
        R064Store c = R064Store.FACTORY.make(t, 1);
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                q.set(i, j, 0.5 * (gg.getDouble(i, j) + gg.getDouble(j, i)) + (i == j ? eps : 0));
            }
            c.set(i, 0, -gq.getDouble(i, 0));              // ojAlgo minimises ½ vᵀQv − cᵀv
        }
        R064Store ai = R064Store.FACTORY.make(t, t);       // −v ≤ −γ
        R064Store bi = R064Store.FACTORY.make(t, 1);
        for (int i = 0; i < t; i++) {
            ai.set(i, i, -1);
            bi.set(i, 0, -gamma);
        }
        Optimisation.Result r = ConvexSolver.newBuilder().objective(q, c).inequalities(ai, bi).build().solve();
        if (!r.getState().isOptimal()) {
            throw new IllegalStateException("GEM: the quadratic program over " + t + " past experiences has no "
                    + "optimal solution (solver state " + r.getState() + ")");
        }
        double[] v = new double[t];
        for (int i = 0; i < t; i++) {
            v[i] = r.doubleValue(i);
        }
        INDArray vv = Nd4j.createFromArray(v).castTo(refs.dataType()).reshape(1, t);
        return vv.mmul(refs).reshape(g.shape()).addi(g);
    }

    static final class Runtime extends GradientProjectionRuntime {
        private final Gem gem;
        private final List<MultiDataSet> memories = new ArrayList<>();

        Runtime(Gem conf) {
            super(conf);
            this.gem = conf;
        }

        @Override
        public void afterExperience(ContinualContext ctx, Experience experience) {
            if (gem.memoriesPerExperience > 0) {
                int experiences = buffer.countsPerExperience().keySet().size()
                        + (buffer.countsPerExperience().containsKey(experience.index()) ? 0 : 1);
                buffer.resize(gem.memoriesPerExperience * experiences);
            }
            super.afterExperience(ctx, experience);
        }

        @Override
        public void beforeExperience(ContinualContext ctx, Experience experience) {
            twinFor(ctx);
            memories.clear();
            ReplayBatch all = buffer.contents(ctx.headSize());
            if (all == null) {
                return;
            }
            Map<Integer, List<Integer>> rows = new TreeMap<>();
            int[] exps = all.experiences();
            for (int i = 0; i < exps.length; i++) {
                rows.computeIfAbsent(exps[i], k -> new ArrayList<>()).add(i);
            }
            for (List<Integer> r : rows.values()) {
                memories.add(Batches.rows(all.toMultiDataSet(), r.stream().mapToInt(Integer::intValue).toArray()));
            }
        }

        /**
         * {@code gem.projections}: minibatch gradients projected so far in the stream; {@code gem.memories}: the
         * examples in the episodic memory after this experience.
         */
        @Override
        public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
            Map<String, Double> m = new java.util.LinkedHashMap<>();
            m.put("gem.projections", (double) projections);
            m.put("gem.memories", (double) buffer.size());
            return m;
        }

        @Override
        public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
            return List.of(new BaseTrainingListener() {
                @Override
                public void onGradientCalculation(Model model) {
                    if (memories.isEmpty()) {
                        return;
                    }
                    INDArray g = model.getGradientsViewArray();
                    double rows = Math.max(1, model.batchSize());
                    INDArray mean = g.div(rows);
                    INDArray refs = Nd4j.create(g.dataType(), memories.size(), g.length());
                    boolean violated = false;
                    for (int k = 0; k < memories.size(); k++) {
                        MultiDataSet m = sample(memories.get(k));
                        INDArray r = twin.gradient(m).reshape(1, g.length()).div(Batches.size(m));
                        refs.putRow(k, r);
                        violated |= mean.reshape(1, g.length()).mul(r).sumNumber().doubleValue() < 0;
                    }
                    if (violated) {
                        g.assign(project(mean.reshape(g.length()), refs, gem.memoryStrength, gem.epsilon)
                                .reshape(g.shape()).muli(rows));
                        projections++;
                    }
                }
            });
        }

        private MultiDataSet sample(MultiDataSet memory) {
            int n = Batches.size(memory);
            int k = conf.getReplayBatch();
            if (n <= k) {
                return memory;
            }
            int[] perm = new int[n];
            for (int i = 0; i < n; i++) {
                perm[i] = i;
            }
            for (int i = 0; i < k; i++) {
                int j = i + sampleRng.nextInt(n - i);
                int s = perm[i];
                perm[i] = perm[j];
                perm[j] = s;
            }
            return Batches.rows(memory, Arrays.copyOf(perm, k));
        }
    }
}
