package io.github.dl4jcontinual.zoo.daformer;

import io.github.dl4jcontinual.distillation.DistillationLoss;
import io.github.dl4jcontinual.distillation.DistillationMode;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.replay.ClassBalancedReplayBuffer;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.replay.ReplayBuffer;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.ContinualLoop;
import io.github.dl4jcontinual.zoo.transformer.DaFormer;
import io.github.dl4jcontinual.zoo.transformer.DualAttentionBlock;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * DAFormer's class-incremental training recipe (methods.md §3.5, scaled down; deviations below). For every
 * training experience t with C_t new classes and n_old old ones:
 * <ol>
 *   <li><b>Grow:</b> build the stage-t graph ({@link DaFormer.Builder}: one more head; DAFormer-M also one more
 *   key set, zero-initialised) and copy every parameter of the previous model by name, so the old classes'
 *   logits are unchanged before training.</li>
 *   <li><b>Freeze</b> (t ≥ 1): old key sets (M) and old heads get a zero gradient ({@link FrozenParameters}); they
 *   stay bit-identical for the rest of the stream. DAFormer-S's single key set is shared and keeps training.</li>
 *   <li><b>Train</b> {@code epochs} epochs of Adam on the task's data plus the exemplar memory (shuffled, one
 *   pool). Loss, for t ≥ 1 with λ = n_old / n_all:
 *   {@code (1−λ)·CE(softmax(z), y) + λ·KL(softmax(z_teacher) ‖ softmax(z[:n_old])) + w_div·CE(h_div(e_t), y_div)
 *   + w_knn·L_knn}; the teacher is the frozen model after task t−1, y_div maps old classes to 0 and new class c
 *   to c − n_old + 1, L_knn is {@link io.github.dl4jcontinual.zoo.transformer.KnnInvariantLoss} on the
 *   concatenated old-task embeddings (M: the t old key sets; S: the shared embedding). Task 0 uses CE only.</li>
 *   <li><b>Herd:</b> the memory ({@code memorySize} total, equal share per seen class, older classes truncated)
 *   keeps iCaRL-herded exemplars of the new classes, on the concatenated task embeddings (the dual block's
 *   output; {@code icarl_all}), via core's {@link ClassBalancedReplayBuffer} + {@link HerdingSelection}.</li>
 *   <li><b>Balanced fine-tuning</b> (t ≥ 1): {@code fineTuneEpochs} epochs on the memory only, Adam at
 *   {@code fineTuneLearningRate}, CE only, patch embedding and shared blocks frozen, old key sets still frozen,
 *   all heads trainable.</li>
 * </ol>
 * Evaluation after each experience: class-IL top-1 over all seen classes on every test experience (experiences not seen
 * yet are left undefined, as in the core trainer's matrices) and task-IL top-1 within each seen experience's classes.
 *
 * <p>Deviations from the paper's release (documented in docs/daformer.md): ordinary MHSA instead of ConViT GPSA
 * in the shared blocks; hard-label softmax cross-entropy instead of soft-target BCE with mixup; Adam at a constant
 * rate instead of AdamW with warm-up and cosine decay; no ASAM, no RandAugment; the dual block applies its
 * output projection; KL distillation summed over classes (batch mean) rather than PyTorch's element mean.</p>
 *
 * <p>Not thread-safe. Deterministic for a given configuration and scenario (seeded initialisation, shuffling
 * and herding) up to ND4J's multi-threaded reductions.</p>
 */
public final class DaFormerLearner implements ContinualLoop.Learner {
    private static final Logger LOG = LoggerFactory.getLogger(DaFormerLearner.class);
    private final DaFormerConfiguration conf;
    private final List<Integer> classesPerTask = new ArrayList<>();
    private final ReplayBuffer memory;
    private ComputationGraph model;
    private PrintStream progress;

    /** @param conf the configuration */
    public DaFormerLearner(DaFormerConfiguration conf) {
        this.conf = Objects.requireNonNull(conf, "conf");
        this.memory = new ClassBalancedReplayBuffer(conf.getMemorySize(), 0, new HerdingSelection(DaFormer.DUAL),
                false);
    }

    /** @param out where to print one line per experience phase, or null (default) @return this */
    public DaFormerLearner progress(PrintStream out) {
        this.progress = out;
        return this;
    }

    /**
     * @return the current model, a classification-only stage graph (output {@link DaFormer#OUT}; null before the
     * first experience)
     */
    public ComputationGraph model() {
        return model;
    }

    /** @return the exemplar memory */
    public ReplayBuffer memory() {
        return memory;
    }

    /** @return classes of every task seen so far */
    public int[] classesPerTask() {
        return classesPerTask.stream().mapToInt(Integer::intValue).toArray();
    }

    /** @return the configuration */
    public DaFormerConfiguration configuration() {
        return conf;
    }

    private DaFormer.Builder stage(int[] classes, double lr) {
        return new DaFormer.Builder(conf.getEdition(), classes)
                .image(conf.getImageHeight(), conf.getImageWidth(), conf.getChannels())
                .patchSize(conf.getPatchSize()).embedDim(conf.getEmbedDim()).depth(conf.getDepth())
                .heads(conf.getHeads()).mlpRatio(conf.getMlpRatio()).updater(new Adam(lr))
                .seed(conf.getSeed() * 31 + classes.length);
    }

    /**
     * Step 1 (grow) alone, for a task with {@code newClasses} classes: builds the next stage's training graph and
     * copies the current model's parameters into it. Does not change this learner.
     *
     * @param newClasses classes of the arriving task
     * @return the new graph (outputs as {@link DaFormer.Builder} with this configuration's losses)
     */
    public ComputationGraph grow(int newClasses) {
        int[] classes = Arrays.copyOf(classesPerTask(), classesPerTask.size() + 1);
        classes[classes.length - 1] = TransformerCheck.positive(newClasses);
        int t = classes.length - 1;
        int nOld = Arrays.stream(classes).sum() - newClasses;
        DaFormer.Builder b = stage(classes, conf.getLearningRate());
        if (t > 0) {
            double lambda = (double) nOld / (nOld + newClasses);
            if (conf.isDistillation()) {
                b.classificationWeight(1 - lambda).logitDistillation(nOld, lambda);
            }
            if (conf.getDivergenceWeight() > 0) {
                b.divergenceHead(newClasses, conf.getDivergenceWeight());
            }
            if (conf.getKnnWeight() > 0) {
                b.knnDistillation(conf.getEdition() == DaFormer.Edition.M ? t : 1, conf.getKnnK(),
                        conf.getKnnTemperature(), conf.getKnnWeight());
            }
        }
        ComputationGraph g = b.build();
        if (model != null) {
            DaFormer.copyParameters(model, g);
        }
        return g;
    }

    /**
     * Parameter keys frozen while training task {@code t}: old key sets (M) and old heads.
     *
     * @param t the task index
     * @return keys ({@code layer_param})
     */
    public Set<String> frozenForTask(int t) {
        Set<String> s = new LinkedHashSet<>();
        for (int tau = 0; tau < t; tau++) {
            if (conf.getEdition() == DaFormer.Edition.M) {
                s.add(DaFormer.DUAL + "_" + DualAttentionBlock.keyParam(tau));
                s.add(DaFormer.DUAL + "_" + DualAttentionBlock.keyBiasParam(tau));
            }
            for (String p : new String[]{"g", "b", "W", "c"}) {
                s.add(DaFormer.HEADS + "_" + p + tau);
            }
        }
        return s;
    }

    /**
     * Trains on one experience (grow, train, herd, fine-tune); experiences must come in stream order.
     *
     * @param exp the experience
     * @return the number of training iterations
     */
    @Override
    public long train(Experience exp) {
        int t = classesPerTask.size();
        if (exp.index() != t) {
            throw new IllegalArgumentException("Experience " + exp.index() + " arrived, but the learner expects "
                    + "experience " + t + " next (stream order)");
        }
        int newClasses = exp.classArray().length;
        int seen = exp.seenClassArray().length;
        int nOld = seen - newClasses;
        ComputationGraph teacher = model;
        ComputationGraph student = grow(newClasses);
        classesPerTask.add(newClasses);
        student.setListeners(new FrozenParameters(frozenForTask(t)));
        DataSet data = withMemory(ContinualLoop.inMemory(exp), seen);
        Random rng = new Random(conf.getSeed() * 1_000_003L + t);
        long iterations = 0;
        long t0 = System.currentTimeMillis();
        List<String> outs = DaFormer.outputNames(student);
        DistillationLoss kd = nOld > 0 ? new DistillationLoss(new int[nOld], 1.0,
                DistillationMode.OLD_CLASSES_SOFTMAX, 1.0) : null;
        for (int epoch = 0; epoch < conf.getEpochs(); epoch++) {
            for (DataSet batch : batches(data, rng)) {
                student.fit(multi(batch, outs, teacher, kd, nOld, newClasses));
                iterations++;
            }
        }
        model = student;
        log("task %d: trained %d epochs on %d examples (%d from memory) in %d s, last score %.4f", t,
                conf.getEpochs(), data.numExamples(), data.numExamples() - exp.numExamples(),
                (System.currentTimeMillis() - t0) / 1000, student.score());
        if (conf.getMemorySize() > 0) {
            memory.consolidate(exp, ContinualModel.of(model, DaFormer.OUT), new Random(conf.getSeed() * 7919L + t));
        }
        if (t > 0 && conf.getFineTuneEpochs() > 0 && !memory.isEmpty()) {
            iterations += fineTune(seen, t, rng);
        } else if (DaFormer.outputNames(model).size() > 1) {
            // keep only the classifier: drop the divergence head and the distillation outputs
            ComputationGraph clean = stage(classesPerTask(), conf.getFineTuneLearningRate()).build();
            DaFormer.copyParameters(model, clean);
            model = clean;
        }
        return iterations;
    }

    private long fineTune(int seen, int t, Random rng) {
        long t0 = System.currentTimeMillis();
        ComputationGraph ft = stage(classesPerTask(), conf.getFineTuneLearningRate()).build();
        DaFormer.copyParameters(model, ft);
        Set<String> frozen = new LinkedHashSet<>();
        for (String k : ft.paramTable().keySet()) {
            if (k.startsWith(io.github.dl4jcontinual.zoo.transformer.Vit.PATCH + "_") || k.startsWith(DaFormer.SAB)) {
                frozen.add(k);
            }
        }
        if (conf.getEdition() == DaFormer.Edition.M) {
            for (int tau = 0; tau < t; tau++) {
                frozen.add(DaFormer.DUAL + "_" + DualAttentionBlock.keyParam(tau));
                frozen.add(DaFormer.DUAL + "_" + DualAttentionBlock.keyBiasParam(tau));
            }
        }
        ft.setListeners(new FrozenParameters(frozen));
        DataSet mem = memory.contents(seen).toDataSet();
        long it = 0;
        for (int e = 0; e < conf.getFineTuneEpochs(); e++) {
            for (DataSet b : batches(mem, rng)) {
                ft.fit(new MultiDataSet(new INDArray[]{b.getFeatures()}, new INDArray[]{b.getLabels()}));
                it++;
            }
        }
        model = ft;
        log("task %d: balanced fine-tuning, %d epochs on %d exemplars in %d s", t, conf.getFineTuneEpochs(),
                mem.numExamples(), (System.currentTimeMillis() - t0) / 1000);
        return it;
    }

    private DataSet withMemory(DataSet cur, int seen) {
        DataSet c = new DataSet(cur.getFeatures(), cur.getLabels().get(NDArrayIndex.all(),
                NDArrayIndex.interval(0, seen)));
        if (memory.isEmpty()) {
            return new DataSet(c.getFeatures().dup(), c.getLabels().dup());
        }
        ReplayBatch m = memory.contents(seen);
        return new DataSet(Nd4j.vstack(c.getFeatures(), m.features().reshape(m.size(), c.getFeatures().size(1))
                .castTo(c.getFeatures().dataType())), Nd4j.vstack(c.getLabels(),
                m.labels().castTo(c.getLabels().dataType())));
    }

    private List<DataSet> batches(DataSet data, Random rng) {
        int n = data.numExamples();
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        List<DataSet> out = new ArrayList<>();
        for (int s = 0; s < n; s += conf.getBatchSize()) {
            int e = Math.min(n, s + conf.getBatchSize());
            if (e - s < 2 && s > 0) {
                break; // a single leftover example: relational losses need pairs
            }
            INDArray idx = Nd4j.createFromArray(Arrays.copyOfRange(perm, s, e));
            out.add(new DataSet(data.getFeatures().get(idx), data.getLabels().get(idx)));
        }
        return out;
    }

    private MultiDataSet multi(DataSet b, List<String> outs, ComputationGraph teacher, DistillationLoss kd, int nOld,
                               int newClasses) {
        INDArray x = b.getFeatures();
        INDArray y = b.getLabels();
        Map<String, INDArray> tAct = teacher == null || outs.size() == 1 ? null : teacher.feedForward(x, false);
        INDArray[] labels = new INDArray[outs.size()];
        for (int i = 0; i < labels.length; i++) {
            switch (outs.get(i)) {
                case DaFormer.OUT:
                    labels[i] = y;
                    break;
                case DaFormer.KD:
                    labels[i] = kd.softTargets(tAct.get(DaFormer.HEADS));
                    break;
                case DaFormer.DIV:
                    labels[i] = divergenceTargets(y, nOld, newClasses);
                    break;
                case DaFormer.KNN:
                    labels[i] = tAct.get(DaFormer.DUAL).dup();
                    break;
                default:
                    throw new IllegalStateException("Unknown output " + outs.get(i));
            }
        }
        return new MultiDataSet(new INDArray[]{x}, labels);
    }

    /**
     * Divergence-head targets: old classes → 0, new class {@code nOld + j} → {@code j + 1}.
     *
     * @param y          one-hot labels over the seen classes [n, nOld + newClasses]
     * @param nOld       old classes
     * @param newClasses new classes
     * @return one-hot targets [n, newClasses + 1]
     */
    public static INDArray divergenceTargets(INDArray y, int nOld, int newClasses) {
        INDArray d = Nd4j.zeros(y.dataType(), y.size(0), newClasses + 1);
        INDArray cls = y.argMax(1);
        for (int i = 0; i < y.size(0); i++) {
            int c = cls.getInt(i);
            d.putScalar(i, c < nOld ? 0 : c - nOld + 1, 1.0);
        }
        return d;
    }

    /**
     * Logits of the current model over all seen classes.
     *
     * @param x inputs [n, C*H*W]
     * @return [n, seen classes]
     */
    @Override
    public INDArray logits(INDArray x) {
        return model.feedForward(x, false).get(DaFormer.HEADS);
    }

    /**
     * Trains on the whole training stream, evaluating on the test stream after each experience.
     *
     * @param scenario a class-incremental scenario with image inputs matching the configuration
     * @return the accuracy matrices and per-experience results (strategy "daformer-s"/"daformer-m")
     */
    public ContinualResult fit(Scenario scenario) {
        long features = 1;
        for (long d : scenario.trainStream().get(0).exampleShape(0)) {
            features *= d;
        }
        long expected = (long) conf.getChannels() * conf.getImageHeight() * conf.getImageWidth();
        if (features != expected) {
            throw new IllegalArgumentException("The scenario's examples have " + features + " features but the "
                    + "configured image is " + conf.getChannels() + "×" + conf.getImageHeight() + "×"
                    + conf.getImageWidth() + " = " + expected);
        }
        int numClasses = scenario.trainStream().get(0).numClasses();
        return ContinualLoop.run(scenario, this, numClasses, Experience::seenClassArray,
                "daformer-" + conf.getEdition().name().toLowerCase(java.util.Locale.ROOT), HeadPolicy.EXPANDING,
                conf.getEpochs(), conf.getBatchSize(), conf.getEvalBatchSize(), conf.getSeed(), progress);
    }

    @Override
    public int outputWidth(Experience experience, int numClasses) {
        return experience.seenClassArray().length;
    }

    @Override
    public double lastScore() {
        return model.score();
    }

    private void log(String fmt, Object... args) {
        String s = String.format(java.util.Locale.ROOT, fmt, args);
        if (progress != null) {
            progress.println(s);
        } else {
            LOG.debug(s);
        }
    }

    /** Argument checks. */
    private static final class TransformerCheck {
        static int positive(int v) {
            if (v <= 0) {
                throw new IllegalArgumentException("a task needs > 0 classes (got: " + v + ")");
            }
            return v;
        }
    }
}
