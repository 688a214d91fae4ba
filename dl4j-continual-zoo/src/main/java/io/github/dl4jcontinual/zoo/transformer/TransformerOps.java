package io.github.dl4jcontinual.zoo.transformer;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * SameDiff building blocks shared by the transformer layers. Only elementary differentiable ops are used
 * (no fused layer-norm or GELU kernels), so double-precision gradient checks hold exactly. Rows are tokens:
 * every function takes and returns {@code [mb*T, D]} unless stated. The public functions are shared with the
 * pretrained text tower ({@code zoo.text}).
 */
public final class TransformerOps {
    /** LayerNorm epsilon (as PyTorch's default). */
    static final double LN_EPS = 1e-5;
    /** Standard deviation of the truncated-normal-like weight initialisation (timm's 0.02). */
    static final double INIT_STD = 0.02;

    private TransformerOps() {
    }

    /** LayerNorm over the last axis of a 2-d variable, with gain {@code g [1, D]} and bias {@code b [1, D]}. */
    public static SDVariable layerNorm(SameDiff sd, SDVariable x, SDVariable g, SDVariable b) {
        return layerNorm(sd, x, g, b, LN_EPS);
    }

    /** {@link #layerNorm(SameDiff, SDVariable, SDVariable, SDVariable)} with an explicit epsilon. */
    public static SDVariable layerNorm(SameDiff sd, SDVariable x, SDVariable g, SDVariable b, double eps) {
        SDVariable mu = x.mean(true, 1);
        SDVariable xc = x.sub(mu);
        SDVariable var = xc.mul(xc).mean(true, 1);
        return xc.div(sd.math().sqrt(var.add(eps))).mul(g).add(b);
    }

    /**
     * Rows scaled to unit L2 norm, {@code x / sqrt(Σ_d x² + 1e-12)} for {@code x [n, d]}, without broadcasting: the
     * norms are summed and tiled back to {@code [n, D]} with matrix products against ones. In M2.1 the gradient of a
     * broadcast {@code [1, D] / [1, 1]} division is wrong for the divisor (found by finite differences on a
     * {@code [1, D]} key), so {@code x.div(norm)} is unsafe when n can be 1.
     */
    public static SDVariable unitRows(SameDiff sd, SDVariable x, long d) {
        SDVariable norm = sd.math().sqrt(x.mul(x).mmul(sd.constant(Nd4j.ones(x.dataType(), d, 1))).add(1e-12));
        return x.div(norm.mmul(sd.constant(Nd4j.ones(x.dataType(), 1, d))));
    }

    /**
     * Mean over rows of {@code −Σ_c y_c log softmax(z)_c}, written with a max-shifted log-sum-exp ({@code logSoftmax}
     * with an axis fails in {@code calculateGradients} in M2.1). {@code z} and {@code y} are {@code [n, K]}.
     */
    public static SDVariable softmaxCrossEntropy(SameDiff sd, SDVariable z, SDVariable y) {
        SDVariable m = z.max(true, 1);
        SDVariable lse = sd.math().log(sd.math().exp(z.sub(m)).sum(true, 1)).add(m);
        return y.mul(z.sub(lse)).sum(1).mean().neg();
    }

    /** GELU, tanh form: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}. */
    static SDVariable gelu(SameDiff sd, SDVariable x) {
        SDVariable inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2.0 / Math.PI));
        return x.mul(0.5).mul(sd.math().tanh(inner).add(1.0));
    }

    /** {@code [mb*T, D]} to per-head {@code [mb*H, T, dh]}. */
    public static SDVariable splitHeads(SDVariable x, int tokens, int heads, int headDim) {
        return x.reshape(-1, tokens, heads, headDim).permute(0, 2, 1, 3).reshape(-1, tokens, headDim);
    }

    /** Per-head {@code [mb*H, T, dh]} back to {@code [mb*T, D]}. */
    public static SDVariable mergeHeads(SDVariable x, int tokens, int heads, int headDim) {
        return x.reshape(-1, heads, tokens, headDim).permute(0, 2, 1, 3).reshape(-1, (long) heads * headDim);
    }

    /** Sample-dependent attention weights {@code softmax(q k^T / sqrt(dh))}, {@code [mb*H, T, T]}. */
    static SDVariable selfAttentionWeights(SameDiff sd, SDVariable q, SDVariable k, int headDim) {
        SDVariable scores = sd.mmul(q.mul(1.0 / Math.sqrt(headDim)), k, false, true, false);
        return sd.nn().softmax(scores, 2);
    }

    /** The MLP sub-block {@code W2 gelu(W1 x + b1) + b2}. */
    static SDVariable mlp(SameDiff sd, SDVariable x, Map<String, SDVariable> p) {
        SDVariable h = gelu(sd, x.mmul(p.get("w1")).add(p.get("b1")));
        return h.mmul(p.get("w2")).add(p.get("b2"));
    }

    /**
     * The pre-norm encoder block of {@link TransformerBlock} on token rows {@code [mb*T, D]} with parameters named as
     * {@link #defineBlockParams} (output projection included); without the layer-output gradient fix, so usable in
     * plain SameDiff graphs (e.g. with prompt tokens prepended, T larger than the layer's).
     */
    public static SDVariable preNormBlock(SameDiff sd, SDVariable x, Map<String, SDVariable> p, int tokens, int heads) {
        int dh = (int) (p.get("wq").getShape()[0] / heads);
        SDVariable n1 = layerNorm(sd, x, p.get("ln1g"), p.get("ln1b"));
        SDVariable q = splitHeads(n1.mmul(p.get("wq")), tokens, heads, dh);
        SDVariable k = splitHeads(n1.mmul(p.get("wk")), tokens, heads, dh);
        SDVariable v = splitHeads(n1.mmul(p.get("wv")), tokens, heads, dh);
        SDVariable att = sd.mmul(selfAttentionWeights(sd, q, k, dh), v);
        SDVariable h = x.add(mergeHeads(att, tokens, heads, dh).mmul(p.get("wo")).add(p.get("bo")));
        return h.add(mlp(sd, layerNorm(sd, h, p.get("ln2g"), p.get("ln2b")), p));
    }

    /** Fills a weight with N(0, INIT_STD²) from ND4J's global generator (seeded by the graph's init). */
    static void normal(INDArray w) {
        w.assign(Nd4j.randn(w.dataType(), w.shape()).muli(INIT_STD));
    }

    /** Defines the shared pre-norm attention + MLP parameters of a block of width d and hidden width h. */
    static void defineBlockParams(org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams params, int d, int h,
                                  boolean outputProjection) {
        params.addBiasParam("ln1g", 1, d);
        params.addBiasParam("ln1b", 1, d);
        params.addWeightParam("wq", d, d);
        params.addWeightParam("wk", d, d);
        params.addWeightParam("wv", d, d);
        if (outputProjection) {
            params.addWeightParam("wo", d, d);
            params.addBiasParam("bo", 1, d);
        }
        params.addBiasParam("ln2g", 1, d);
        params.addBiasParam("ln2b", 1, d);
        params.addWeightParam("w1", d, h);
        params.addBiasParam("b1", 1, h);
        params.addWeightParam("w2", h, d);
        params.addBiasParam("b2", 1, d);
    }

    /** Initialises block parameters: LN gains 1, biases 0, weights N(0, 0.02²). */
    static void initBlockParams(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String k = e.getKey();
            if (k.endsWith("g") && k.startsWith("ln")) {
                e.getValue().assign(1.0);
            } else if (k.startsWith("w")) {
                normal(e.getValue());
            } else {
                e.getValue().assign(0.0);
            }
        }
    }

    /** Checks a feed-forward input of T*D columns, naming the layer. */
    static void checkTokens(String layer, org.deeplearning4j.nn.conf.inputs.InputType in, long expected) {
        if (!(in instanceof org.deeplearning4j.nn.conf.inputs.InputType.InputTypeFeedForward)) {
            throw new IllegalArgumentException(layer + " expects feed-forward token input [mb, T*D] (got input type "
                    + in + ")");
        }
        long size = ((org.deeplearning4j.nn.conf.inputs.InputType.InputTypeFeedForward) in).getSize();
        if (size != expected) {
            throw new IllegalArgumentException(layer + " expects " + expected + " input columns (tokens × width) but "
                    + "the previous layer gives " + size);
        }
    }

    /**
     * Wraps a layer's output to undo a gradient doubling of DL4J/ND4J 1.0.0-M2.1: {@code SameDiffLayer} feeds
     * the incoming error through {@code ExternalErrorsFunction}, whose {@code doDiff} both registers its gradient
     * placeholder as the output's gradient ({@code setGradientForVariableName}) and returns it, so SameDiff sums
     * it twice and every parameter and input gradient of the layer comes out ×2 (verified on a bare
     * {@code in·W} graph). The returned value is {@code 0.5·y + 0.5·stopGradient(y)}: bit-identical to y forward
     * (halving and doubling are exact), half the gradient backward. The gradient checks in the tests fail if a
     * later DL4J version fixes the doubling and this becomes wrong.
     */
    static SDVariable layerOutput(SameDiff sd, SDVariable y) {
        SDVariable detached = new org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient(sd, y)
                .outputVariable();
        return y.mul(0.5).add(detached.mul(0.5));
    }

    /** Validates a positive configuration value. */
    static int positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " should be > 0 (got: " + v + ")");
        }
        return v;
    }
}
