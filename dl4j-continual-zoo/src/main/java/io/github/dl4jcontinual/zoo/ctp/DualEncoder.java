package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.zoo.text.ResidualAdapter;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The CTP dual encoder as one SameDiff graph. Image tower: {@code img [N, pixels]} → dense {@code hidden} + ReLU
 * ({@code img_hidden}) → linear {@code embedDim} ({@code v_raw}) → L2 normalisation ({@code v}). Text tower: a frozen
 * pretrained sentence embedding {@code txt [N, textDim]} (MiniLM, computed outside and cached per caption, see
 * {@link CachedTextFeatures}) → trainable {@link ResidualAdapter} ({@code txt_hidden}) → linear {@code embedDim}
 * ({@code w_raw}) → L2 normalisation ({@code w}). A learnable log inverse temperature {@code logit_scale}
 * ({@code [1, 1]}, starting at log(1/τ₀)) scales the contrastive logits. With
 * {@link Spec#withCosineProjections()} (LUCIR, docs/ctp.md) both projections are cosine-normalised linear
 * layers without bias, {@code σ · (x/‖x‖)·(W_j/‖W_j‖)} (weight {@code [embedDim, in]}, one row W_j per output)
 * with a learnable scale σ per projection
 * ({@code img_proj_sigma}, {@code txt_proj_sigma}, {@code [1, 1]}, starting at 1). σ only scales {@code v_raw} and
 * {@code w_raw}; it cancels in the L2-normalised {@code v}, {@code w}, so terms built on those give it no
 * gradient (as in the release, whose projections are also followed by a normalisation). With
 * {@link Spec#withTrainableText} the text input holds cached token states instead of sentence embeddings and the
 * encoder's top layers run in the graph with trainable weights ({@link TopLayerTextFeatures}, pooled output
 * {@code txt_pooled}) before the adapter.
 *
 * <p>The loss is {@code Σ lam_term · term} over the {@link LossTerm}s the graph was built with
 * where {@code softCE(z, P) = −mean_i Σ_j P_ij log softmax(z_i)_j}:
 * <ul>
 *   <li>ITA: ½[softCE(s·v wᵀ, T) + softCE(s·w vᵀ, T)], s = exp(logit_scale), T = {@code ita_target} (rows sum
 *       to 1);</li>
 *   <li>CMC: ½[softCE(s·v Kwᵀ, C) + softCE(s·w Kvᵀ, C)], Kw/Kv = momentum batch features stacked on the queues,
 *       C = {@code cmc_target};</li>
 *   <li>MD: the same logits against the momentum model's distributions {@code md_i2t}, {@code md_t2i};</li>
 *   <li>TPX: ½[KL(P_i2t ‖ softmax(v wᵀ/τ)) + KL(P_t2i ‖ softmax(w vᵀ/τ))], per-row KL averaged over rows,
 *       τ fixed; the reference's Σ P log P is fed as {@code tpx_const};</li>
 *   <li>TPS: the same over v vᵀ and w wᵀ with the diagonal replaced by −1000 before dividing by τ;</li>
 *   <li>LWF: ½[KL(softmax(v_ref_raw/τ) ‖ softmax(v_raw/τ)) + (text)];</li>
 *   <li>LUCIR: ½[mean(1 − cos(img_hidden, ref)) + mean(1 − cos(txt_hidden, ref))];</li>
 *   <li>MAS: mean ‖v_raw‖ + mean ‖w_raw‖.</li>
 * </ul>
 * Reference distributions and constants are computed by {@link #softmaxRows}, {@link #similarityTargets} and
 * {@link #sumPLogP}. All parameters are SameDiff variables; a graph built without terms only computes features.
 */
public final class DualEncoder {
    /** Row-normalisation epsilon. */
    private static final double EPS = 1e-12;
    /** Value that replaces the self-similarity in the intra-modal topology term. */
    public static final double SELF_MASK = -1000;
    private final SameDiff sd;
    private final Spec spec;
    private final Set<LossTerm> terms;
    private final List<String> params;

    /** Sizes of the towers. Immutable. */
    public static final class Spec implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final int pixels;
        final int hidden;
        final int textDim;
        final int bottleneck;
        final int embedDim;
        final double initTemperature;
        final double tau;
        final boolean cosine;
        final transient TopLayerTextFeatures textTop;

        /**
         * @param pixels          image input width
         * @param hidden          image hidden width
         * @param textDim         frozen sentence-embedding width (384 for MiniLM)
         * @param bottleneck      text adapter bottleneck
         * @param embedDim        shared embedding width
         * @param initTemperature initial contrastive temperature (learnable), e.g. 0.07
         * @param tau             fixed temperature of the topology and LwF terms, e.g. 0.07
         */
        public Spec(int pixels, int hidden, int textDim, int bottleneck, int embedDim, double initTemperature,
                    double tau) {
            this(pixels, hidden, textDim, bottleneck, embedDim, initTemperature, tau, false, null);
        }

        private Spec(int pixels, int hidden, int textDim, int bottleneck, int embedDim, double initTemperature,
                     double tau, boolean cosine, TopLayerTextFeatures textTop) {
            if (pixels < 1 || hidden < 1 || textDim < 1 || bottleneck < 1 || embedDim < 1) {
                throw new IllegalArgumentException("all widths should be >= 1 (got pixels " + pixels + ", hidden "
                        + hidden + ", textDim " + textDim + ", bottleneck " + bottleneck + ", embedDim " + embedDim + ")");
            }
            if (!(initTemperature > 0) || !(tau > 0)) {
                throw new IllegalArgumentException("temperatures should be > 0 (got " + initTemperature + ", " + tau + ")");
            }
            this.pixels = pixels;
            this.hidden = hidden;
            this.textDim = textDim;
            this.bottleneck = bottleneck;
            this.embedDim = embedDim;
            this.initTemperature = initTemperature;
            this.tau = tau;
            this.cosine = cosine;
            this.textTop = textTop;
        }

        /** @return the same sizes with cosine-normalised projections and learnable scales σ (LUCIR) */
        public Spec withCosineProjections() {
            return new Spec(pixels, hidden, textDim, bottleneck, embedDim, initTemperature, tau, true, textTop);
        }

        /**
         * @param top the cached lower layers and the trainable top layers of the text encoder
         * @return the same sizes with the text input = {@code top}'s packed token states ({@code textDim} becomes
         * {@code top.dim()}) and {@code top}'s layers trained in the graph
         */
        public Spec withTrainableText(TopLayerTextFeatures top) {
            java.util.Objects.requireNonNull(top, "top");
            return new Spec(pixels, hidden, top.dim(), bottleneck, embedDim, initTemperature, tau, cosine, top);
        }

        /** @return the width of the sentence embedding entering the adapter */
        public int textWidth() {
            return textTop == null ? textDim : textTop.pooledDim();
        }

        /** @return whether the projections are cosine-normalised with a learnable scale */
        public boolean cosineProjections() {
            return cosine;
        }

        /** @return the shared embedding width */
        public int embedDim() {
            return embedDim;
        }

        /** @return the fixed topology/LwF temperature */
        public double tau() {
            return tau;
        }
    }

    /**
     * @param spec  tower sizes
     * @param terms loss terms (empty: features only)
     * @param type  FLOAT for training, DOUBLE for gradient checks
     * @param seed  initialisation seed (PyTorch-style uniform ±1/√fan_in for dense layers)
     */
    public DualEncoder(Spec spec, Set<LossTerm> terms, DataType type, long seed) {
        this.spec = spec;
        this.terms = terms.isEmpty() ? EnumSet.noneOf(LossTerm.class) : EnumSet.copyOf(terms);
        this.sd = SameDiff.create();
        Nd4j.getRandom().setSeed(seed);
        SDVariable img = sd.placeHolder("img", type, -1, spec.pixels);
        SDVariable txt = sd.placeHolder("txt", type, -1, spec.textDim);
        SDVariable h = sd.nn().relu(dense("img_fc", img, spec.pixels, spec.hidden, type), 0);
        sd.updateVariableNameAndReference(h, "img_hidden");
        SDVariable vRaw = projection("img_proj", h, spec.hidden, type);
        sd.updateVariableNameAndReference(vRaw, "v_raw");
        SDVariable sentence = txt;
        if (spec.textTop != null) {
            sentence = spec.textTop.build(sd, txt, type);
            sd.updateVariableNameAndReference(sentence, "txt_pooled");
        }
        int tw = spec.textWidth();
        SDVariable t = ResidualAdapter.apply(sd, "txt_adapter", sentence, tw, spec.bottleneck, type);
        sd.updateVariableNameAndReference(t, "txt_hidden");
        SDVariable wRaw = projection("txt_proj", t, tw, type);
        sd.updateVariableNameAndReference(wRaw, "w_raw");
        SDVariable v = normalise(vRaw);
        sd.updateVariableNameAndReference(v, "v");
        SDVariable w = normalise(wRaw);
        sd.updateVariableNameAndReference(w, "w");
        SDVariable ls = sd.var("logit_scale", Nd4j.valueArrayOf(new long[]{1, 1}, Math.log(1 / spec.initTemperature), type));
        List<String> p = new ArrayList<>();
        p.add("img_fc_w");
        p.add("img_fc_b");
        String second = spec.cosine ? "_sigma" : "_b";
        p.add("img_proj_w");
        p.add("img_proj" + second);
        if (spec.textTop != null) {
            p.addAll(spec.textTop.variableNames());
        }
        p.addAll(ResidualAdapter.variableNames("txt_adapter"));
        p.add("txt_proj_w");
        p.add("txt_proj" + second);
        p.add("logit_scale");
        this.params = Collections.unmodifiableList(p);
        if (this.terms.isEmpty()) {
            return;
        }
        SDVariable s = sd.math().exp(ls);
        double invTau = 1 / spec.tau;
        SDVariable loss = null;
        for (LossTerm term : this.terms) {
            SDVariable value;
            switch (term) {
                case ITA: {
                    SDVariable tgt = sd.placeHolder("ita_target", type, -1, -1);
                    value = half(softCe(sd.mmul(v, w, false, true, false).mul(s), tgt),
                            softCe(sd.mmul(w, v, false, true, false).mul(s), tgt));
                    break;
                }
                case CMC:
                case MD: {
                    SDVariable kw = keys("keys_w", type);
                    SDVariable kv = keys("keys_v", type);
                    SDVariable zi = sd.mmul(v, kw, false, true, false).mul(s);
                    SDVariable zt = sd.mmul(w, kv, false, true, false).mul(s);
                    if (term == LossTerm.CMC) {
                        SDVariable tgt = sd.placeHolder("cmc_target", type, -1, -1);
                        value = half(softCe(zi, tgt), softCe(zt, tgt));
                    } else {
                        value = half(softCe(zi, sd.placeHolder("md_i2t", type, -1, -1)),
                                softCe(zt, sd.placeHolder("md_t2i", type, -1, -1)));
                    }
                    break;
                }
                case TPX: {
                    SDVariable zi = sd.mmul(v, w, false, true, false).mul(invTau);
                    value = half(softCe(zi, sd.placeHolder("tpx_i2t", type, -1, -1)),
                            softCe(sd.mmul(w, v, false, true, false).mul(invTau), sd.placeHolder("tpx_t2i", type, -1, -1)))
                            .add(sd.placeHolder("tpx_const", type));
                    break;
                }
                case TPS: {
                    SDVariable eye = sd.placeHolder("eye", type, -1, -1);
                    SDVariable keep = eye.rsub(1.0);
                    SDVariable mask = eye.mul(SELF_MASK * invTau);
                    SDVariable zi = sd.mmul(v, v, false, true, false).mul(invTau).mul(keep).add(mask);
                    SDVariable zt = sd.mmul(w, w, false, true, false).mul(invTau).mul(keep).add(mask);
                    value = half(softCe(zi, sd.placeHolder("tps_i2i", type, -1, -1)),
                            softCe(zt, sd.placeHolder("tps_t2t", type, -1, -1)))
                            .add(sd.placeHolder("tps_const", type));
                    break;
                }
                case LWF:
                    value = half(softCe(vRaw.mul(invTau), sd.placeHolder("lwf_v", type, -1, spec.embedDim)),
                            softCe(wRaw.mul(invTau), sd.placeHolder("lwf_w", type, -1, spec.embedDim)))
                            .add(sd.placeHolder("lwf_const", type));
                    break;
                case LUCIR:
                    value = half(oneMinusCos(h, sd.placeHolder("ref_hv", type, -1, spec.hidden)),
                            oneMinusCos(t, sd.placeHolder("ref_hw", type, -1, tw)));
                    break;
                case MAS:
                    value = vRaw.norm2(1).mean().add(wRaw.norm2(1).mean());
                    break;
                default:
                    throw new IllegalStateException(term.name());
            }
            sd.updateVariableNameAndReference(value, "term_" + term.name().toLowerCase(java.util.Locale.ROOT));
            SDVariable weighted = value.mul(sd.placeHolder(term.weightName(), type));
            loss = loss == null ? weighted : loss.add(weighted);
        }
        sd.updateVariableNameAndReference(loss, "loss");
        sd.setLossVariables("loss");
    }

    private SDVariable keys(String name, DataType type) {
        return sd.hasVariable(name) ? sd.getVariable(name) : sd.placeHolder(name, type, -1, spec.embedDim);
    }

    private SDVariable dense(String name, SDVariable x, int in, int out, DataType type) {
        double b = 1 / Math.sqrt(in);
        SDVariable w = sd.var(name + "_w", Nd4j.rand(type, in, out).muli(2 * b).subi(b));
        SDVariable bias = sd.var(name + "_b", Nd4j.rand(type, 1, out).muli(2 * b).subi(b));
        return x.mmul(w).add(bias);
    }

    /** Plain dense projection to {@code embedDim}, or LUCIR's cosine-normalised one with a learnable σ. */
    private SDVariable projection(String name, SDVariable x, int in, DataType type) {
        if (!spec.cosine) {
            return dense(name, x, in, spec.embedDim, type);
        }
        double b = 1 / Math.sqrt(in);
        // weight rows are the output units ([embedDim, in], PyTorch's layout) so that both operands normalise rows
        SDVariable w = sd.var(name + "_w", Nd4j.rand(type, spec.embedDim, in).muli(2 * b).subi(b));
        SDVariable sigma = sd.var(name + "_sigma", Nd4j.ones(type, 1, 1));
        return sd.mmul(normalise(x), normalise(w), false, true, false).mul(sigma);
    }

    private SDVariable normalise(SDVariable x) {
        return x.div(x.mul(x).sum(true, 1).add(EPS).pow(0.5));
    }

    private SDVariable softCe(SDVariable logits, SDVariable target) {
        // log-softmax written out: SameDiff M2.1's LogSoftMax(dimension) fails when the gradient graph is built
        SDVariable shifted = logits.sub(logits.max(true, 1));
        SDVariable logZ = sd.math().log(sd.math().exp(shifted).sum(true, 1));
        return target.mul(shifted.sub(logZ)).sum(1).mean().neg();
    }

    private static SDVariable half(SDVariable a, SDVariable b) {
        return a.add(b).mul(0.5);
    }

    private SDVariable oneMinusCos(SDVariable a, SDVariable b) {
        return normalise(a).mul(normalise(b)).sum(1).rsub(1.0).mean();
    }

    /** @return the graph (for feeding and gradients) */
    public SameDiff graph() {
        return sd;
    }

    /** @return the tower sizes */
    public Spec spec() {
        return spec;
    }

    /** @return the loss terms of the graph */
    public Set<LossTerm> terms() {
        return Collections.unmodifiableSet(terms);
    }

    /** @return the names of all trainable variables, in a fixed order */
    public List<String> parameterNames() {
        return params;
    }

    /** @return the live parameter arrays by name (updates write into them) */
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String n : params) {
            m.put(n, sd.getArrForVarName(n));
        }
        return m;
    }

    /** @return detached copies of the parameters */
    public Map<String, INDArray> copyParameters() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String n : params) {
            m.put(n, sd.getArrForVarName(n).dup());
        }
        return m;
    }

    /** Overwrites every parameter with the given values (same names and shapes). */
    public void setParameters(Map<String, INDArray> values) {
        for (String n : params) {
            INDArray v = values.get(n);
            if (v == null) {
                throw new IllegalArgumentException("no value for parameter " + n);
            }
            sd.getArrForVarName(n).assign(v);
        }
    }

    /** @return exp(logit_scale), the contrastive inverse temperature */
    public double logitScale() {
        return Math.exp(sd.getArrForVarName("logit_scale").getDouble(0));
    }

    /**
     * @param images [N, pixels]
     * @param text   [N, textDim] frozen sentence embeddings
     * @return {@code v}, {@code w}, {@code v_raw}, {@code w_raw}, {@code img_hidden}, {@code txt_hidden}
     */
    public Map<String, INDArray> features(INDArray images, INDArray text) {
        DataType type = sd.getVariable("img").dataType();
        return sd.output(Map.of("img", images.castTo(type), "txt", text.castTo(type)),
                "v", "w", "v_raw", "w_raw", "img_hidden", "txt_hidden");
    }

    /** @return row-wise softmax of {@code logits} (a new array) */
    public static INDArray softmaxRows(INDArray logits) {
        INDArray z = logits.sub(logits.max(true, 1));
        Transforms.exp(z, false);
        return z.diviColumnVector(z.sum(true, 1));
    }

    /**
     * The reference distribution of a topology term: softmax over rows of {@code a bᵀ / τ}, with the diagonal
     * replaced by {@link #SELF_MASK} first when {@code maskSelf}.
     */
    public static INDArray similarityTargets(INDArray a, INDArray b, double tau, boolean maskSelf) {
        INDArray s = a.mmul(b.transpose());
        if (maskSelf) {
            for (int i = 0; i < Math.min(s.rows(), s.columns()); i++) {
                s.putScalar(i, i, SELF_MASK);
            }
        }
        return softmaxRows(s.divi(tau));
    }

    /** @return {@code mean_i Σ_j P_ij log P_ij} with 0 log 0 = 0 */
    public static double sumPLogP(INDArray p) {
        double[] v = p.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double sum = 0;
        for (double x : v) {
            if (x > 0) {
                sum += x * Math.log(x);
            }
        }
        return sum / p.rows();
    }
}
