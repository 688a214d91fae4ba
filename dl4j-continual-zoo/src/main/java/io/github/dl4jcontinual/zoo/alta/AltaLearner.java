package io.github.dl4jcontinual.zoo.alta;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.replay.ReservoirReplayBuffer;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.ContinualLoop;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.PromptedTextTower;
import io.github.dl4jcontinual.zoo.text.TextTokenizer;
import io.github.dl4jcontinual.zoo.transformer.TransformerOps;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * ALTA (Li et al., IEEE TMM 2023: cross-modal alternating learning with task-aware representations) and its released
 * ablations ({@link AltaHead}) on frozen image features, as one SameDiff graph around a frozen pretrained text tower.
 *
 * <p>Inputs are the <em>features</em> of a frozen image tower (e.g. {@link io.github.dl4jcontinual.zoo.vl
 * .AlignedImageTower#embed}), {@code [n, D]}, D = the text tower's width; the scenario's experiences hold them with
 * one-hot labels over all K classes, whose names are known up front. Per training minibatch B (and replay batch R
 * drawn uniformly from a reservoir of (feature, logits, label) items filled from every training minibatch):
 * <pre>
 *   z(f)  = head logits over all K classes, e.g. ALTA: s·cos(f, w_l^c) + s·cos(A(f), w_f^c)
 *   L     = CE(z(B), y_B) + [buffer non-empty] (α·CE(z(R), y_R) + β·mean_{R,K} (z(R) − z̃_R)²)
 * </pre>
 * with A(f) = W2 relu(W1 f + b1) + b2 (D → D/r → D, PyTorch {@code Linear} initialisation), w_f^c the frozen
 * embedding of "a photo of a {name}." and w_l^c the text tower's embedding of {@code [CLS] ctx name . [SEP]}, ctx the
 * learned context (initialised from "a photo of a"). With snapshots, the prompts of a finished task's classes are
 * frozen: their w_l^c is computed once with the context at the end of that task and kept; the live context keeps
 * training from there for the current and future classes. One SGD optimiser (momentum, weight decay) over the whole
 * stream; learning rate per {@link AltaConfiguration.Schedule}. The text tower's weights are constants.
 */
public final class AltaLearner implements ContinualLoop.Learner {
    private static final String XB = "xb";
    private static final String YB = "yb";
    private static final String XR = "xr";
    private static final String YR = "yr";
    private static final String ZR = "zr";
    private static final String REPLAY_ON = "replay_on";
    private static final String FROZEN = "frozen_text";
    private static final String SCATTER = "live_scatter";
    private static final String LOGITS = "z_b";
    private static final String LOSS = "alta_loss";

    private final AltaConfiguration conf;
    private final int numClasses;
    private final int width;
    private final PromptedTextTower tower;
    private final SameDiff sd;
    private final List<String> trainable;
    private final Map<String, INDArray> velocity = new HashMap<>();
    private final INDArray frozenText;
    private final boolean[] frozen;
    private final ReservoirReplayBuffer buffer;
    private final Random rng;
    private PrintStream progress;

    /**
     * @param conf       hyper-parameters
     * @param encoder    the frozen text tower
     * @param tokenizer  its tokenizer
     * @param classNames names of all K classes, index = class id
     */
    public AltaLearner(AltaConfiguration conf, BertTextEncoder encoder, TextTokenizer tokenizer,
                       List<String> classNames) {
        this.conf = conf;
        this.numClasses = classNames.size();
        if (numClasses < 2) {
            throw new IllegalArgumentException("ALTA needs at least 2 class names (got: " + classNames + ")");
        }
        this.width = encoder.hidden();
        this.rng = new Random(conf.getSeed());
        AltaHead head = conf.getHead();
        List<String> hand = new ArrayList<>();
        for (String n : classNames) {
            hand.add(conf.getContextInit() + " " + n + ".");
        }
        INDArray hardText = normalise(encoder.embed(tokenizer, hand));
        if (head.usesPrompt()) {
            tower = new PromptedTextTower.Builder().encoder(encoder).tokenizer(tokenizer).classNames(classNames)
                    .contextInit(conf.getContextInit()).seed(conf.getSeed()).build();
            sd = tower.graph();
        } else {
            tower = null;
            sd = SameDiff.create();
        }
        Nd4j.getRandom().setSeed(conf.getSeed());
        List<String> names = new ArrayList<>();
        SDVariable hardT = sd.constant("hard_text_t", hardText.transpose().dup());
        SDVariable learnedT = null;
        if (head.usesPrompt()) {
            names.add(PromptedTextTower.CONTEXT);
            SDVariable wl = sd.placeHolder(FROZEN, DataType.FLOAT, numClasses, width)
                    .add(sd.placeHolder(SCATTER, DataType.FLOAT, numClasses, -1).mmul(tower.output()));
            learnedT = TransformerOps.unitRows(sd, wl, width).permute(1, 0);
        }
        SDVariable[] adapter = null;
        if (head.usesAdapter()) {
            int r = Math.max(1, width / conf.getAdapterReduction());
            adapter = new SDVariable[]{linearInit("img_adapter_w1", width, r, width),
                    linearInit("img_adapter_b1", 1, r, width), linearInit("img_adapter_w2", r, width, r),
                    linearInit("img_adapter_b2", 1, width, r)};
            for (SDVariable v : adapter) {
                names.add(v.name());
            }
        }
        this.trainable = Collections.unmodifiableList(names);
        SDVariable xb = sd.placeHolder(XB, DataType.FLOAT, -1, width);
        SDVariable yb = sd.placeHolder(YB, DataType.FLOAT, -1, numClasses);
        SDVariable zb = logits(xb, hardT, learnedT, adapter).rename(LOGITS);
        SDVariable loss = crossEntropy(zb, yb);
        if (head.usesReplay()) {
            SDVariable zr = logits(sd.placeHolder(XR, DataType.FLOAT, -1, width), hardT, learnedT, adapter);
            SDVariable diff = zr.sub(sd.placeHolder(ZR, DataType.FLOAT, -1, numClasses));
            SDVariable rep = crossEntropy(zr, sd.placeHolder(YR, DataType.FLOAT, -1, numClasses))
                    .mul(conf.getAlpha()).add(diff.mul(diff).mean().mul(conf.getBeta()));
            loss = loss.add(rep.mul(sd.placeHolder(REPLAY_ON, DataType.FLOAT)));
        }
        loss = loss.rename(LOSS);
        sd.setLossVariables(loss);
        this.frozenText = Nd4j.zeros(DataType.FLOAT, numClasses, width);
        this.frozen = new boolean[numClasses];
        this.buffer = head.usesReplay() && conf.getBufferSize() > 0
                ? new ReservoirReplayBuffer(conf.getBufferSize(), true) : null;
    }

    /** PyTorch {@code Linear} initialisation: U(−1/√fanIn, 1/√fanIn). */
    private SDVariable linearInit(String name, int rows, int cols, int fanIn) {
        double b = 1.0 / Math.sqrt(fanIn);
        return sd.var(name, Nd4j.rand(DataType.FLOAT, rows, cols).muli(2 * b).subi(b));
    }

    private SDVariable logits(SDVariable f, SDVariable hardT, SDVariable learnedT, SDVariable[] a) {
        double s = conf.getScale();
        SDVariable f2 = a == null ? null
                : sd.nn().relu(f.mmul(a[0]).add(a[1]), 0).mmul(a[2]).add(a[3]);
        switch (conf.getHead()) {
            case ALTA:
                return TransformerOps.unitRows(sd, f, width).mmul(learnedT).mul(s)
                        .add(TransformerOps.unitRows(sd, f2, width).mmul(hardT).mul(s));
            case MLP:
                return TransformerOps.unitRows(sd, f2, width).mmul(hardT).mul(s);
            case RESMLP:
                return TransformerOps.unitRows(sd, f.add(f2), width).mmul(hardT).mul(s);
            default:
                return TransformerOps.unitRows(sd, f, width).mmul(learnedT).mul(s);
        }
    }

    private static INDArray normalise(INDArray x) {
        return x.divColumnVector(x.norm2(1).reshape(-1, 1));
    }

    /** Mean over rows of −Σ_c y_c log softmax(z)_c ({@link TransformerOps#softmaxCrossEntropy}). */
    private SDVariable crossEntropy(SDVariable z, SDVariable y) {
        return TransformerOps.softmaxCrossEntropy(sd, z, y);
    }

    /** Prints a line per task to {@code out} (null: silent). */
    public AltaLearner progress(PrintStream out) {
        this.progress = out;
        return this;
    }

    /** Names of the trained variables (context and/or adapter). */
    public List<String> trainableVariables() {
        return trainable;
    }

    /** The graph (text tower constants, trainable variables, losses). */
    public SameDiff graph() {
        return sd;
    }

    /** Whether class c's prompt is frozen (its task ended, snapshotting heads only). */
    public boolean isFrozen(int c) {
        return frozen[c];
    }

    /** The current learned-prompt text embeddings w_l of all classes {@code [K, D]} (frozen rows as snapshotted). */
    public INDArray learnedText() {
        if (tower == null) {
            throw new IllegalStateException(conf.getHead() + " has no learned prompts");
        }
        Map<String, INDArray> feed = textFeed();
        INDArray live = sd.output(feed, tower.output().name()).get(tower.output().name());
        return frozenText.add(feed.get(SCATTER).mmul(live)).detach();
    }

    private Map<String, INDArray> textFeed() {
        Map<String, INDArray> feed = new HashMap<>();
        if (tower == null) {
            return feed;
        }
        int[] live = java.util.stream.IntStream.range(0, numClasses).filter(c -> !frozen[c]).toArray();
        if (live.length == 0) {
            live = new int[]{0};   // everything frozen: encode one row, scattered nowhere
        }
        feed.putAll(tower.feed(live));
        INDArray scatter = Nd4j.zeros(DataType.FLOAT, numClasses, live.length);
        for (int i = 0; i < live.length; i++) {
            if (!frozen[live[i]]) {
                scatter.putScalar(live[i], i, 1.0);
            }
        }
        feed.put(SCATTER, scatter);
        feed.put(FROZEN, frozenText.dup());
        return feed;
    }

    /** Logits over all K classes for features {@code [n, D]}. */
    @Override
    public INDArray logits(INDArray features) {
        checkFeatures(features);
        Map<String, INDArray> feed = textFeed();
        feed.put(XB, features.castTo(DataType.FLOAT));
        return sd.output(feed, LOGITS).get(LOGITS).detach();
    }

    private void checkFeatures(INDArray f) {
        if (f.rank() != 2 || f.size(1) != width) {
            throw new IllegalArgumentException("ALTA expects frozen image features [n, " + width + "] (got shape "
                    + Arrays.toString(f.shape()) + ")");
        }
    }

    /** Trains on one experience (features, one-hot labels over all K classes); returns the parameter updates. */
    @Override
    public long train(Experience exp) {
        DataSet d = ContinualLoop.inMemory(exp);
        checkFeatures(d.getFeatures());
        if (d.getLabels().size(1) != numClasses) {
            throw new IllegalArgumentException("Labels have " + d.getLabels().size(1) + " columns, expected "
                    + numClasses + " (one per class name)");
        }
        Map<String, INDArray> text = textFeed();
        int n = d.numExamples();
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        long steps = 0;
        for (int e = 0; e < conf.getEpochs(); e++) {
            double lr = conf.learningRate(e);
            Collections.shuffle(Arrays.asList(order), rng);
            for (int s = 0; s < n; s += conf.getBatchSize()) {
                int[] idx = new int[Math.min(conf.getBatchSize(), n - s)];
                for (int i = 0; i < idx.length; i++) {
                    idx[i] = order[s + i];
                }
                INDArray x = d.getFeatures().getRows(idx).castTo(DataType.FLOAT);
                INDArray y = d.getLabels().getRows(idx).castTo(DataType.FLOAT);
                Map<String, INDArray> feed = new HashMap<>(text);
                feed.put(XB, x);
                feed.put(YB, y);
                if (conf.getHead().usesReplay()) {
                    ReplayBatch rb = buffer == null ? null : buffer.sample(conf.getReplayBatchSize(), numClasses, rng);
                    feed.put(XR, rb == null ? Nd4j.zeros(DataType.FLOAT, 1, width) : rb.features().castTo(DataType.FLOAT));
                    feed.put(YR, rb == null ? Nd4j.zeros(DataType.FLOAT, 1, numClasses)
                            : rb.labels().castTo(DataType.FLOAT));
                    feed.put(ZR, rb == null ? Nd4j.zeros(DataType.FLOAT, 1, numClasses)
                            : rb.logits().castTo(DataType.FLOAT));
                    feed.put(REPLAY_ON, Nd4j.scalar(rb == null ? 0f : 1f));
                }
                OutAndGrad og = sd.calculateGradientsAndOutputs(feed, List.of(LOGITS), trainable);
                step(og.getGradients(), lr);
                if (buffer != null) {
                    buffer.observe(Batches.of(new DataSet(x, y)), og.getOutputs().get(LOGITS).detach(), exp.index(), rng);
                }
                steps++;
            }
        }
        if (conf.getHead().snapshotsPrompts()) {
            int[] own = exp.classArray();
            INDArray now = tower.classEmbeddings(own);
            for (int i = 0; i < own.length; i++) {
                frozenText.putRow(own[i], now.getRow(i));
                frozen[own[i]] = true;
            }
        }
        return steps;
    }

    /** SGD as PyTorch: v = μ v + (g + wd·w); w −= lr·v. */
    private void step(Map<String, INDArray> grads, double lr) {
        for (String v : trainable) {
            INDArray w = sd.getArrForVarName(v);
            INDArray g = grads.get(v);
            if (g == null) {
                throw new IllegalStateException("No gradient for " + v);
            }
            INDArray upd = g.add(w.mul(conf.getWeightDecay()));
            INDArray vel = velocity.get(v);
            if (vel == null) {
                vel = upd;
                velocity.put(v, vel);
            } else {
                vel.muli(conf.getMomentum()).addi(upd);
            }
            w.subi(vel.mul(lr));
        }
    }

    /**
     * Trains on the scenario's training stream (frozen image features), evaluating class-IL and task-IL accuracy on
     * the test stream after each experience.
     *
     * @return the accuracy matrices (strategy {@code alta-<head>})
     */
    public ContinualResult fit(Scenario scenario) {
        int[] all = java.util.stream.IntStream.range(0, numClasses).toArray();
        return ContinualLoop.run(scenario, this, numClasses,
                exp -> conf.isClassIlOverAllClasses() ? all : exp.seenClassArray(),
                "alta-" + conf.getHead().releaseName(), HeadPolicy.FIXED, conf.getEpochs(), conf.getBatchSize(), conf.getEvalBatchSize(),
                conf.getSeed(), progress);
    }
}
