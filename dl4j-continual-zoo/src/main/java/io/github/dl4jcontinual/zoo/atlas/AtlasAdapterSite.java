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
 * One ATLAS insertion site (methods.md §4.2, "adapter-whole-weighted"): a bank of n adapters over the sub-layer
 * output u {@code [N*T, D]}, each with a learnable query {@code q_i [1, D]} and key {@code k_i [1, D]}:
 * <pre>
 *   a_i   = Φ_i(u) = u + W2_i silu(W1_i u + b1_i) + b2_i                          (bottleneck r)
 *   c_i   = per sample, H-head attention without projections of q_i over [q_i ; a_i's T tokens],
 *           scores scaled by 1/√D (the full width)                                 [N, D]
 *   α_i   = (1 + cos(c_i, k_i)) / 2 ∈ [0, 1]                                       [N, 1]
 *   out   = Σ_i α_i · a_i                                                          [N*T, D]
 * </pre>
 * All parameters are SameDiff variables named {@code <name>_<i>_{w1,b1,w2,b2,query,key}}; which of them train
 * (stage 1: new queries; stage 2: the new adapter, its query and key) is the caller's choice of variables to update.
 * {@link #orthogonality} is the regulariser {@code mean((T Tᵀ − I)²) / (n·D)} applied to the stacked queries or
 * keys. This class only builds graph pieces; {@link AtlasLearner} places them in the towers and trains them.
 */
public final class AtlasAdapterSite {
    private final String name;
    private final int width;
    private final int tokens;
    private final int heads;
    private final List<SDVariable> queries = new ArrayList<>();
    private final List<SDVariable> keys = new ArrayList<>();
    private final List<String> adapterVariables = new ArrayList<>();
    private final List<SDVariable> alphas = new ArrayList<>();
    private final SDVariable output;

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
     */
    public AtlasAdapterSite(SameDiff sd, String name, SDVariable u, int tokens, int width, int adapters,
                            int bottleneck, int heads) {
        if (tokens <= 0 || width <= 0 || adapters <= 0 || bottleneck <= 0 || heads <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("Site " + name + ": tokens, width, adapters, bottleneck and heads "
                    + "should be > 0 and heads should divide width (got: " + tokens + ", " + width + ", " + adapters
                    + ", " + bottleneck + ", " + heads + ")");
        }
        this.name = name;
        this.width = width;
        this.tokens = tokens;
        this.heads = heads;
        DataType type = u.dataType();
        SDVariable out = null;
        for (int i = 0; i < adapters; i++) {
            String p = name + "_" + i + "_";
            SDVariable w1 = sd.var(p + "w1", Nd4j.randn(type, width, bottleneck).muli(0.02));
            SDVariable b1 = sd.var(p + "b1", Nd4j.zeros(type, 1, bottleneck));
            SDVariable w2 = sd.var(p + "w2", Nd4j.zeros(type, bottleneck, width));
            SDVariable b2 = sd.var(p + "b2", Nd4j.zeros(type, 1, width));
            SDVariable q = sd.var(p + "query", Nd4j.randn(type, 1, width));
            SDVariable k = sd.var(p + "key", Nd4j.randn(type, 1, width));
            Collections.addAll(adapterVariables, w1.name(), b1.name(), w2.name(), b2.name());
            queries.add(q);
            keys.add(k);
            SDVariable h = u.mmul(w1).add(b1);
            SDVariable a = u.add(h.mul(sd.nn().sigmoid(h)).mmul(w2).add(b2));
            SDVariable al = alpha(sd, q, k, a);
            alphas.add(al);
            SDVariable weighted = a.reshape(-1, tokens, width).mul(al.reshape(-1, 1, 1)).reshape(-1, width);
            out = out == null ? weighted : out.add(weighted);
        }
        this.output = out;
    }

    /** α = (1 + cos(c, k)) / 2 per sample, {@code [N, 1]}, c the projection-free attention of q over [q ; a]. */
    private SDVariable alpha(SameDiff sd, SDVariable q, SDVariable k, SDVariable a) {
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
        return cos.add(1.0).mul(0.5);
    }

    /** The site output {@code Σ α_i Φ_i(u)}, {@code [N*T, D]}. */
    public SDVariable output() {
        return output;
    }

    /** The queries {@code [1, D]} in adapter order. */
    public List<SDVariable> queries() {
        return Collections.unmodifiableList(queries);
    }

    /** The keys {@code [1, D]} in adapter order. */
    public List<SDVariable> keys() {
        return Collections.unmodifiableList(keys);
    }

    /** Names of the adapters' own weights (w1, b1, w2, b2 of each adapter, in order). */
    public List<String> adapterVariables() {
        return Collections.unmodifiableList(adapterVariables);
    }

    /** The site's name prefix. */
    public String name() {
        return name;
    }

    /** The per-sample weights α_i {@code [N, 1]} in adapter order (graph variables, for inspection). */
    public List<SDVariable> alphas() {
        return Collections.unmodifiableList(alphas);
    }

    /**
     * ortho(T) = mean((T Tᵀ − I)²) / (n·D) of the stacked rows {@code [n, D]}.
     */
    public static SDVariable orthogonality(SameDiff sd, List<SDVariable> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("orthogonality needs at least one row");
        }
        SDVariable t = rows.size() == 1 ? rows.get(0) : sd.concat(0, rows.toArray(new SDVariable[0]));
        long n = rows.size();
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
