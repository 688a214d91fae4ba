package io.github.dl4jcontinual.zoo.transformer;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;

/**
 * One classifier head per task, {@code LayerNorm(D) → Linear(D → C_τ)}, outputs concatenated in task order into
 * logits {@code [mb, ΣC_τ]} (DyTox/DAFormer's {@code ind_clf: 1-1}). With {@code sharedInput} every head reads
 * the same embedding {@code [mb, D]} (DAFormer-S); otherwise head τ reads columns {@code [τ*D, (τ+1)*D)} of
 * {@code [mb, K*D]} (DAFormer-M: task τ's embedding). Parameters per head: {@code g<τ>, b<τ>, W<τ>, c<τ>}.
 * Activation is identity: put a softmax loss layer on top.
 */
public class TaskHeads extends SameDiffLayer {
    private int embedDim;
    private int[] classesPerHead;
    private boolean sharedInput;

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
    }

    /** @return total logits ΣC_τ */
    public int totalClasses() {
        return Arrays.stream(classesPerHead).sum();
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
        return TransformerOps.layerOutput(sd, outs.length == 1 ? outs[0] : sd.concat(1, outs));
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
        return InputType.feedForward(totalClasses());
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

    /** Builder; width and the heads' class counts are required. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int embedDim;
        private int[] classes;
        private boolean sharedInput;

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

        @Override
        @SuppressWarnings("unchecked")
        public TaskHeads build() {
            return new TaskHeads(this);
        }
    }
}
