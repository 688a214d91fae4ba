package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.zoo.transformer.TransformerOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One ATLAS insertion site (docs/prompts-adapters.md): a bank of n adapters over the sub-layer output u {@code [N*T, D]},
 * each with a learnable query {@code q_i} and key {@code k_i}. "adapter-whole-weighted"
 * ({@link AtlasConfiguration.Weighting#WHOLE}, queries and keys {@code [1, D]}):
 * <pre>
 *   a_i   = Φ_i(u) = u + W2_i silu(W1_i u + b1_i) + b2_i                          (bottleneck r)
 *   c_i   = per sample, H-head attention without projections of q_i over [q_i ; a_i's T tokens],
 *           scores scaled by 1/√D (the full width)                                 [N, D]
 *   α_i   = (1 + cos(c_i, k_i)) / 2 ∈ [0, 1]                                       [N, 1]
 *   out   = Σ_i α_i · a_i                                                          [N*T, D]
 * </pre>
 * "adapter-dimension-weighted" ({@link AtlasConfiguration.Weighting#DIMENSION}, queries and keys of S slots
 * {@code [S, D]}): each slot attends in the same way over {@code [q_i's S slots ; a_i's T tokens]}, so c_i is
 * {@code [N, S, D]}; with ĉ_i and k̂_i L2-normalised along the slot axis,
 * {@code α_i[b, d] = (1 + Σ_s ĉ_i[b, s, d] k̂_i[s, d]) / 2 ∈ [0, 1]} ({@code [N, D]}), a per-channel gate, and
 * {@code out[b, t, d] = Σ_i α_i[b, d] a_i[b, t, d]}.
 * All parameters are SameDiff variables named {@code <name>_<i>_{w1,b1,w2,b2,query,key}}; which of them train
 * (stage 1: new queries; stage 2: the new adapter, its query and key) is the caller's choice of variables to update.
 * {@link #orthogonality} is the regulariser {@code mean((T Tᵀ − I)²) / (n·D)} applied to the stacked queries or
 * keys. This class only builds graph pieces (tests and inspection); {@link AtlasAdapterLayer} is the DL4J layer built from the
 * same pieces that {@link AtlasPlugin} inserts into a network.
 */
public final class AtlasAdapterSite {
    private final String name;
    private final int width;
    private final int tokens;
    private final int heads;
    private final AtlasConfiguration.Weighting weighting;
    private final int slots;
    private final List<SDVariable> queries = new ArrayList<>();
    private final List<SDVariable> keys = new ArrayList<>();
    private final List<String> adapterVariables = new ArrayList<>();
    private final List<SDVariable> alphas = new ArrayList<>();
    private final List<SDVariable> contexts = new ArrayList<>();
    private final SDVariable output;

    /**
     * A whole-weighted site: {@link #AtlasAdapterSite(SameDiff, String, SDVariable, int, int, int, int, int,
     * AtlasConfiguration.Weighting, int)} with {@code WHOLE} and one slot.
     */
    public AtlasAdapterSite(SameDiff sd, String name, SDVariable u, int tokens, int width, int adapters,
                            int bottleneck, int heads) {
        this(sd, name, u, tokens, width, adapters, bottleneck, heads, AtlasConfiguration.Weighting.WHOLE, 1);
    }

    /**
     * Creates the site's variables (global ND4J random stream: weights N(0, 0.02²), second linear 0, queries and
     * keys N(0, 1)) and its output.
     *
     * @param sd         the graph
     * @param name       unique prefix of the variables
     * @param u          sub-layer output {@code [N*T, D]}
     * @param tokens     T
     * @param width      D
     * @param adapters   n ≥ 1
     * @param bottleneck r
     * @param heads      attention heads of the query attention (divides D)
     * @param weighting  whole-adapter or per-dimension gates
     * @param slots      S, the rows of a query and a key (must be 1 for WHOLE)
     */
    public AtlasAdapterSite(SameDiff sd, String name, SDVariable u, int tokens, int width, int adapters,
                            int bottleneck, int heads, AtlasConfiguration.Weighting weighting, int slots) {
        if (tokens <= 0 || width <= 0 || adapters <= 0 || bottleneck <= 0 || heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("Site " + name + ": tokens, width, adapters, bottleneck and heads "
                    + "should be > 0 and heads should divide width (got: " + tokens + ", " + width + ", " + adapters
                    + ", " + bottleneck + ", " + heads + ")");
        }
        java.util.Objects.requireNonNull(weighting, "weighting");
        if (slots <= 0 || weighting == AtlasConfiguration.Weighting.WHOLE && slots != 1) {
            throw new IllegalArgumentException("Site " + name + ": slots should be 1 for WHOLE weighting and > 0 for "
                    + "DIMENSION weighting (got: " + slots + " with " + weighting + ")");
        }
        this.name = name;
        this.width = width;
        this.tokens = tokens;
        this.heads = heads;
        this.weighting = weighting;
        this.slots = slots;
        DataType type = u.dataType();
        SDVariable out = null;
        for (int i = 0; i < adapters; i++) {
            String p = name + "_" + i + "_";
            SDVariable w1 = sd.var(p + "w1", Nd4j.randn(type, width, bottleneck).muli(0.02));
            SDVariable b1 = sd.var(p + "b1", Nd4j.zeros(type, 1, bottleneck));
            SDVariable w2 = sd.var(p + "w2", Nd4j.zeros(type, bottleneck, width));
            SDVariable b2 = sd.var(p + "b2", Nd4j.zeros(type, 1, width));
            SDVariable q = sd.var(p + "query", Nd4j.randn(type, slots, width));
            SDVariable k = sd.var(p + "key", Nd4j.randn(type, slots, width));
            Collections.addAll(adapterVariables, w1.name(), b1.name(), w2.name(), b2.name());
            queries.add(q);
            keys.add(k);
            SDVariable a = adapter(sd, u, w1, b1, w2, b2);
            SDVariable weighted;
            if (weighting == AtlasConfiguration.Weighting.WHOLE) {
                SDVariable al = alpha(sd, q, k, a);
                alphas.add(al);
                weighted = a.reshape(-1, tokens, width).mul(al.reshape(-1, 1, 1)).reshape(-1, width);
            } else {
                SDVariable al = dimensionAlpha(sd, q, k, a);
                alphas.add(al);
                weighted = a.reshape(-1, tokens, width).mul(al.reshape(-1, 1, width)).reshape(-1, width);
            }
            out = out == null ? weighted : out.add(weighted);
        }
        this.output = out;
    }

    /** α = (1 + cos(c, k)) / 2 per sample, {@code [N, 1]}, c the projection-free attention of q over [q ; a]. */
    private SDVariable alpha(SameDiff sd, SDVariable q, SDVariable k, SDVariable a) {
        SDVariable[] r = wholeAlpha(sd, q, k, a, tokens, width, heads);
        contexts.add(r[1]);
        return r[0];
    }

    private SDVariable dimensionAlpha(SameDiff sd, SDVariable q, SDVariable k, SDVariable a) {
        SDVariable[] r = dimensionAlpha(sd, q, k, a, tokens, width, heads, slots);
        contexts.add(r[1]);
        return r[0];
    }

    /** One bottleneck adapter {@code u + W2 silu(W1 u + b1) + b2} on rows {@code [M, D]}. */
    static SDVariable adapter(SameDiff sd, SDVariable u, SDVariable w1, SDVariable b1, SDVariable w2, SDVariable b2) {
        SDVariable h = u.mmul(w1).add(b1);
        return u.add(h.mul(sd.nn().sigmoid(h)).mmul(w2).add(b2));
    }

    /**
     * Whole-adapter gate: {α [N, 1], c [N, D]}, α = (1 + cos(c, k)) / 2, c the projection-free H-head attention of
     * q {@code [1, D]} over [q ; a's T tokens] scaled by 1/√D; a is {@code [N*T, D]}.
     */
    static SDVariable[] wholeAlpha(SameDiff sd, SDVariable q, SDVariable k, SDVariable a, int tokens, int width,
                                   int heads) {
        int dh = width / heads;
        SDVariable kv = sd.concat(1, sd.onesLike(a.reshape(-1, tokens, width).get(
                        org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.interval(0, 1),
                        org.nd4j.autodiff.samediff.SDIndex.all())).mul(q.reshape(1, 1, width)),
                a.reshape(-1, tokens, width));                                                     // [N, T+1, D]
        SDVariable kvh = kv.reshape(-1, tokens + 1, heads, dh).permute(0, 2, 1, 3);               // [N, H, T+1, dh]
        SDVariable qh = q.reshape(1, heads, 1, dh);                                               // [1, H, 1, dh]
        SDVariable scores = kvh.mul(qh).sum(true, 3).mul(1.0 / Math.sqrt(width));                 // [N, H, T+1, 1]
        SDVariable w = sd.nn().softmax(scores, 2);
        SDVariable c = kvh.mul(w).sum(2).reshape(-1, width);                                      // [N, D]
        SDVariable cos = TransformerOps.unitRows(sd, c, width).mmul(TransformerOps.unitRows(sd, k, width).permute(1, 0));
        return new SDVariable[]{cos.add(1.0).mul(0.5), c};
    }

    /**
     * Per-channel gate: {α [N, D], c [N, S, D]}, α = (1 + Σ_s ĉ k̂) / 2: the S query slots attend over [q's slots ;
     * a's tokens] (projection-free, H heads, scaled by 1/√D), ĉ and k̂ {@code [S, D]} unit along the slots.
     */
    static SDVariable[] dimensionAlpha(SameDiff sd, SDVariable q, SDVariable k, SDVariable a, int tokens, int width,
                                       int heads, int s) {
        int dh = width / heads;
        SDVariable a3 = a.reshape(-1, tokens, width);                                              // [N, T, D]
        SDVariable ones = sd.onesLike(a3.get(org.nd4j.autodiff.samediff.SDIndex.all(),
                org.nd4j.autodiff.samediff.SDIndex.point(0), org.nd4j.autodiff.samediff.SDIndex.interval(0, 1)));
        SDVariable qs = ones.mmul(q.reshape(1, (long) s * width)).reshape(-1, s, width);           // [N, S, D]
        SDVariable kv = sd.concat(1, qs, a3);                                                      // [N, S+T, D]
        SDVariable kvh = TransformerOps.splitHeads(kv.reshape(-1, width), s + tokens, heads, dh);  // [N*H, S+T, dh]
        SDVariable qh = TransformerOps.splitHeads(qs.reshape(-1, width), s, heads, dh);            // [N*H, S, dh]
        SDVariable scores = sd.mmul(qh.mul(1.0 / Math.sqrt(width)), kvh, false, true, false);      // [N*H, S, S+T]
        SDVariable c = TransformerOps.mergeHeads(sd.mmul(sd.nn().softmax(scores, 2), kvh), s, heads, dh); // [N*S, D]
        SDVariable cUnit = TransformerOps.unitRows(sd, c.reshape(-1, s, width).permute(0, 2, 1).reshape(-1, s), s)
                .reshape(-1, width, s);                                                            // [N, D, S]
        SDVariable kUnit = TransformerOps.unitRows(sd, k.permute(1, 0), s).reshape(1, width, s);  // [1, D, S]
        return new SDVariable[]{cUnit.mul(kUnit).sum(2).add(1.0).mul(0.5), c.reshape(-1, s, width)};  // [N, D]
    }

    /** The site output {@code Σ α_i Φ_i(u)}, {@code [N*T, D]}. */
    public SDVariable output() {
        return output;
    }

    /** The weighting of this site. */
    public AtlasConfiguration.Weighting weighting() {
        return weighting;
    }

    /** The queries {@code [S, D]} (S = 1 for whole weighting) in adapter order. */
    public List<SDVariable> queries() {
        return Collections.unmodifiableList(queries);
    }

    /** The keys {@code [S, D]} (S = 1 for whole weighting) in adapter order. */
    public List<SDVariable> keys() {
        return Collections.unmodifiableList(keys);
    }

    /** Names of the adapters' own weights (w1, b1, w2, b2 of each adapter, in order). */
    public List<String> adapterVariables() {
        return Collections.unmodifiableList(adapterVariables);
    }

    /**
     * The query attention's outputs c_i in adapter order (graph variables, for inspection): {@code [N, D]} (whole)
     * or {@code [N, S, D]} (dimension).
     */
    public List<SDVariable> contexts() {
        return Collections.unmodifiableList(contexts);
    }

    /** The site's name prefix. */
    public String name() {
        return name;
    }

    /**
     * The weights α_i in adapter order (graph variables, for inspection): {@code [N, 1]} per sample (whole) or
     * {@code [N, D]} per sample and channel (dimension).
     */
    public List<SDVariable> alphas() {
        return Collections.unmodifiableList(alphas);
    }

    /**
     * ortho(T) = mean((T Tᵀ − I)²) / (n·D) of the stacked rows {@code [n, D]} (n counts every row: the S slots
     * of each per-dimension query or key are rows).
     */
    public static SDVariable orthogonality(SameDiff sd, List<SDVariable> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("orthogonality needs at least one row");
        }
        SDVariable t = rows.size() == 1 ? rows.get(0) : sd.concat(0, rows.toArray(new SDVariable[0]));
        long n = 0;
        for (SDVariable r : rows) {
            n += r.getShape()[0];
        }
        long d = rows.get(0).getShape()[1];
        SDVariable g = t.mmul(t.permute(1, 0)).sub(sd.constant(Nd4j.eye(n).castTo(t.dataType())));
        return g.mul(g).mean().div((double) (n * d));
    }

    /** The same regulariser on arrays (for tests and reporting). */
    public static double orthogonality(INDArray rows) {
        INDArray g = rows.mmul(rows.transpose()).subi(Nd4j.eye(rows.rows()).castTo(rows.dataType()));
        return g.mul(g).meanNumber().doubleValue() / ((double) rows.rows() * rows.columns());
    }
}
