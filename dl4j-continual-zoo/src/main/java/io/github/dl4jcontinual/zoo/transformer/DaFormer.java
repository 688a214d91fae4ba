package io.github.dl4jcontinual.zoo.transformer;

import io.github.dl4jcontinual.distillation.DistillationLoss;
import io.github.dl4jcontinual.distillation.DistillationMode;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds DAFormer (Wang et al., "Dual-Attention Transformers for Class-Incremental Learning: A Tale of Two
 * Memories", IEEE TMM) as a multi-output {@link ComputationGraph} for one stage of a class-incremental stream:
 * <pre>
 *   in → patch → sab0 … sab{depth−2} ({@link TransformerBlock}) → dual ({@link DualAttentionBlock}, K key sets)
 *      → heads ({@link TaskHeads}, one per task) → out (softmax cross-entropy, weight 1−λ)
 *   [kd]  heads[:, :nOld] → softmax KL to the teacher's old-class probabilities, weight λ   ({@link DistillationLoss})
 *   [div] e_t → divergence head (C_t + 1 classes, 0 = "an old class") → softmax CE, weight divWeight
 *   [knn] dual[:, old key sets] → {@link KnnInvariantLoss} against the teacher's embeddings
 * </pre>
 * {@link Edition#M} keeps one key set per task (K = tasks so far; head τ reads task τ's embedding);
 * {@link Edition#S} one shared key set (K = 1; every head reads the same embedding). The optional outputs exist
 * only when configured; {@link #outputNames(ComputationGraph)} gives the order of the labels a
 * {@code MultiDataSet} must provide. No class token (as in the paper's code); depth counts the dual block.
 * Growing to the next task = building the next stage's graph and copying parameters by name
 * ({@link #copyParameters}); new key sets start at zero.
 */
public final class DaFormer {
    /** Shared self-attention block name prefix. */
    public static final String SAB = "sab";
    /** Dual-attention block; its activations are the concatenated task embeddings. */
    public static final String DUAL = "dual";
    /** Task heads (logits over all seen classes). */
    public static final String HEADS = "heads";
    /** Classification output. */
    public static final String OUT = "out";
    /** Logit distillation output. */
    public static final String KD = "kd";
    /** Divergence head layer. */
    public static final String DIV_HEAD = "divHead";
    /** Divergence output. */
    public static final String DIV = "div";
    /** KNN invariant distillation output. */
    public static final String KNN = "knn";

    /** Which key memory. */
    public enum Edition {
        /** One shared set of sample-agnostic keys for all tasks. */
        S,
        /** One set of sample-agnostic keys per task. */
        M
    }

    private DaFormer() {
    }

    /**
     * @param g a graph built here
     * @return its output names, in the order of the labels
     */
    public static List<String> outputNames(ComputationGraph g) {
        return g.getConfiguration().getNetworkOutputs();
    }

    /**
     * Copies every parameter that exists, with the same shape, in both graphs (same layer and parameter name).
     *
     * @param from source graph
     * @param to   destination graph
     * @return the copied keys ({@code layer_param})
     */
    public static List<String> copyParameters(ComputationGraph from, ComputationGraph to) {
        Map<String, INDArray> src = from.paramTable();
        List<String> copied = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : to.paramTable().entrySet()) {
            INDArray s = src.get(e.getKey());
            if (s != null && Arrays.equals(s.shape(), e.getValue().shape())) {
                e.getValue().assign(s);
                copied.add(e.getKey());
            }
        }
        return copied;
    }

    /** Builder of one stage's graph. */
    public static final class Builder extends Vit.BackboneBuilder<Builder> {
        private final Edition edition;
        private int[] classesPerTask;
        private double clfWeight = 1.0;
        private int kdClasses;
        private double kdWeight;
        private int divClasses;
        private double divWeight = 0.1;
        private int knnKeySets;
        private int knnK = 5;
        private double knnTemperature = 0.1;
        private double knnWeight;

        /**
         * @param edition S or M
         * @param classesPerTask classes of each task so far (one head each), in order
         */
        public Builder(Edition edition, int... classesPerTask) {
            this.edition = Objects.requireNonNull(edition, "edition");
            if (classesPerTask.length == 0) {
                throw new IllegalArgumentException("DAFormer needs the classes of at least one task");
            }
            this.classesPerTask = classesPerTask.clone();
        }

        /** @param w weight of the classification loss, (1 − λ) during incremental training (default 1) @return this */
        public Builder classificationWeight(double w) {
            this.clfWeight = w;
            return this;
        }

        /**
         * @param oldClasses number of old classes distilled (0: no KD output)
         * @param lambda     weight λ = n_old / n_all
         * @return this builder
         */
        public Builder logitDistillation(int oldClasses, double lambda) {
            this.kdClasses = oldClasses;
            this.kdWeight = lambda;
            return this;
        }

        /**
         * @param newClasses classes of the current task (the divergence head has newClasses + 1 outputs); 0: none
         * @param weight     loss weight (paper 0.1)
         * @return this builder
         */
        public Builder divergenceHead(int newClasses, double weight) {
            this.divClasses = newClasses;
            this.divWeight = weight;
            return this;
        }

        /**
         * @param oldKeySets  key sets whose embeddings are distilled (M: old tasks; S: 1); 0: no KNN output
         * @param k           neighbours
         * @param temperature τ
         * @param weight      loss weight
         * @return this builder
         */
        public Builder knnDistillation(int oldKeySets, int k, double temperature, double weight) {
            this.knnKeySets = oldKeySets;
            this.knnK = k;
            this.knnTemperature = temperature;
            this.knnWeight = weight;
            return this;
        }

        /** @return the number of key sets of the dual block: tasks so far (M) or 1 (S) */
        public int numKeySets() {
            return edition == Edition.M ? classesPerTask.length : 1;
        }

        /** @return the configuration */
        public ComputationGraphConfiguration configuration() {
            validate();
            if (depth < 2) {
                throw new IllegalArgumentException("DAFormer needs depth >= 2 (shared blocks + the dual block), got "
                        + depth);
            }
            int total = Arrays.stream(classesPerTask).sum();
            if (kdClasses < 0 || kdClasses >= total) {
                throw new IllegalArgumentException("the distilled old classes should be in [0, " + total + ") (got: "
                        + kdClasses + ")");
            }
            if (knnKeySets < 0 || knnKeySets > numKeySets()) {
                throw new IllegalArgumentException("KNN distillation over " + knnKeySets + " key sets, but the dual "
                        + "block has " + numKeySets());
            }
            ComputationGraphConfiguration.GraphBuilder g = graph();
            String last = addBackbone(g, depth - 1, false, SAB);
            int tokens = numPatches();
            g.addLayer(DUAL, new DualAttentionBlock.Builder().numTokens(tokens).embedDim(embedDim).numHeads(heads)
                    .mlpHidden(mlpHidden()).numKeySets(numKeySets()).build(), last);
            g.addLayer(HEADS, new TaskHeads.Builder().embedDim(embedDim).classesPerHead(classesPerTask)
                    .sharedInput(edition == Edition.S).build(), DUAL);
            List<String> outputs = new ArrayList<>();
            g.addLayer(OUT, new LossLayer.Builder(weighted(total, clfWeight)).activation(Activation.SOFTMAX).build(),
                    HEADS);
            outputs.add(OUT);
            if (kdClasses > 0) {
                g.addVertex("kdSlice", new SubsetVertex(0, kdClasses - 1), HEADS);
                g.addLayer(KD, new LossLayer.Builder(new DistillationLoss(new int[kdClasses], 1.0,
                        DistillationMode.OLD_CLASSES_SOFTMAX, kdWeight)).activation(Activation.IDENTITY).build(),
                        "kdSlice");
                outputs.add(KD);
            }
            if (divClasses > 0) {
                String emb = DUAL;
                if (edition == Edition.M) {
                    int t = classesPerTask.length - 1;
                    g.addVertex("divSlice", new SubsetVertex(t * embedDim, (t + 1) * embedDim - 1), DUAL);
                    emb = "divSlice";
                }
                g.addLayer(DIV_HEAD, new TaskHeads.Builder().embedDim(embedDim).classesPerHead(divClasses + 1)
                        .build(), emb);
                g.addLayer(DIV, new LossLayer.Builder(weighted(divClasses + 1, divWeight))
                        .activation(Activation.SOFTMAX).build(), DIV_HEAD);
                outputs.add(DIV);
            }
            if (knnKeySets > 0) {
                g.addVertex("knnSlice", new SubsetVertex(0, knnKeySets * embedDim - 1), DUAL);
                g.addLayer(KNN, new LossLayer.Builder(new KnnInvariantLoss(knnK, knnTemperature, knnWeight))
                        .activation(Activation.IDENTITY).build(), "knnSlice");
                outputs.add(KNN);
            }
            return g.setOutputs(outputs.toArray(new String[0])).build();
        }

        private LossMCXENT weighted(int n, double w) {
            if (w == 1.0) {
                return new LossMCXENT();
            }
            return new LossMCXENT(Nd4j.valueArrayOf(new long[]{1, n}, w).castTo(dataType));
        }

        /** @return a new, initialised graph */
        public ComputationGraph build() {
            ComputationGraph cg = new ComputationGraph(configuration());
            cg.init();
            return cg;
        }
    }
}
