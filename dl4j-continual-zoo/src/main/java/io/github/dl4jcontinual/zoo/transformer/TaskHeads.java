package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Map;

/**
 * One classifier head per task, {@code LayerNorm(D) → Linear(D → C_τ)}, outputs concatenated in task order into
 * logits {@code [mb, ΣC_τ]} (DyTox/DAFormer's {@code ind_clf: 1-1}). With {@code sharedInput} every head reads
 * the same embedding {@code [mb, D]} (DAFormer-S); otherwise head τ reads columns {@code [τ*D, (τ+1)*D)} of
 * {@code [mb, K*D]} (DAFormer-M: task τ's embedding). Parameters per head: {@code g<τ>, b<τ>, W<τ>, c<τ>}.
 * Activation is identity: put a softmax loss layer on top.
 *
 * <p>With {@code headClasses} (one array of class ids per head, disjoint) the logits are placed in a fixed-width
 * output over {@code numOutputs} classes instead: head τ's j-th logit goes to column {@code headClasses[τ][j]}
 * and every column no head owns holds the constant {@link #UNASSIGNED_LOGIT} (so that a softmax over the row is
 * the softmax over the heads' classes: {@code exp(−10⁴)} is 0 in float and double). This is how a continual
 * trainer with a fixed head of one output per class of the scenario sees DAFormer's growing set of heads.</p>
 */
public class TaskHeads extends SameDiffLayer {
    private int embedDim;
    private int[] classesPerHead;
    private boolean sharedInput;
    private int numOutputs;
    private int[][] headClasses;

    /** The logit of a column no head owns (with {@code headClasses}). */
    public static final double UNASSIGNED_LOGIT = -1e4;

    /** For JSON. */
    public TaskHeads() {
    }

    private TaskHeads(Builder b) {
        super(b);
        this.embedDim = TransformerOps.positive("embedDim", b.embedDim);
        if (b.classes == null || b.classes.length == 0) {
            throw new IllegalArgumentException("TaskHeads needs at least one head (classesPerHead is empty)");
        }
        for (int c : b.classes) {
            if (c <= 0) {
                throw new IllegalArgumentException("every head needs > 0 classes (got: " + Arrays.toString(b.classes)
                        + ")");
            }
        }
        this.classesPerHead = b.classes.clone();
        this.sharedInput = b.sharedInput;
        if (b.headClasses != null) {
            if (b.headClasses.length != classesPerHead.length) {
                throw new IllegalArgumentException("headClasses has " + b.headClasses.length + " arrays but there are "
                        + classesPerHead.length + " heads");
            }
            boolean[] used = new boolean[Math.max(0, b.numOutputs)];
            for (int t = 0; t < classesPerHead.length; t++) {
                if (b.headClasses[t].length != classesPerHead[t]) {
                    throw new IllegalArgumentException("head " + t + " has " + classesPerHead[t] + " classes but "
                            + "headClasses[" + t + "] names " + Arrays.toString(b.headClasses[t]));
                }
                for (int c : b.headClasses[t]) {
                    if (c < 0 || c >= b.numOutputs || used[c]) {
                        throw new IllegalArgumentException("class " + c + " of head " + t + " is outside [0, "
                                + b.numOutputs + ") or owned by two heads");
                    }
                    used[c] = true;
                }
            }
            this.numOutputs = b.numOutputs;
            this.headClasses = new int[b.headClasses.length][];
            for (int t = 0; t < b.headClasses.length; t++) {
                this.headClasses[t] = b.headClasses[t].clone();
            }
        }
    }

    /** @return total logits ΣC_τ */
    public int totalClasses() {
        return Arrays.stream(classesPerHead).sum();
    }

    /** @return the output width: {@code numOutputs} with {@code headClasses}, otherwise ΣC_τ */
    public int outputWidth() {
        return headClasses == null ? totalClasses() : numOutputs;
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable[] outs = new SDVariable[classesPerHead.length];
        for (int t = 0; t < classesPerHead.length; t++) {
            SDVariable e = sharedInput ? in : in.get(SDIndex.all(), SDIndex.interval((long) t * embedDim,
                    (long) (t + 1) * embedDim));
            SDVariable n = TransformerOps.layerNorm(sd, e, p.get("g" + t), p.get("b" + t));
            outs[t] = n.mmul(p.get("W" + t)).add(p.get("c" + t));
        }
        if (headClasses == null) {
            return TransformerOps.layerOutput(sd, outs.length == 1 ? outs[0] : sd.concat(1, outs));
        }
        // placement: logits_τ [mb, C_τ] x P_τ [C_τ, N] (0/1), plus the constant row of the unowned columns
        INDArray fill = Nd4j.valueArrayOf(new long[]{1, numOutputs}, UNASSIGNED_LOGIT).castTo(in.dataType());
        SDVariable placed = null;
        for (int t = 0; t < outs.length; t++) {
            INDArray pl = Nd4j.zeros(in.dataType(), classesPerHead[t], numOutputs);
            for (int j = 0; j < classesPerHead[t]; j++) {
                pl.putScalar(j, headClasses[t][j], 1.0);
                fill.putScalar(0, headClasses[t][j], 0.0);
            }
            SDVariable o = outs[t].mmul(sd.constant(pl));
            placed = placed == null ? o : placed.add(o);
        }
        return TransformerOps.layerOutput(sd, placed.add(sd.constant(fill)));
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        for (int t = 0; t < classesPerHead.length; t++) {
            params.addBiasParam("g" + t, 1, embedDim);
            params.addBiasParam("b" + t, 1, embedDim);
            params.addWeightParam("W" + t, embedDim, classesPerHead[t]);
            params.addBiasParam("c" + t, 1, classesPerHead[t]);
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            char kind = e.getKey().charAt(0);
            if (kind == 'g') {
                e.getValue().assign(1.0);
            } else if (kind == 'W') {
                TransformerOps.normal(e.getValue());
            } else {
                e.getValue().assign(0.0);
            }
        }
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(outputWidth());
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        TransformerOps.checkTokens("TaskHeads", inputType,
                sharedInput ? embedDim : (long) classesPerHead.length * embedDim);
    }

    @Override
    public org.deeplearning4j.nn.conf.InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    // ---- JSON accessors
    public int getEmbedDim() { return embedDim; }
    public void setEmbedDim(int embedDim) { this.embedDim = embedDim; }
    public int[] getClassesPerHead() { return classesPerHead; }
    public void setClassesPerHead(int[] classesPerHead) { this.classesPerHead = classesPerHead; }
    public boolean isSharedInput() { return sharedInput; }
    public void setSharedInput(boolean sharedInput) { this.sharedInput = sharedInput; }
    public int getNumOutputs() { return numOutputs; }
    public void setNumOutputs(int numOutputs) { this.numOutputs = numOutputs; }
    public int[][] getHeadClasses() { return headClasses; }
    public void setHeadClasses(int[][] headClasses) { this.headClasses = headClasses; }

    /** Builder; width and the heads' class counts are required. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int embedDim;
        private int[] classes;
        private boolean sharedInput;
        private int numOutputs;
        private int[][] headClasses;

        /** @param d embedding width D @return this builder */
        public Builder embedDim(int d) {
            this.embedDim = d;
            return this;
        }

        /** @param c classes of each head, in task order @return this builder */
        public Builder classesPerHead(int... c) {
            this.classes = c.clone();
            return this;
        }

        /** @param on every head reads the same [mb, D] input (default false) @return this builder */
        public Builder sharedInput(boolean on) {
            this.sharedInput = on;
            return this;
        }

        /**
         * @param numOutputs  width of the output (the classes of the scenario)
         * @param headClasses per head, the output columns (class ids) of its logits, disjoint
         * @return this builder
         */
        public Builder placement(int numOutputs, int[]... headClasses) {
            this.numOutputs = numOutputs;
            this.headClasses = headClasses.clone();
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public TaskHeads build() {
            return new TaskHeads(this);
        }
    }
}
