package io.github.dl4jcontinual.zoo.l2p;

import io.github.dl4jcontinual.zoo.transformer.TransformerOps;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.List;
import java.util.Map;

/**
 * The key side of a prompt pool: a DL4J layer (SameDiff) whose input is the query {@code q [mb, Dq]} (the frozen
 * network's pooled feature) and whose parameters are the pool's keys {@code keys [M, Dq]} and the selection
 * frequencies {@code frequency [1, M]} (set by the plugin, never trained: NoOp updater, no regularisation, zero
 * gradient). For every example it ranks the M prompts by {@code (1 − cos(q, key_m)) · frequency_m}, ties broken by
 * the larger cosine, then by the smaller index (with all frequencies 0, as at test time, this is the plain
 * "largest cosine first"), and outputs {@code [mb, N·M + 1]}: the one-hot selection of the N best prompts, best
 * first ({@code [mb, N, M]} flattened), and in the last column the key-matching distance
 * {@code Σ_selected (1 − cos(q, key))} that a {@link KeyMatchingLoss} turns into the surrogate loss (the only term
 * that trains the keys; the selection itself has no gradient).
 */
public class PromptKeySelection extends SameDiffLayer {
    /** Key parameter {@code [M, Dq]}. */
    public static final String KEYS = "keys";
    /** Frequency parameter {@code [1, M]} (not trained). */
    public static final String FREQUENCY = "frequency";

    private int poolSize;
    private int topN;
    private int queryWidth;

    /** For Jackson. */
    protected PromptKeySelection() {
    }

    private PromptKeySelection(Builder b) {
        super(b);
        this.poolSize = SameDiffOutputs.positive("poolSize", b.poolSize);
        this.topN = SameDiffOutputs.positive("topN", b.topN);
        this.queryWidth = SameDiffOutputs.positive("queryWidth", b.queryWidth);
        if (topN > poolSize) {
            throw new IllegalArgumentException("topN " + topN + " is larger than the pool size " + poolSize);
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable q, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable keys = p.get(KEYS);
        SDVariable h = p.get(FREQUENCY);
        DataType t = keys.dataType();
        int m = poolSize;
        SDVariable cos = TransformerOps.unitRows(sd, q, queryWidth)
                .mmul(TransformerOps.unitRows(sd, keys, queryWidth).permute(1, 0));            // [mb, M]
        SDVariable dist = cos.rsub(1.0);
        SDVariable score = dist.mul(h);                                                        // [mb, M]
        // before[b, m, j] = 1 if prompt j ranks before prompt m
        SDVariable sj = sd.expandDims(score, 1);
        SDVariable sm = sd.expandDims(score, 2);
        SDVariable cj = sd.expandDims(cos, 1);
        SDVariable cm = sd.expandDims(cos, 2);
        INDArray lower = Nd4j.zeros(t, 1, m, m);
        for (int a = 0; a < m; a++) {
            for (int j = 0; j < a; j++) {
                lower.putScalar(new long[]{0, a, j}, 1.0);
            }
        }
        SDVariable less = sd.lt(sj, sm).castTo(t);
        SDVariable same = sd.eq(sj, sm).castTo(t);
        SDVariable nearer = sd.gt(cj, cm).castTo(t);
        SDVariable sameCos = sd.eq(cj, cm).castTo(t);
        SDVariable before = less.add(same.mul(nearer.add(sameCos.mul(sd.constant(lower)))));
        SDVariable rank = sd.expandDims(before.sum(2), 1);                                     // [mb, 1, M]
        INDArray ks = Nd4j.zeros(t, 1, topN, 1);
        for (int k = 0; k < topN; k++) {
            ks.putScalar(new long[]{0, k, 0}, k);
        }
        SDVariable oneHot = sd.nn().relu(sd.math().abs(rank.sub(sd.constant(ks))).rsub(1.0), 0); // [mb, N, M]
        SDVariable pull = oneHot.sum(1).mul(dist).sum(true, 1)                                 // [mb, 1]
                .add(h.sum().mul(0.0));                                                        // defined 0 gradient
        SDVariable out = sd.concat(1, oneHot.reshape(-1, (long) topN * m), pull);
        return SameDiffOutputs.output(sd, out);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        params.addWeightParam(KEYS, poolSize, queryWidth);
        params.addBiasParam(FREQUENCY, 1, poolSize);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        params.get(KEYS).assign(Nd4j.rand(params.get(KEYS).dataType(), poolSize, queryWidth).muli(2).subi(1));
        params.get(FREQUENCY).assign(0.0);
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return FREQUENCY.equals(paramName) ? new NoOp() : super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return FREQUENCY.equals(paramName) ? List.of() : super.getRegularizationByParam(paramName);
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward((long) topN * poolSize + 1);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (!(inputType instanceof InputType.InputTypeFeedForward)
                || ((InputType.InputTypeFeedForward) inputType).getSize() != queryWidth) {
            throw new IllegalArgumentException("PromptKeySelection expects queries [mb, " + queryWidth
                    + "] (got input type " + inputType + ")");
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    // ---- JSON accessors
    public int getPoolSize() { return poolSize; }
    public void setPoolSize(int poolSize) { this.poolSize = poolSize; }
    public int getTopN() { return topN; }
    public void setTopN(int topN) { this.topN = topN; }
    public int getQueryWidth() { return queryWidth; }
    public void setQueryWidth(int queryWidth) { this.queryWidth = queryWidth; }

    /** Builder; pool size, N and the query width are required. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int poolSize;
        private int topN;
        private int queryWidth;

        /** @param m pool size M @return this builder */
        public Builder poolSize(int m) {
            this.poolSize = m;
            return this;
        }

        /** @param n prompts selected per example N (at most M) @return this builder */
        public Builder topN(int n) {
            this.topN = n;
            return this;
        }

        /** @param d query (and key) width Dq @return this builder */
        public Builder queryWidth(int d) {
            this.queryWidth = d;
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public PromptKeySelection build() {
            return new PromptKeySelection(this);
        }
    }
}
