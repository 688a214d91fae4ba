package io.github.dl4jcontinual.zoo.atlas;

import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * One ATLAS adapter site as a DL4J layer (docs/prompts-adapters.md; the math of {@link AtlasAdapterSite}), inserted by
 * {@link AtlasPlugin} after a feed-forward layer of the user's network. It holds n bottleneck adapters
 * {@code Φ_i(u) = u + W2_i silu(W1_i u + b1_i) + b2_i} with keys {@code k_i}, and the queries of every task branch.
 *
 * <p><b>Task branches.</b> ATLAS's forward pass depends on the task (task j uses adapters 0..j and its own queries),
 * but a DL4J network sees only features. The site therefore computes every task's branch at once and stacks them in
 * the minibatch dimension: rows {@code [N·B, D]}, example-major (row {@code n·B + j} is example n seen by task j).
 * The first site of a network ({@code expand}) reads {@code [N, D]} and writes {@code [N·B, D]}; later sites read
 * and write {@code [N·B, D]}; layers in between act row by row; {@link AtlasHeadLayer} reads task j's rows for the
 * classes of task j. Branch j outputs {@code Σ_{i ≤ last[j]} α_{j,i} Φ_i(u_j)}, α the query/key gate
 * ({@link AtlasConfiguration.Weighting#WHOLE}: one per sample; {@code DIMENSION}: one per sample and channel).</p>
 *
 * <p>Parameters (no underscores: DL4J's updater splits keys at them): {@code w1a<i>, b1a<i>, w2a<i>, b2a<i>, ka<i>}
 * per adapter i; queries {@code q<j>a<i>} per (branch j, adapter i) or, without per-task queries, {@code qa<i>}. Only the parameters named in {@link #getTrainable()} learn:
 * the others are read through a stop-gradient (zero gradient) and get DL4J's {@link NoOp} updater. Queries train with
 * {@link #getQueryUpdater()} when set, the rest with the layer's updater; the layer's regularization (e.g. DL4J's
 * {@code WeightDecay}: decoupled AdamW decay) applies to trainable {@code w1a<i>}/{@code w2a<i>} only. The orthogonality
 * term of the branch {@link #getOrthoBranch()} is added by {@link AtlasOrthogonality} (a training listener).
 * JSON-serialisable with the network's configuration.</p>
 */
public class AtlasAdapterLayer extends SameDiffLayer {
    private String site;
    private int width;
    private int bottleneck;
    private int heads;
    private AtlasConfiguration.Weighting weighting = AtlasConfiguration.Weighting.WHOLE;
    private int slots = 1;
    private int adapters;
    private int branches;
    private boolean expand;
    private int[] lastAdapter;
    private boolean queryPerTask = true;
    private List<String> trainable = new ArrayList<>();
    private IUpdater queryUpdater;
    private int orthoBranch = -1;
    private boolean orthoKeys;
    private double orthoWeight;

    /** For JSON. */
    public AtlasAdapterLayer() {
    }

    private AtlasAdapterLayer(Builder b) {
        super(b);
        if (b.width <= 0 || b.bottleneck <= 0 || b.heads <= 0 || b.width % b.heads != 0) {
            throw new IllegalArgumentException("Adapter site " + b.site + ": width " + b.width + ", bottleneck "
                    + b.bottleneck + " and heads " + b.heads + " should be > 0, and heads should divide the width");
        }
        if (b.adapters <= 0 || b.lastAdapter == null || b.lastAdapter.length == 0) {
            throw new IllegalArgumentException("Adapter site " + b.site + " needs at least one adapter and one branch "
                    + "(got " + b.adapters + " adapters, branches " + Arrays.toString(b.lastAdapter) + ")");
        }
        for (int l : b.lastAdapter) {
            if (l < 0 || l >= b.adapters) {
                throw new IllegalArgumentException("Adapter site " + b.site + ": a branch's last adapter should be in "
                        + "[0, " + b.adapters + ") (got " + Arrays.toString(b.lastAdapter) + ")");
            }
        }
        if (b.weighting == AtlasConfiguration.Weighting.WHOLE ? b.slots != 1 : b.slots < 2) {
            throw new IllegalArgumentException("Adapter site " + b.site + ": slots should be 1 for WHOLE and >= 2 for "
                    + "DIMENSION weighting, whose gates are normalised along the slots (got " + b.slots + " with "
                    + b.weighting + ")");
        }
        this.site = b.site;
        this.width = b.width;
        this.bottleneck = b.bottleneck;
        this.heads = b.heads;
        this.weighting = b.weighting;
        this.slots = b.slots;
        this.adapters = b.adapters;
        this.branches = b.lastAdapter.length;
        this.expand = b.expand;
        this.lastAdapter = b.lastAdapter.clone();
        this.queryPerTask = b.queryPerTask;
        this.trainable = new ArrayList<>(b.trainable);
        this.queryUpdater = b.queryUpdater;
        this.orthoBranch = b.orthoBranch;
        this.orthoKeys = b.orthoKeys;
        this.orthoWeight = b.orthoWeight;
        List<String> all = paramNames();
        for (String t : trainable) {
            if (!all.contains(t)) {
                throw new IllegalArgumentException("Adapter site " + site + " has no parameter " + t + " to train "
                        + "(it has " + all + ")");
            }
        }
    }

    /** The query parameter of branch j over adapter i. */
    public String query(int branch, int adapter) {
        return queryPerTask ? "q" + branch + "a" + adapter : "qa" + adapter;
    }

    /** Every parameter name, in definition order. */
    public List<String> paramNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < adapters; i++) {
            Collections.addAll(names, "w1a" + i, "b1a" + i, "w2a" + i, "b2a" + i, "ka" + i);
        }
        if (queryPerTask) {
            for (int j = 0; j < branches; j++) {
                for (int i = 0; i <= lastAdapter[j]; i++) {
                    names.add(query(j, i));
                }
            }
        } else {
            for (int i = 0; i < adapters; i++) {
                names.add(query(0, i));
            }
        }
        return names;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        for (int i = 0; i < adapters; i++) {
            params.addWeightParam("w1a" + i, width, bottleneck);
            params.addBiasParam("b1a" + i, 1, bottleneck);
            params.addWeightParam("w2a" + i, bottleneck, width);
            params.addBiasParam("b2a" + i, 1, width);
            params.addWeightParam("ka" + i, slots, width);
        }
        for (String n : paramNames()) {
            if (n.startsWith("q")) {
                params.addWeightParam(n, slots, width);
            }
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (String n : paramNames()) {
            INDArray p = params.get(n);
            if (n.startsWith("w1")) {
                p.assign(Nd4j.randn(p.dataType(), p.shape()).muli(0.02));
            } else if (n.startsWith("q") || n.startsWith("k")) {
                p.assign(Nd4j.randn(p.dataType(), p.shape()));
            } else {
                p.assign(0);
            }
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable[] outs = new SDVariable[branches];
        for (int j = 0; j < branches; j++) {
            SDVariable u = expand || branches == 1 ? in
                    : in.reshape(-1, branches, width).get(SDIndex.all(), SDIndex.point(j), SDIndex.all());
            SDVariable out = null;
            for (int i = 0; i <= lastAdapter[j]; i++) {
                SDVariable a = AtlasAdapterSite.adapter(sd, u, v(sd, p, "w1a" + i), v(sd, p, "b1a" + i),
                        v(sd, p, "w2a" + i), v(sd, p, "b2a" + i));
                SDVariable q = v(sd, p, query(j, i));
                SDVariable k = v(sd, p, "ka" + i);
                SDVariable w;
                if (weighting == AtlasConfiguration.Weighting.WHOLE) {
                    w = a.mul(AtlasAdapterSite.wholeAlpha(sd, q, k, a, 1, width, heads)[0]);
                } else {
                    w = a.mul(dimensionGate(sd, q, k, a, width, heads, slots));
                }
                out = out == null ? w : out.add(w);
            }
            outs[j] = out;
        }
        SDVariable y = branches == 1 ? outs[0] : sd.stack(1, outs).reshape(-1, width);
        return layerOutput(sd, y);
    }

    /**
     * The per-dimension gate for one token per sample, {@code [N, D]}: the same value as
     * {@link AtlasAdapterSite#dimensionAlpha} with T = 1, written head by head without the rank-4 permutes (whose
     * gradient does not build inside a DL4J SameDiffLayer in M2.1). Per head h (width dh), slot s attends over
     * [q_1..q_S ; a] with scores {@code q_s·q_m/√D} and {@code q_s·a/√D} (softmax shifted by a stop-gradient max),
     * giving {@code c[n, s] = (Σ_m e_sm q_m + e_s(n) a_n) / (Σ_m e_sm + e_s(n))}; then, unit along the slots,
     * {@code α[n, d] = (1 + Σ_s ĉ[n, s, d] k̂[s, d]) / 2}.
     */
    static SDVariable dimensionGate(SameDiff sd, SDVariable q, SDVariable k, SDVariable a, int width, int heads,
                                    int s) {
        int dh = width / heads;
        double scale = 1.0 / Math.sqrt(width);
        SDVariable[] parts = new SDVariable[heads];
        for (int h = 0; h < heads; h++) {
            SDIndex cols = SDIndex.interval((long) h * dh, (long) (h + 1) * dh);
            SDVariable qh = q.get(SDIndex.all(), cols);                                   // [S, dh]
            SDVariable ah = a.get(SDIndex.all(), cols);                                   // [N, dh]
            SDVariable sqq = qh.mmul(qh.permute(1, 0)).mul(scale);                         // [S, S]
            SDVariable sqa = ah.mmul(qh.permute(1, 0)).mul(scale);                         // [N, S]
            SDVariable mqq = sqq.max(true, 1).reshape(1, s);                               // [1, S]
            SDVariable shift = new org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient(sd,
                    sd.nn().relu(sqa.sub(mqq), 0).add(mqq)).outputVariable();              // [N, S] = max
            SDVariable eqa = sd.math().exp(sqa.sub(shift));                                // [N, S]
            SDVariable sh3 = shift.reshape(-1, s, 1);
            SDVariable eqq = sd.math().exp(sqq.reshape(1, s, s).sub(sh3));                 // [N, S, S]
            SDVariable denom = eqq.sum(true, 2).add(eqa.reshape(-1, s, 1));                // [N, S, 1]
            SDVariable num = eqq.reshape(-1, s).mmul(qh).reshape(-1, s, dh);              // [N, S, dh]
            num = num.add(eqa.reshape(-1, s, 1).mul(ah.reshape(-1, 1, dh)));
            parts[h] = num.mul(sd.math().reciprocal(denom));                               // [N, S, dh]
        }
        SDVariable c = heads == 1 ? parts[0] : sd.concat(2, parts);                       // [N, S, D]
        SDVariable cUnit = c.mul(sd.math().rsqrt(c.mul(c).sum(true, 1).add(1e-12)));      // [N, S, D]
        SDVariable kUnit = k.mul(sd.math().rsqrt(k.mul(k).sum(true, 0).add(1e-12)));      // [S, D]
        return cUnit.mul(kUnit.reshape(1, s, width)).sum(1).add(1.0).mul(0.5);            // [N, D]
    }

    /** A parameter as the graph reads it: itself if trainable, else through a stop-gradient (zero gradient). */
    private SDVariable v(SameDiff sd, Map<String, SDVariable> p, String name) {
        return frozenUnless(sd, p.get(name), trainable.contains(name));
    }

    static SDVariable frozenUnless(SameDiff sd, SDVariable x, boolean trainable) {
        if (trainable) {
            return x;
        }
        SDVariable stopped = new org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient(sd, x).outputVariable();
        return x.mul(0.0).add(stopped);
    }

    /**
     * Undoes DL4J/ND4J 1.0.0-M2.1's doubled gradient of {@code SameDiffLayer} outputs (see the zoo's
     * TransformerOps): {@code 0.5·y + 0.5·stopGradient(y)}, bit-identical forward, half the gradient backward. The
     * gradient checks fail if a later version fixes the doubling.
     */
    static SDVariable layerOutput(SameDiff sd, SDVariable y) {
        SDVariable detached = new org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient(sd, y).outputVariable();
        return y.mul(0.5).add(detached.mul(0.5));
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        if (!trainable.contains(paramName)) {
            return new NoOp();
        }
        if (paramName.startsWith("q") && queryUpdater != null) {
            return queryUpdater;
        }
        return super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        if (trainable.contains(paramName) && (paramName.startsWith("w1") || paramName.startsWith("w2"))
                && regularization != null) {
            return regularization;
        }
        return Collections.emptyList();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(width);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType.getType() != InputType.Type.FF || inputType.arrayElementsPerExample() != width) {
            throw new IllegalArgumentException("Adapter site " + site + " expects feed-forward input of width "
                    + width + " (got " + inputType + ")");
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    // ---- JSON accessors
    public String getSite() { return site; }
    public void setSite(String site) { this.site = site; }
    public int getWidth() { return width; }
    public void setWidth(int width) { this.width = width; }
    public int getBottleneck() { return bottleneck; }
    public void setBottleneck(int bottleneck) { this.bottleneck = bottleneck; }
    public int getHeads() { return heads; }
    public void setHeads(int heads) { this.heads = heads; }
    public AtlasConfiguration.Weighting getWeighting() { return weighting; }
    public void setWeighting(AtlasConfiguration.Weighting weighting) { this.weighting = weighting; }
    public int getSlots() { return slots; }
    public void setSlots(int slots) { this.slots = slots; }
    public int getAdapters() { return adapters; }
    public void setAdapters(int adapters) { this.adapters = adapters; }
    public int getBranches() { return branches; }
    public void setBranches(int branches) { this.branches = branches; }
    public boolean isExpand() { return expand; }
    public void setExpand(boolean expand) { this.expand = expand; }
    public int[] getLastAdapter() { return lastAdapter; }
    public void setLastAdapter(int[] lastAdapter) { this.lastAdapter = lastAdapter; }
    public boolean isQueryPerTask() { return queryPerTask; }
    public void setQueryPerTask(boolean queryPerTask) { this.queryPerTask = queryPerTask; }
    public List<String> getTrainable() { return trainable; }
    public void setTrainable(List<String> trainable) { this.trainable = trainable; }
    public IUpdater getQueryUpdater() { return queryUpdater; }
    public void setQueryUpdater(IUpdater queryUpdater) { this.queryUpdater = queryUpdater; }
    public int getOrthoBranch() { return orthoBranch; }
    public void setOrthoBranch(int orthoBranch) { this.orthoBranch = orthoBranch; }
    public boolean isOrthoKeys() { return orthoKeys; }
    public void setOrthoKeys(boolean orthoKeys) { this.orthoKeys = orthoKeys; }
    public double getOrthoWeight() { return orthoWeight; }
    public void setOrthoWeight(double orthoWeight) { this.orthoWeight = orthoWeight; }

    /** Builder; width, bottleneck, heads, adapters and the branches' last adapters are required. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private String site = "atlas";
        private int width;
        private int bottleneck;
        private int heads;
        private AtlasConfiguration.Weighting weighting = AtlasConfiguration.Weighting.WHOLE;
        private int slots = 1;
        private int adapters;
        private int[] lastAdapter;
        private boolean expand;
        private boolean queryPerTask = true;
        private List<String> trainable = new ArrayList<>();
        private IUpdater queryUpdater;
        private int orthoBranch = -1;
        private boolean orthoKeys;
        private double orthoWeight;

        /** @param s the site's name (messages) @return this */
        public Builder site(String s) { this.site = s; return this; }
        /** @param d the width D of the rows @return this */
        public Builder width(int d) { this.width = d; return this; }
        /** @param r the adapters' bottleneck @return this */
        public Builder bottleneck(int r) { this.bottleneck = r; return this; }
        /** @param h heads of the query attention (divides D) @return this */
        public Builder heads(int h) { this.heads = h; return this; }
        /** @param w the gate kind @param s the query slots (1 for WHOLE) @return this */
        public Builder weighting(AtlasConfiguration.Weighting w, int s) { this.weighting = w; this.slots = s; return this; }
        /** @param n adapters @return this */
        public Builder adapters(int n) { this.adapters = n; return this; }
        /** @param last per branch, the last adapter it sums @return this */
        public Builder lastAdapter(int... last) { this.lastAdapter = last.clone(); return this; }
        /** @param e whether this is the first site (input [N, D], output [N·B, D]) @return this */
        public Builder expand(boolean e) { this.expand = e; return this; }
        /** @param b one query per (branch, adapter) rather than per adapter @return this */
        public Builder queryPerTask(boolean b) { this.queryPerTask = b; return this; }
        /** @param names the parameters that learn @return this */
        public Builder trainable(List<String> names) { this.trainable = new ArrayList<>(names); return this; }
        /** @param u the queries' updater (null: the layer's) @return this */
        public Builder queryUpdater(IUpdater u) { this.queryUpdater = u; return this; }
        /**
         * @param branch the branch whose queries get the orthogonality term (-1: none)
         * @param keys   whether the keys get it too
         * @param weight its weight
         * @return this
         */
        public Builder ortho(int branch, boolean keys, double weight) {
            this.orthoBranch = branch;
            this.orthoKeys = keys;
            this.orthoWeight = weight;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public AtlasAdapterLayer build() {
            return new AtlasAdapterLayer(this);
        }
    }
}
