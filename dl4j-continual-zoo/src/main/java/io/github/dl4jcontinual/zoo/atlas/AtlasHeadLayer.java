package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.zoo.transformer.TransformerOps;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * ATLAS's per-task heads as one DL4J layer (logits, identity activation; put a
 * {@link io.github.dl4jcontinual.multihead.MultiHeadSoftmaxCrossEntropy} loss layer on top). Input: the task
 * branches of {@link AtlasAdapterLayer}, {@code [N·B, D]} (or {@code [N, D]} with one branch); output
 * {@code [N, C]} over the scenario's classes. Task j reads its branch's rows and scores its own classes:
 * an image task with its linear head {@code e W_j + b_j} (parameters {@code W<j>, b<j>}); an image-text task with
 * {@code s·cos(e, t_c)} against the fixed text embeddings t_c of its class names (constants of this configuration,
 * e.g. a frozen text tower's embeddings of "a photo of a {name}."; no parameters). Classes of no task score 0.
 * Parameters not in {@link #getTrainable()} are frozen (stop-gradient, {@link NoOp}); the layer's regularization
 * applies to trainable {@code W<j>} only. JSON-serialisable.
 */
public class AtlasHeadLayer extends SameDiffLayer {
    private int width;
    private int numClasses;
    private int branches = 1;
    private int[][] taskClasses = new int[0][];
    private int[] taskBranch = new int[0];
    private double[][][] taskTexts = new double[0][][];
    private double scale = 30;
    private List<String> trainable = new ArrayList<>();

    /** For JSON. */
    public AtlasHeadLayer() {
    }

    private AtlasHeadLayer(Builder b) {
        super(b);
        if (b.width <= 0 || b.numClasses <= 0 || b.branches <= 0) {
            throw new IllegalArgumentException("AtlasHeadLayer: width " + b.width + ", classes " + b.numClasses
                    + " and branches " + b.branches + " should be > 0");
        }
        int n = b.taskClasses.size();
        this.width = b.width;
        this.numClasses = b.numClasses;
        this.branches = b.branches;
        this.taskClasses = new int[n][];
        this.taskBranch = new int[n];
        this.taskTexts = new double[n][][];
        boolean[] used = new boolean[b.numClasses];
        for (int j = 0; j < n; j++) {
            int[] cls = b.taskClasses.get(j).clone();
            for (int c : cls) {
                if (c < 0 || c >= b.numClasses || used[c]) {
                    throw new IllegalArgumentException("AtlasHeadLayer: class " + c + " of task " + j + " is outside "
                            + "[0, " + b.numClasses + ") or in two tasks");
                }
                used[c] = true;
            }
            int br = b.taskBranch.get(j);
            if (br < 0 || br >= b.branches) {
                throw new IllegalArgumentException("AtlasHeadLayer: task " + j + " reads branch " + br + " of "
                        + b.branches);
            }
            double[][] t = b.taskTexts.get(j);
            if (t != null && (t.length != cls.length || Arrays.stream(t).anyMatch(r -> r.length != b.width))) {
                throw new IllegalArgumentException("AtlasHeadLayer: task " + j + " needs one text embedding of width "
                        + b.width + " per class (" + cls.length + " classes)");
            }
            taskClasses[j] = cls;
            taskBranch[j] = br;
            taskTexts[j] = t;
        }
        this.scale = b.scale;
        this.trainable = new ArrayList<>(b.trainable);
    }

    /** Whether task j matches images with its classes' text embeddings. */
    public boolean isMatching(int task) {
        return taskTexts[task] != null;
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        params.clear();
        for (int j = 0; j < taskClasses.length; j++) {
            if (!isMatching(j)) {
                params.addWeightParam("W" + j, width, taskClasses[j].length);
                params.addBiasParam("b" + j, 1, taskClasses[j].length);
            }
        }
    }

    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        double bound = 1.0 / Math.sqrt(width);
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            if (e.getKey().startsWith("W")) {
                e.getValue().assign(Nd4j.rand(e.getValue().dataType(), e.getValue().shape()).muli(2 * bound)
                        .subi(bound));
            } else {
                e.getValue().assign(0);
            }
        }
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable in, Map<String, SDVariable> p, SDVariable mask) {
        SDVariable out = null;
        for (int j = 0; j < taskClasses.length; j++) {
            SDVariable x = branches == 1 ? in
                    : in.reshape(-1, branches, width).get(SDIndex.all(), SDIndex.point(taskBranch[j]), SDIndex.all());
            int cj = taskClasses[j].length;
            SDVariable z;
            if (isMatching(j)) {
                INDArray t = Nd4j.create(taskTexts[j]).castTo(in.dataType());
                t.diviColumnVector(t.norm2(1).reshape(cj, 1).addi(1e-12));
                z = TransformerOps.unitRows(sd, x, width).mmul(sd.constant(t.transpose().dup())).mul(scale);
            } else {
                z = x.mmul(AtlasAdapterLayer.frozenUnless(sd, p.get("W" + j), trainable.contains("W" + j)))
                        .add(AtlasAdapterLayer.frozenUnless(sd, p.get("b" + j), trainable.contains("b" + j)));
            }
            INDArray place = Nd4j.zeros(in.dataType(), cj, numClasses);
            for (int c = 0; c < cj; c++) {
                place.putScalar(c, taskClasses[j][c], 1);
            }
            SDVariable placed = z.mmul(sd.constant(place));
            out = out == null ? placed : out.add(placed);
        }
        if (out == null) {
            SDVariable x = branches == 1 ? in
                    : in.reshape(-1, branches, width).get(SDIndex.all(), SDIndex.point(0), SDIndex.all());
            out = x.mmul(sd.constant(Nd4j.zeros(in.dataType(), width, numClasses)));
        }
        return AtlasAdapterLayer.layerOutput(sd, out);
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return trainable.contains(paramName) ? super.getUpdaterByParam(paramName) : new NoOp();
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        return trainable.contains(paramName) && paramName.startsWith("W") && regularization != null ? regularization
                : Collections.emptyList();
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(numClasses);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (inputType.getType() != InputType.Type.FF || inputType.arrayElementsPerExample() != width) {
            throw new IllegalArgumentException("AtlasHeadLayer expects feed-forward input of width " + width
                    + " (got " + inputType + ")");
        }
    }

    @Override
    public InputPreProcessor getPreProcessorForInputType(InputType inputType) {
        return null;
    }

    // ---- JSON accessors
    public int getWidth() { return width; }
    public void setWidth(int width) { this.width = width; }
    public int getNumClasses() { return numClasses; }
    public void setNumClasses(int numClasses) { this.numClasses = numClasses; }
    public int getBranches() { return branches; }
    public void setBranches(int branches) { this.branches = branches; }
    public int[][] getTaskClasses() { return taskClasses; }
    public void setTaskClasses(int[][] taskClasses) { this.taskClasses = taskClasses; }
    public int[] getTaskBranch() { return taskBranch; }
    public void setTaskBranch(int[] taskBranch) { this.taskBranch = taskBranch; }
    public double[][][] getTaskTexts() { return taskTexts; }
    public void setTaskTexts(double[][][] taskTexts) { this.taskTexts = taskTexts; }
    public double getScale() { return scale; }
    public void setScale(double scale) { this.scale = scale; }
    public List<String> getTrainable() { return trainable; }
    public void setTrainable(List<String> trainable) { this.trainable = trainable; }

    /** Builder; width, classes, branches and the tasks are required. */
    public static class Builder extends SameDiffLayer.Builder<Builder> {
        private int width;
        private int numClasses;
        private int branches = 1;
        private final List<int[]> taskClasses = new ArrayList<>();
        private final List<Integer> taskBranch = new ArrayList<>();
        private final List<double[][]> taskTexts = new ArrayList<>();
        private double scale = 30;
        private List<String> trainable = new ArrayList<>();

        /** @param d input width D @return this */
        public Builder width(int d) { this.width = d; return this; }
        /** @param c output width (the scenario's classes) @return this */
        public Builder numClasses(int c) { this.numClasses = c; return this; }
        /** @param b the task branches of the input rows @return this */
        public Builder branches(int b) { this.branches = b; return this; }
        /** @param s the matching logits' scale @return this */
        public Builder scale(double s) { this.scale = s; return this; }
        /** @param names the parameters that learn @return this */
        public Builder trainable(List<String> names) { this.trainable = new ArrayList<>(names); return this; }

        /**
         * Adds the next task.
         *
         * @param classes its classes (output columns)
         * @param branch  the branch it reads
         * @param texts   one text embedding per class for an image-text task, null for an image task
         * @return this
         */
        public Builder task(int[] classes, int branch, double[][] texts) {
            taskClasses.add(classes.clone());
            taskBranch.add(branch);
            taskTexts.add(texts);
            return this;
        }

        @Override
        @SuppressWarnings("unchecked")
        public AtlasHeadLayer build() {
            return new AtlasHeadLayer(this);
        }
    }
}
