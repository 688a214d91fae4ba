package io.github.dl4jcontinual.zoo.l2p;

import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDVertexParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffVertex;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;

import java.util.Map;
import java.util.Objects;

/**
 * The prompt side of a prompt pool: a DL4J graph vertex (SameDiff) with two inputs, the token sequence
 * {@code tokens} (in {@link TokenFormat} {@code format}) and a {@link PromptKeySelection}'s output, and one
 * parameter, the pool {@code prompts [M, Lp·D]} (M prompts of Lp tokens of width D). Its output is the token
 * sequence with the N selected prompts prepended, best first: {@code N·Lp + T} tokens in the same format. The
 * gradient reaches the selected prompts and the tokens; the selection is not differentiated.
 */
public class PromptPrepend extends SameDiffVertex {
    /** Prompt parameter {@code [M, Lp·D]}. */
    public static final String PROMPTS = "prompts";
    private static final String TOKENS = "tokens";
    private static final String SELECTION = "selection";

    private TokenFormat format = TokenFormat.RNN;
    private int poolSize;
    private int topN;
    private int promptLength;
    private int width;
    private int numTokens;

    /** For Jackson. */
    protected PromptPrepend() {
    }

    /**
     * @param format       the token layout
     * @param poolSize     M
     * @param topN         N, at most M
     * @param promptLength Lp
     * @param width        D, the token width
     * @param numTokens    T, the input's tokens (needed for {@link TokenFormat#FLAT}; -1 if unknown for RNN)
     * @param updater      the prompts' updater (null: the network's default)
     */
    public PromptPrepend(TokenFormat format, int poolSize, int topN, int promptLength, int width, int numTokens,
                         IUpdater updater) {
        this.format = Objects.requireNonNull(format, "format");
        this.poolSize = SameDiffOutputs.positive("poolSize", poolSize);
        this.topN = SameDiffOutputs.positive("topN", topN);
        this.promptLength = SameDiffOutputs.positive("promptLength", promptLength);
        this.width = SameDiffOutputs.positive("width", width);
        if (topN > poolSize) {
            throw new IllegalArgumentException("topN " + topN + " is larger than the pool size " + poolSize);
        }
        if (format == TokenFormat.FLAT && numTokens < 1) {
            throw new IllegalArgumentException("numTokens should be >= 1 for the FLAT layout (got: " + numTokens
                    + ")");
        }
        this.numTokens = numTokens;
        this.updater = updater;
    }

    /** @return the prompt tokens this vertex prepends, N·Lp */
    public int promptTokens() {
        return topN * promptLength;
    }

    @Override
    public SDVariable defineVertex(SameDiff sd, Map<String, SDVariable> in, Map<String, SDVariable> params,
                                   Map<String, SDVariable> masks) {
        SDVariable sel = in.get(SELECTION).get(SDIndex.all(), SDIndex.interval(0, topN * poolSize));
        SDVariable chosen = sel.reshape(-1, poolSize).mmul(params.get(PROMPTS))
                .reshape(-1, (long) promptTokens(), width);                                    // [mb, N*Lp, D]
        SDVariable tokens = in.get(TOKENS);
        SDVariable out;
        if (format == TokenFormat.FLAT) {
            out = sd.concat(1, chosen, tokens.reshape(-1, numTokens, width))
                    .reshape(-1, (long) (promptTokens() + numTokens) * width);
        } else {
            out = sd.concat(2, chosen.permute(0, 2, 1), tokens);
        }
        return SameDiffOutputs.output(sd, out);
    }

    @Override
    public void defineParametersAndInputs(SDVertexParams params) {
        params.clear();
        params.defineInputs(TOKENS, SELECTION);
        params.addWeightParam(PROMPTS, poolSize, (long) promptLength * width);
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        INDArray p = params.get(PROMPTS);
        p.assign(Nd4j.rand(p.dataType(), p.shape()).muli(2).subi(1));
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType... inputs) {
        if (format == TokenFormat.FLAT) {
            return InputType.feedForward((long) (promptTokens() + numTokens) * width);
        }
        InputType t = inputs.length > 0 ? inputs[0] : null;
        if (t instanceof InputType.InputTypeRecurrent && ((InputType.InputTypeRecurrent) t).getTimeSeriesLength() > 0) {
            return InputType.recurrent(width, ((InputType.InputTypeRecurrent) t).getTimeSeriesLength()
                    + promptTokens());
        }
        return InputType.recurrent(width);
    }

    @Override
    public GraphVertex clone() {
        PromptPrepend c = new PromptPrepend(format, poolSize, topN, promptLength, width,
                format == TokenFormat.FLAT ? numTokens : Math.max(numTokens, -1), updater == null ? null
                : updater.clone());
        c.regularization = regularization;
        c.regularizationBias = regularizationBias;
        c.dataType = dataType;
        return c;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof PromptPrepend)) {
            return false;
        }
        PromptPrepend p = (PromptPrepend) o;
        return format == p.format && poolSize == p.poolSize && topN == p.topN && promptLength == p.promptLength
                && width == p.width && numTokens == p.numTokens && Objects.equals(updater, p.updater);
    }

    @Override
    public int hashCode() {
        return Objects.hash(format, poolSize, topN, promptLength, width, numTokens);
    }

    // ---- JSON accessors
    public TokenFormat getFormat() { return format; }
    public void setFormat(TokenFormat format) { this.format = format; }
    public int getPoolSize() { return poolSize; }
    public void setPoolSize(int poolSize) { this.poolSize = poolSize; }
    public int getTopN() { return topN; }
    public void setTopN(int topN) { this.topN = topN; }
    public int getPromptLength() { return promptLength; }
    public void setPromptLength(int promptLength) { this.promptLength = promptLength; }
    public int getWidth() { return width; }
    public void setWidth(int width) { this.width = width; }
    public int getNumTokens() { return numTokens; }
    public void setNumTokens(int numTokens) { this.numTokens = numTokens; }
}
