package io.github.dl4jcontinual.zoo.l2p;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.ContinualLoop;
import io.github.dl4jcontinual.zoo.transformer.PatchEmbedding;
import io.github.dl4jcontinual.zoo.transformer.TransformerBlock;
import io.github.dl4jcontinual.zoo.transformer.TransformerOps;
import io.github.dl4jcontinual.zoo.transformer.Vit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * L2P (Wang et al., CVPR 2022, "Learning to Prompt for Continual Learning") on a frozen, pre-trained zoo
 * {@link Vit}: a pool of M prompts (each {@code Lp} tokens of width D) with one key each; the query of an image is
 * the frozen ViT's pooled feature; the {@code N} prompts whose keys are most cosine-similar to the query are
 * prepended to the image's patch tokens, the frozen transformer blocks run on {@code N·Lp + T} tokens, the prompt
 * tokens' outputs (final LayerNorm of the ViT, then their mean) feed a trainable linear head over all K classes.
 * Loss per minibatch: {@code CE(logits masked to the current task's classes, y) + λ · mean_b Σ_{selected m}
 * (1 − cos(q_b, key_m))} (the key-matching surrogate; only it trains the keys). Adam on prompts, keys and head;
 * the ViT's weights are constants (bit-identical). Selection is recomputed with the current keys for every batch,
 * at test time too (no task identity).
 *
 * <p>Prompt-frequency penalty ({@link L2pConfiguration#isFrequencyPenalty()}; the paper's optional diversification
 * of the selection, its §4.3): during training on task t the N prompts minimising {@code (1 − cos(q, k_i)) · h_i}
 * are selected, h_i the normalised frequency with which prompt i was selected during the tasks before t (counts
 * over every training sample's N selections, divided by their sum); ties, e.g. between prompts never used
 * (h = 0), go to the nearer key. Frequently used prompts are thus picked less often during training, rarely used
 * ones more often. The first task (no history) and test-time selection use the plain distance.</p>
 */
public final class L2pLearner implements ContinualLoop.Learner {
    private static final String X = "x";
    private static final String Q = "q";
    private static final String SEL = "sel";
    private static final String Y = "y";
    private static final String MASK = "train_mask";
    private static final String LOGITS = "logits";
    /** Prompt pool variable {@code [M, Lp*D]}. */
    public static final String PROMPTS = "prompts";
    /** Key variable {@code [M, D]}. */
    public static final String KEYS = "keys";
    private static final double MASKED = -1e9;

    private final L2pConfiguration conf;
    private final ComputationGraph vit;
    private final int numClasses;
    private final int width;
    private final SameDiff sd;
    private final DataType type;
    private final List<String> trainable = List.of(PROMPTS, KEYS, "head_w", "head_b");
    private final Map<String, INDArray[]> adam = new HashMap<>();
    private final Random rng;
    private long adamStep;
    private final long[] history;
    private final long[] current;
    private PrintStream progress;

    /**
     * @param conf       hyper-parameters
     * @param vit        a pre-trained {@link Vit} classifier (only its patch embedding, blocks and pooling
     *                   LayerNorm are used, as constants; it is not modified)
     * @param numClasses K, the width of the new head
     */
    public L2pLearner(L2pConfiguration conf, ComputationGraph vit, int numClasses) {
        this.conf = conf;
        this.vit = vit;
        this.numClasses = numClasses;
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses should be >= 2 (got: " + numClasses + ")");
        }
        if (vit.getVertex(Vit.PATCH) == null || vit.getVertex(Vit.POOL) == null) {
            throw new IllegalArgumentException("Not a zoo ViT: layers '" + Vit.PATCH + "' and '" + Vit.POOL
                    + "' are required");
        }
        PatchEmbedding patch = (PatchEmbedding) vit.getLayer(Vit.PATCH).conf().getLayer();
        this.width = patch.getEmbedDim();
        int tokens = patch.numTokens();
        int m = conf.getPoolSize();
        int lp = conf.getPromptLength();
        int n = conf.getTopK();
        if (n > m) {
            throw new IllegalArgumentException("topK " + n + " is larger than the pool size " + m);
        }
        this.history = new long[m];
        this.current = new long[m];
        this.rng = new Random(conf.getSeed());
        Nd4j.getRandom().setSeed(conf.getSeed());
        this.type = vit.params().dataType();
        sd = SameDiff.create();
        SDVariable x = sd.placeHolder(X, type, -1, (long) patch.getChannels() * patch.getHeight()
                * patch.getWidth());
        SDVariable q = sd.placeHolder(Q, type, -1, width);
        SDVariable sel = sd.placeHolder(SEL, type, -1, n, m);
        SDVariable prompts = sd.var(PROMPTS, Nd4j.rand(type, m, (long) lp * width).muli(2).subi(1));
        SDVariable keys = sd.var(KEYS, Nd4j.rand(type, m, width).muli(2).subi(1));
        SDVariable patchTokens = patch.defineLayer(sd, x, constants(Vit.PATCH), null).reshape(-1, tokens, width);
        SDVariable chosen = sel.reshape(-1, m).mmul(prompts).reshape(-1, (long) n * lp, width);
        int total = n * lp + tokens;
        SDVariable h = sd.concat(1, chosen, patchTokens).reshape(-1, width);
        for (int i = 0; vit.getVertex(Vit.block(i)) != null; i++) {
            TransformerBlock b = (TransformerBlock) vit.getLayer(Vit.block(i)).conf().getLayer();
            h = TransformerOps.preNormBlock(sd, h, constants(Vit.block(i)), total, b.getNumHeads());
        }
        Map<String, SDVariable> pool = constants(Vit.POOL);
        SDVariable pooled = TransformerOps.layerNorm(sd, h, pool.get("g"), pool.get("b")).reshape(-1, total, width)
                .get(SDIndex.all(), SDIndex.interval(0, n * lp), SDIndex.all()).mean(1);
        double bound = Math.sqrt(6.0 / (width + numClasses));
        SDVariable w = sd.var("head_w", Nd4j.rand(type, width, numClasses).muli(2 * bound).subi(bound));
        SDVariable bias = sd.var("head_b", Nd4j.zeros(type, 1, numClasses));
        SDVariable logits = pooled.mmul(w).add(bias).rename(LOGITS);
        SDVariable masked = logits.add(sd.placeHolder(MASK, type, 1, numClasses));
        SDVariable mx = masked.max(true, 1);
        SDVariable lse = sd.math().log(sd.math().exp(masked.sub(mx)).sum(true, 1)).add(mx);
        SDVariable ce = sd.placeHolder(Y, type, -1, numClasses).mul(masked.sub(lse)).sum(1).mean().neg();
        SDVariable cos = TransformerOps.unitRows(sd, q, width).mmul(TransformerOps.unitRows(sd, keys, width).permute(1, 0));
        SDVariable pull = sel.sum(1).mul(cos.rsub(1.0)).sum(1).mean();
        sd.setLossVariables(ce.add(pull.mul(conf.getPullWeight())).rename("l2p_loss"));
    }

    private Map<String, SDVariable> constants(String layer) {
        Map<String, SDVariable> m = new HashMap<>();
        for (Map.Entry<String, INDArray> e : vit.getLayer(layer).paramTable().entrySet()) {
            m.put(e.getKey(), sd.constant("vit/" + layer + "/" + e.getKey(), e.getValue().dup()));
        }
        return m;
    }

    /** Prints a line per task to {@code out} (null: silent). */
    public L2pLearner progress(PrintStream out) {
        this.progress = out;
        return this;
    }

    /** The graph (ViT constants under {@code vit/}, prompts, keys, head). */
    public SameDiff graph() {
        return sd;
    }

    /** The trained variables: prompts, keys, head weight and bias. */
    public List<String> trainableVariables() {
        return trainable;
    }

    /** The frozen ViT's pooled features (the queries) of images {@code [n, C*H*W]}. */
    public INDArray queries(INDArray images) {
        return vit.feedForward(images, false).get(Vit.POOL).detach();
    }

    /** One-hot top-N selection {@code [n, N, M]} of the prompts whose keys are closest (cosine) to the queries. */
    public INDArray select(INDArray queries) {
        return select(queries, null);
    }

    /**
     * The selection used for training: {@link #select} with the prompt-frequency penalty when it is configured and
     * earlier tasks have been trained.
     */
    public INDArray trainingSelect(INDArray queries) {
        double[] h = promptFrequencies();
        boolean any = Arrays.stream(h).anyMatch(v -> v > 0);
        return select(queries, conf.isFrequencyPenalty() && any ? h : null);
    }

    /**
     * Normalised selection frequency of every prompt over the tasks trained so far (sums to 1; all 0 before the
     * first task).
     */
    public double[] promptFrequencies() {
        long total = Arrays.stream(history).sum();
        double[] h = new double[history.length];
        for (int i = 0; i < h.length && total > 0; i++) {
            h[i] = (double) history[i] / total;
        }
        return h;
    }

    private INDArray select(INDArray queries, double[] frequency) {
        INDArray keys = sd.getArrForVarName(KEYS);
        INDArray cos = unitRows(queries).mmul(unitRows(keys).transpose());
        int n = conf.getTopK();
        int m = conf.getPoolSize();
        INDArray sel = Nd4j.zeros(type, cos.rows(), n, m);
        for (int i = 0; i < cos.rows(); i++) {
            int[] idx = topN(cos.getRow(i).toDoubleVector(), frequency, n);
            for (int k = 0; k < n; k++) {
                sel.putScalar(new long[]{i, k, idx[k]}, 1.0);
            }
        }
        return sel;
    }

    /**
     * The indices of the {@code n} prompts of smallest {@code (1 − cos_i) · h_i} (h = null: of largest cosine),
     * best first; ties go to the larger cosine, then to the smaller index.
     */
    static int[] topN(double[] cos, double[] frequency, int n) {
        Integer[] idx = new Integer[cos.length];
        double[] score = new double[cos.length];
        for (int j = 0; j < idx.length; j++) {
            idx[j] = j;
            score[j] = frequency == null ? -cos[j] : (1 - cos[j]) * frequency[j];
        }
        Arrays.sort(idx, (a, b) -> score[a] != score[b] ? Double.compare(score[a], score[b])
                : Double.compare(cos[b], cos[a]));
        int[] out = new int[n];
        for (int k = 0; k < n; k++) {
            out[k] = idx[k];
        }
        return out;
    }

    private static INDArray unitRows(INDArray a) {
        return a.divColumnVector(a.norm2(1).reshape(-1, 1).addi(1e-12));
    }

    /** Logits over all K classes for images {@code [n, C*H*W]} (prompts selected by the current keys). */
    @Override
    public INDArray logits(INDArray images) {
        INDArray q = queries(images);
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(X, images.castTo(type));
        feed.put(SEL, select(q));
        return sd.output(feed, LOGITS).get(LOGITS).detach();
    }

    /** Trains on one experience; returns the number of parameter updates. */
    @Override
    public long train(Experience exp) {
        DataSet d = ContinualLoop.inMemory(exp);
        if (d.getLabels().size(1) != numClasses) {
            throw new IllegalArgumentException("Labels have " + d.getLabels().size(1) + " columns, expected "
                    + numClasses);
        }
        INDArray mask = trainMask(exp.classArray());
        INDArray allQ = queries(d.getFeatures());
        int n = d.numExamples();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            order.add(i);
        }
        long steps = 0;
        for (int e = 0; e < conf.getEpochs(); e++) {
            Collections.shuffle(order, rng);
            for (int s = 0; s < n; s += conf.getBatchSize()) {
                int[] idx = order.subList(s, Math.min(n, s + conf.getBatchSize())).stream().mapToInt(Integer::intValue)
                        .toArray();
                Map<String, INDArray> feed = feed(d.getFeatures().getRows(idx), allQ.getRows(idx),
                        d.getLabels().getRows(idx), mask);
                double[] used = feed.get(SEL).sum(0, 1).toDoubleVector();
                for (int i = 0; i < used.length; i++) {
                    current[i] += Math.round(used[i]);
                }
                adamStep(sd.calculateGradients(feed, trainable));
                steps++;
            }
        }
        for (int i = 0; i < history.length; i++) {
            history[i] += current[i];
            current[i] = 0;
        }
        return steps;
    }

    private INDArray trainMask(int[] current) {
        INDArray mask = Nd4j.valueArrayOf(new long[]{1, numClasses}, conf.isTrainMask() ? MASKED : 0.0, type);
        for (int c : current) {
            mask.putScalar(0, c, 0.0);
        }
        return mask;
    }

    private Map<String, INDArray> feed(INDArray images, INDArray queries, INDArray labels, INDArray mask) {
        Map<String, INDArray> feed = new HashMap<>();
        feed.put(X, images.castTo(type));
        feed.put(Q, queries.castTo(type));
        INDArray sel = trainingSelect(queries);
        feed.put(SEL, sel);
        feed.put(Y, labels.castTo(type));
        feed.put(MASK, mask);
        return feed;
    }

    /**
     * The placeholder values of one training step on {@code images} with one-hot {@code labels} while learning
     * {@code currentClasses} (for inspecting the loss, e.g. {@code graph().output(feed, lossName)}).
     */
    public Map<String, INDArray> trainingFeed(INDArray images, INDArray labels, int... currentClasses) {
        return feed(images, queries(images), labels, trainMask(currentClasses));
    }

    /** Adam (β1 0.9, β2 0.999, ε 1e-8, bias-corrected) at the configured learning rate. */
    private void adamStep(Map<String, INDArray> grads) {
        adamStep++;
        double b1 = 0.9;
        double b2 = 0.999;
        double lr = conf.getLearningRate() * Math.sqrt(1 - Math.pow(b2, adamStep)) / (1 - Math.pow(b1, adamStep));
        for (String v : trainable) {
            INDArray g = grads.get(v);
            if (g == null) {
                throw new IllegalStateException("No gradient for " + v);
            }
            INDArray[] st = adam.computeIfAbsent(v, k -> new INDArray[]{Nd4j.zerosLike(g), Nd4j.zerosLike(g)});
            st[0].muli(b1).addi(g.mul(1 - b1));
            st[1].muli(b2).addi(g.mul(g).muli(1 - b2));
            sd.getArrForVarName(v).subi(st[0].div(Transforms.sqrt(st[1], true).addi(1e-8)).muli(lr));
        }
    }

    /**
     * Trains on the scenario's training stream, evaluating class-IL (over the classes seen so far) and task-IL after
     * each experience.
     *
     * @return the accuracy matrices (strategy {@code l2p})
     */
    public ContinualResult fit(Scenario scenario) {
        return ContinualLoop.run(scenario, this, numClasses,
                Experience::seenClassArray, "l2p", HeadPolicy.FIXED, conf.getEpochs(), conf.getBatchSize(), conf.getEvalBatchSize(),
                conf.getSeed(), progress);
    }
}
