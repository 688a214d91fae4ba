package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * DAFormer's dual attention in the parameter layout of DL4J's own attention layers, so that it can take the place
 * of a {@link org.deeplearning4j.nn.conf.layers.SelfAttentionLayer} (with {@code projectInput}), a
 * {@link org.deeplearning4j.nn.conf.layers.LearnedSelfAttentionLayer} or a self-attention
 * {@link org.deeplearning4j.nn.conf.graph.AttentionVertex} of a user's graph with that layer's parameters copied.
 * Input: a token sequence in DL4J's recurrent format {@code [mb, nIn, T]}; output: one pooled embedding per key
 * set, concatenated, {@code [mb, K·nOut]} (feed-forward).
 *
 * <p>With the DL4J projections {@code Wq, Wk, Wv [H, hs, nIn]} and {@code Wo [H·hs, nOut]}, queries
 * {@code q = Wq x} (or, with {@code numQueries > 0}, {@code q = Wq Q} from the learned queries
 * {@code Q [1, nIn, numQueries]}), {@code k = Wk x}, {@code v = Wv x}, per head h and key set τ:</p>
 * <pre>
 *   A_sd      = softmax_keys(q_h k_hᵀ / √hs)               (DL4J's scaled multi-head dot-product attention)
 *   A_task(τ) = softmax_keys((q_h / √hs) M_τᵀ + c_τ)       (task keys M_τ [T, hs], bias c_τ [1, T], shared by heads)
 *   o_τ = concat_h((A_sd + A_task(τ)) v_h) Wo               [mb, Tq, nOut]
 *   e_τ = mean over the Tq query positions of o_τ           → output columns [τ·nOut, (τ+1)·nOut)
 * </pre>
 * Without the task term, {@code o} is exactly what the DL4J layer computes (tested). Task keys are
 * zero-initialised (a new key set starts with the uniform map 1/T). Parameters: {@code Wq, Wk, Wv, Wo} (as DL4J),
 * {@code Q} with learned queries, and per key set {@code key<τ>}, {@code kbias<τ>}. Masks are not supported (the
 * sequence length is fixed: T key slots). JSON-serialisable.
 */
public class DualSelfAttention extends SameDiffLayer {
    /** DL4J's parameter names. */
    public static final String WQ = "Wq";
    /** Key projection. */
    public static final String WK = "Wk";
    /** Value projection. */
    public static final String WV = "Wv";
    /** Output projection. */
    public static final String WO = "Wo";
    /** Learned queries (LearnedSelfAttentionLayer's). */
    public static final String QUERIES = "Q";

    private int nIn;
    private int nOut;
    private int numHeads;
    private int headSize;
    private int numKeys;
    private int numQueries;
    private int numKeySets;

    /** For JSON. */
    public DualSelfAttention() {
    }

    private DualSelfAttention(Builder b) {
        super(b);
        this.nIn = TransformerOps.positive("nIn", b.nIn);
        this.nOut = TransformerOps.positive("nOut", b.nOut);
        this.numHeads = TransformerOps.positive("numHeads", b.numHeads);
        this.headSize = TransformerOps.positive("headSize", b.headSize);
        this.numKeys = TransformerOps.positive("numKeys (tokens T of the sequence)", b.numKeys);
        if (b.numQueries < 0) {
            throw new IllegalArgumentException("numQueries should be >= 0 (0: the queries are the tokens; got: "
                    + b.numQueries + ")");
        }
        this.numQueries = b.numQueries;
        this.numKeySets = TransformerOps.positive("numKeySets", b.numKeySets);
    }

    /** @return the positions whose outputs are pooled: the learned queries, or the T tokens */
    public int queryPositions() {
        return numQueries > 0 ? numQueries : numKeys;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        int t = numKeys;
        int tq = queryPositions();
        long hd = (long) numHeads * headSize;
        SDVariable x = in.permute(0, 2, 1).reshape(-1, nIn); // [mb*T, nIn]
        SDVariable wq = p.get(WQ).reshape(hd, nIn);
        SDVariable q;
        if (numQueries > 0) {
            // the learned queries, tiled over the minibatch: ones [mb, 1] x Q [1, nQ*nIn]
            SDVariable ones = sd.onesLike(in.get(SDIndex.all(), SDIndex.point(0), SDIndex.point(0))).reshape(-1, 1);
            SDVariable queries = p.get(QUERIES).reshape(nIn, numQueries).permute(1, 0).reshape(1, (long) numQueries * nIn);
            q = ones.mmul(queries).reshape(-1, nIn).mmul(wq.permute(1, 0));
        } else {
            q = x.mmul(wq.permute(1, 0));
        }
        SDVariable k = x.mmul(p.get(WK).reshape(hd, nIn).permute(1, 0));
        SDVariable v = x.mmul(p.get(WV).reshape(hd, nIn).permute(1, 0));
        SDVariable qh = TransformerOps.splitHeads(q, tq, numHeads, headSize).mul(1.0 / Math.sqrt(headSize));
        SDVariable kh = TransformerOps.splitHeads(k, t, numHeads, headSize);
        SDVariable vh = TransformerOps.splitHeads(v, t, numHeads, headSize);
        SDVariable aSd = sd.nn().softmax(sd.mmul(qh, kh, false, true, false), 2); // [mb*H, Tq, T]
        SDVariable qFlat = qh.reshape(-1, headSize);
        List<SDVariable> outs = new ArrayList<>();
        for (int s = 0; s < numKeySets; s++) {
            SDVariable scores = sd.mmul(qFlat, p.get(keyParam(s)), false, true, false).add(p.get(keyBiasParam(s)));
            SDVariable aTask = sd.nn().softmax(scores, 1).reshape(-1, tq, t);
            SDVariable att = sd.mmul(aSd.add(aTask), vh);
            SDVariable o = TransformerOps.mergeHeads(att, tq, numHeads, headSize).mmul(p.get(WO)); // [mb*Tq, nOut]
            outs.add(o.reshape(-1, tq, nOut).mean(1));
        }
        return TransformerOps.layerOutput(sd, outs.size() == 1 ? outs.get(0)
                : sd.concat(1, outs.toArray(new SDVariable[0])));
    }

    /**
     * @param s key set index
     * @return the parameter name of key set s's key matrix
     */
    public static String keyParam(int s) {
        return DualAttentionBlock.keyParam(s);
    }

    /**
     * @param s key set index
     * @return the parameter name of key set s's bias
     */
    public static String keyBiasParam(int s) {
        return DualAttentionBlock.keyBiasParam(s);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        if (numQueries > 0) {
            params.addWeightParam(QUERIES, 1, nIn, numQueries);
        }
        params.addWeightParam(WQ, numHeads, headSize, nIn);
        params.addWeightParam(WK, numHeads, headSize, nIn);
        params.addWeightParam(WV, numHeads, headSize, nIn);
        params.addWeightParam(WO, (long) numHeads * headSize, nOut);
        for (int s = 0; s < numKeySets; s++) {
            params.addWeightParam(keyParam(s), numKeys, headSize);
            params.addBiasParam(keyBiasParam(s), 1, numKeys);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (e.getKey().startsWith("key") || e.getKey().startsWith("kbias")) {
                e.getValue().assign(0.0);
            } else {
                // Xavier-like; the plugin copies the user's attention parameters over these
                long fanIn = e.getKey().equals(WO) ? (long) numHeads * headSize : nIn;
                e.getValue().assign(Nd4j.randn(e.getValue().dataType(), e.getValue().shape())
                        .muli(Math.sqrt(1.0 / fanIn)));
            }
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward((long) numKeySets * nOut);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (!(inputType instanceof InputType.InputTypeRecurrent)) {
            throw new IllegalArgumentException("DualSelfAttention expects a recurrent token sequence [mb, " + nIn
                    + ", " + numKeys + "] (got input type " + inputType + ")");
        }
        InputType.InputTypeRecurrent r = (InputType.InputTypeRecurrent) inputType;
        if (r.getSize() != nIn) {
            throw new IllegalArgumentException("DualSelfAttention expects nIn = " + nIn + " features per token but the "
                    + "previous layer gives " + r.getSize());
        }
        if (r.getTimeSeriesLength() > 0 && r.getTimeSeriesLength() != numKeys) {
            throw new IllegalArgumentException("DualSelfAttention has " + numKeys + " key slots but the sequence has "
                    + r.getTimeSeriesLength() + " tokens");
        }
    }

    @Override
    public org.deeplearning4j.nn.conf.InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    // ---- JSON accessors
    public int getNIn() { return nIn; }
    public void setNIn(int nIn) { this.nIn = nIn; }
    public int getNOut() { return nOut; }
    public void setNOut(int nOut) { this.nOut = nOut; }
    public int getNumHeads() { return numHeads; }
    public void setNumHeads(int numHeads) { this.numHeads = numHeads; }
    public int getHeadSize() { return headSize; }
    public void setHeadSize(int headSize) { this.headSize = headSize; }
    public int getNumKeys() { return numKeys; }
    public void setNumKeys(int numKeys) { this.numKeys = numKeys; }
    public int getNumQueries() { return numQueries; }
    public void setNumQueries(int numQueries) { this.numQueries = numQueries; }
    public int getNumKeySets() { return numKeySets; }
    public void setNumKeySets(int numKeySets) { this.numKeySets = numKeySets; }

    /** Builder; nIn, nOut, heads, head size and the number of tokens are required; key sets default to 1. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int nIn;
        private int nOut;
        private int numHeads;
        private int headSize;
        private int numKeys;
        private int numQueries;
        private int numKeySets = 1;

        /** @param n features per input token @return this builder */
        public Builder nIn(int n) {
            this.nIn = n;
            return this;
        }

        /** @param n output width @return this builder */
        public Builder nOut(int n) {
            this.nOut = n;
            return this;
        }

        /** @param h heads @return this builder */
        public Builder numHeads(int h) {
            this.numHeads = h;
            return this;
        }

        /** @param s projected width of each head @return this builder */
        public Builder headSize(int s) {
            this.headSize = s;
            return this;
        }

        /** @param t tokens T of the input sequence (also the task keys' slots) @return this builder */
        public Builder numKeys(int t) {
            this.numKeys = t;
            return this;
        }

        /** @param n learned queries (LearnedSelfAttentionLayer), 0 for self-attention (default) @return this builder */
        public Builder numQueries(int n) {
            this.numQueries = n;
            return this;
        }

        /** @param k number of task-key sets K (≥ 1) @return this builder */
        public Builder numKeySets(int k) {
            this.numKeySets = k;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public DualSelfAttention build() {
            return new DualSelfAttention(this);
        }
    }
}
