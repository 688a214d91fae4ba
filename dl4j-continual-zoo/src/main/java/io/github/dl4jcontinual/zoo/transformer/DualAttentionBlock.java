package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * DAFormer's dual-attention block as a SameDiff layer. Input: tokens {@code [mb, T*D]}; output: one pooled
 * embedding per task-key set, concatenated, {@code [mb, K*D]} (K = {@link #getNumKeySets()}).
 *
 * <p>With {@code n = LN1(x)}, {@code q = n Wq}, {@code k = n Wk}, {@code v = n Wv} split into H heads of width
 * {@code dh = D/H}, and for every key set τ &lt; K:</p>
 * <pre>
 *   A_sd      = softmax(q kᵀ / sqrt(dh))                    (sample-dependent keys, shared by all tasks)
 *   A_task(τ) = softmax((q / sqrt(dh)) M_τᵀ + c_τ)           (sample-agnostic keys M_τ [T, dh], bias c_τ [1, T],
 *                                                            shared across heads)
 *   h_τ = x + ((A_sd + A_task(τ)) v merged over heads) Wo + bo
 *   y_τ = h_τ + W2 gelu(W1 LN2(h_τ) + b1) + b2
 *   e_τ = mean over the T tokens of y_τ                      → output columns [τ*D, (τ+1)*D)
 * </pre>
 * Both attention maps read the same values v and their outputs are added (docs/daformer.md). The number of key
 * slots equals the number of tokens T because A_task multiplies the token-indexed v. Unlike the released
 * code, the output projection Wo is applied (as in the shared blocks).
 *
 * <p>Parameters: the shared block ({@code ln1g, ln1b, wq, wk, wv, wo, bo, ln2g, ln2b, w1, b1, w2, b2}) and per key
 * set {@code key<τ>} and {@code kbias<τ>}. Task keys are <b>zero-initialised</b>, so a new key set starts with a
 * uniform {@code A_task = 1/T}. Freezing old key sets is the trainer's business (their gradient is masked, see
 * {@link io.github.dl4jcontinual.zoo.daformer.FrozenParameters}). DAFormer-S uses K = 1 for every task,
 * DAFormer-M K = number of tasks so far.</p>
 */
public class DualAttentionBlock extends EncoderBlockLayer {
    private int numKeySets;

    /** For JSON. */
    public DualAttentionBlock() {
    }

    private DualAttentionBlock(Builder b) {
        super(b);
        this.numKeySets = TransformerOps.positive("numKeySets", b.numKeySets);
    }

    /**
     * @param t key set index
     * @return the parameter name of key set t's key matrix
     */
    public static String keyParam(int t) {
        return "key" + t;
    }

    /**
     * @param t key set index
     * @return the parameter name of key set t's bias
     */
    public static String keyBiasParam(int t) {
        return "kbias" + t;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        int numTokens = getNumTokens();
        int embedDim = getEmbedDim();
        int numHeads = getNumHeads();
        int dh = embedDim / numHeads;
        SDVariable x = in.reshape(-1, embedDim);
        SDVariable n1 = TransformerOps.layerNorm(sd, x, p.get("ln1g"), p.get("ln1b"));
        SDVariable q = TransformerOps.splitHeads(n1.mmul(p.get("wq")), numTokens, numHeads, dh);
        SDVariable k = TransformerOps.splitHeads(n1.mmul(p.get("wk")), numTokens, numHeads, dh);
        SDVariable v = TransformerOps.splitHeads(n1.mmul(p.get("wv")), numTokens, numHeads, dh);
        SDVariable aSd = TransformerOps.selfAttentionWeights(sd, q, k, dh);
        SDVariable qFlat = q.mul(1.0 / Math.sqrt(dh)).reshape(-1, dh); // [mb*H*T, dh]
        List<SDVariable> outs = new ArrayList<>();
        for (int t = 0; t < numKeySets; t++) {
            SDVariable scores = sd.mmul(qFlat, p.get(keyParam(t)), false, true, false).add(p.get(keyBiasParam(t)));
            SDVariable aTask = sd.nn().softmax(scores, 1).reshape(-1, numTokens, numTokens);
            SDVariable att = sd.mmul(aSd.add(aTask), v);
            SDVariable h = x.add(TransformerOps.mergeHeads(att, numTokens, numHeads, dh).mmul(p.get("wo"))
                    .add(p.get("bo")));
            SDVariable y = h.add(TransformerOps.mlp(sd, TransformerOps.layerNorm(sd, h, p.get("ln2g"),
                    p.get("ln2b")), p));
            outs.add(y.reshape(-1, numTokens, embedDim).mean(1));
        }
        return TransformerOps.layerOutput(sd, outs.size() == 1 ? outs.get(0)
                : sd.concat(1, outs.toArray(new SDVariable[0])));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        super.defineParameters(params);
        for (int t = 0; t < numKeySets; t++) {
            params.addWeightParam(keyParam(t), getNumTokens(), (long) getEmbedDim() / getNumHeads());
            params.addBiasParam(keyBiasParam(t), 1, getNumTokens());
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        super.initializeParameters(params);
        for (int t = 0; t < numKeySets; t++) {
            params.get(keyParam(t)).assign(0.0);
            params.get(keyBiasParam(t)).assign(0.0);
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward((long) numKeySets * getEmbedDim());
    }

    /** @return the number of task-key sets K */
    public int getNumKeySets() { return numKeySets; }
    /** @param numKeySets the number of task-key sets K (JSON) */
    public void setNumKeySets(int numKeySets) { this.numKeySets = numKeySets; }

    /** Builder; tokens, width, heads and MLP hidden width are required, key sets default to 1. */
    public static class Builder extends EncoderBlockLayer.Builder<Builder> {
        private int numKeySets = 1;

        /** @param k number of task-key sets K (≥ 1) @return this builder */
        public Builder numKeySets(int k) {
            this.numKeySets = k;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public DualAttentionBlock build() {
            return new DualAttentionBlock(this);
        }
    }
}
