package io.github.dl4jcontinual.eval;

import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.StreamMetric;
import io.github.dl4jcontinual.scenario.Experience;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Class-IL and task-IL accuracy on every test experience from one forward pass per minibatch (rows
 * {@code "class_il"} and {@code "task_il"}). Predictions are restricted to an allowed class set by a
 * {@link MaskedEvaluation}: class-IL to the classes a prediction may take after the experience (the model's metric:
 * {@link ContinualContext#classIlAllowed()}; an extra head: the classes seen so far), task-IL to the evaluated
 * experience's classes. A cell is undefined (-1) when the allowed set does not contain every class of the evaluated
 * experience. Sequence outputs {@code [n, classes, T]} are scored at each example's last unmasked time step
 * (sequence classification).
 *
 * <p>The trainer evaluates {@link #ofModel()} after every experience and before the first (the baseline of forward
 * transfer); a plugin offers an extra classifier with {@link #of(String, Function)}.</p>
 */
public final class AccuracyMetric implements StreamMetric {
    /** Row name of the class-IL accuracies. */
    public static final String CLASS_IL = "class_il";
    /** Row name of the task-IL accuracies. */
    public static final String TASK_IL = "task_il";

    private final String name;
    private final Function<MultiDataSet, INDArray> scorer;

    private AccuracyMetric(String name, Function<MultiDataSet, INDArray> scorer) {
        this.name = Objects.requireNonNull(name, "name");
        this.scorer = scorer;
    }

    /** @return the accuracy of the model's classification output (unnamed: rows "class_il" and "task_il") */
    public static AccuracyMetric ofModel() {
        return new AccuracyMetric("", null);
    }

    /**
     * @param name   the head's name (e.g. "nme"); its matrices are "name.class_il" and "name.task_il"
     * @param scorer a test minibatch (read only) to scores {@code [n, width]}, larger is more likely, column c is
     *               class c; classes the head cannot predict should score {@code -Infinity}
     * @return the metric of that head
     */
    public static AccuracyMetric of(String name, Function<MultiDataSet, INDArray> scorer) {
        if (name.isEmpty()) {
            throw new IllegalArgumentException("An extra head needs a name");
        }
        return new AccuracyMetric(name, Objects.requireNonNull(scorer, "scorer"));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean hasBaseline() {
        return scorer == null;
    }

    @Override
    public MetricRow evaluate(ContinualContext ctx, List<Experience> test) {
        return evaluate(ctx, test, null);
    }

    /**
     * As {@link #evaluate(ContinualContext, List)}, also adding the class-IL confusion of the test experiences whose
     * class-IL cell is defined to {@code confusion} (the trainer asks for it after the last experience only): on
     * minibatches scored alone it is the confusion matrix of DL4J's {@code Evaluation} (a {@link MaskedEvaluation});
     * on joined ones the same arg-max counted in the pass that counts the correct predictions.
     *
     * @param ctx       the trainer's context
     * @param test      the test experiences, in stream order
     * @param confusion null, or {@code [numClasses][numClasses]} counts to add to, {@code [actual][predicted]}
     * @return the row, as {@link #evaluate(ContinualContext, List)}
     */
    public MetricRow evaluate(ContinualContext ctx, List<Experience> test, long[][] confusion) {
        Function<MultiDataSet, INDArray> s = scorer != null ? scorer : ctx.model()::classScores;
        int[] allowed;
        if (scorer == null) {
            allowed = ctx.classIlAllowed();
        } else {
            allowed = ctx.seenClasses().stream().mapToInt(Integer::intValue).toArray();
        }
        int width = scorer == null ? ctx.headSize() : -1;
        long[][] r = evaluate(s, width, test, ctx.numClasses(), allowed, ctx.configuration().getEvalBatchSize(),
                scorer == null, confusion);
        return new MetricRow().put(CLASS_IL, r[0]).put(TASK_IL, r[1]);
    }

    /**
     * @param scorer         test minibatch to scores [n, width] (larger is more likely)
     * @param headSize       the scorer's output width, or -1 to take it from the first minibatch
     * @param stream         the test experiences
     * @param numClasses     label width
     * @param classIlAllowed classes allowed for class-IL predictions
     * @param batchSize      evaluation minibatch size
     * @return {classIlCorrect[], taskIlCorrect[]} per experience of the stream, -1 where undefined
     */
    public static long[][] evaluate(Function<MultiDataSet, INDArray> scorer, int headSize, List<Experience> stream,
                                    int numClasses, int[] classIlAllowed, int batchSize) {
        return evaluate(scorer, headSize, stream, numClasses, classIlAllowed, batchSize, false);
    }

    /**
     * As {@link #evaluate(Function, int, List, int, int[], int)}; with {@code rowWise} (the scorer scores every row on
     * its own, as a network's inference does) the minibatches of small test experiences are joined into forward
     * passes of about {@code batchSize} rows, so that a stream of many small experiences costs one pass over its
     * rows rather than one forward call per experience. Minibatches with masks or sequence labels are scored alone.
     */
    static long[][] evaluate(Function<MultiDataSet, INDArray> scorer, int headSize, List<Experience> stream,
                             int numClasses, int[] classIlAllowed, int batchSize, boolean rowWise) {
        return evaluate(scorer, headSize, stream, numClasses, classIlAllowed, batchSize, rowWise, null);
    }

    /**
     * As {@link #evaluate(Function, int, List, int, int[], int, boolean)}, adding the class-IL predictions of the
     * experiences whose class-IL cell is defined to {@code confusion} ({@code [actual][predicted]}) unless it is null.
     */
    static long[][] evaluate(Function<MultiDataSet, INDArray> scorer, int headSize, List<Experience> stream,
                             int numClasses, int[] classIlAllowed, int batchSize, boolean rowWise,
                             long[][] confusion) {
        if (confusion != null && (confusion.length != numClasses
                || java.util.Arrays.stream(confusion).anyMatch(row -> row.length != numClasses))) {
            throw new IllegalArgumentException("The confusion counts should be " + numClasses + " x " + numClasses);
        }
        long[] classIl = new long[stream.size()];
        long[] taskIl = new long[stream.size()];
        MaskedEvaluation[][] ev = new MaskedEvaluation[stream.size()][];
        Counts counts = new Counts(stream.size(), numClasses, classIlAllowed);
        counts.confusion = confusion;
        List<Integer> owners = new ArrayList<>();
        List<MultiDataSet> pending = new ArrayList<>();
        long rows = 0;
        for (int j = 0; j < stream.size(); j++) {
            Experience e = stream.get(j);
            MultiDataSetIterator it = e.iterator(batchSize, false, 0);
            while (it.hasNext()) {
                MultiDataSet ds = it.next();
                if (!rowWise || !joinable(ds, e.classificationOutput())) {
                    score(scorer, headSize, stream, numClasses, classIlAllowed, ev, counts, List.of(j), List.of(ds));
                    continue;
                }
                if (!pending.isEmpty() && !sameExampleShapes(pending.get(0), ds)) {
                    score(scorer, headSize, stream, numClasses, classIlAllowed, ev, counts, owners, pending);
                    owners.clear();
                    pending.clear();
                    rows = 0;
                }
                owners.add(j);
                pending.add(ds);
                rows += ds.getFeatures(0).size(0);
                if (rows >= batchSize) {
                    score(scorer, headSize, stream, numClasses, classIlAllowed, ev, counts, owners, pending);
                    owners.clear();
                    pending.clear();
                    rows = 0;
                }
            }
        }
        if (!pending.isEmpty()) {
            score(scorer, headSize, stream, numClasses, classIlAllowed, ev, counts, owners, pending);
        }
        if (confusion != null) {
            for (MaskedEvaluation[] e : ev) {
                if (e != null && e[0] != null && e[0].getConfusion() != null) {
                    addConfusion(e[0].getConfusion(), confusion);
                }
            }
        }
        for (int j = 0; j < stream.size(); j++) {
            boolean[] d = counts.defined[j];
            classIl[j] = d == null || !d[0] ? -1 : (ev[j] == null ? 0 : ev[j][0].correct()) + counts.correct[j][0];
            taskIl[j] = d == null || !d[1] ? -1 : (ev[j] == null ? 0 : ev[j][1].correct()) + counts.correct[j][1];
        }
        return new long[][]{classIl, taskIl};
    }

    /** Adds DL4J's confusion matrix (actual → predicted multiset) to the counts. */
    private static void addConfusion(org.nd4j.evaluation.classification.ConfusionMatrix<Integer> m, long[][] out) {
        for (Map.Entry<Integer, org.nd4j.shade.guava.collect.Multiset<Integer>> row : m.getMatrix().entrySet()) {
            for (org.nd4j.shade.guava.collect.Multiset.Entry<Integer> c : row.getValue().entrySet()) {
                out[row.getKey()][c.getElement()] += c.getCount();
            }
        }
    }

    /** Rows that can share a forward pass with other experiences' rows: no masks, 2-d class labels. */
    private static boolean joinable(MultiDataSet ds, int classOutput) {
        return ds.getFeaturesMaskArrays() == null && ds.getLabelsMaskArrays() == null
                && ds.getLabels(classOutput).rank() == 2;
    }

    private static boolean sameExampleShapes(MultiDataSet a, MultiDataSet b) {
        for (int i = 0; i < a.numFeatureArrays(); i++) {
            long[] sa = a.getFeatures(i).shape();
            long[] sb = b.getFeatures(i).shape();
            if (sa.length != sb.length || a.getFeatures(i).dataType() != b.getFeatures(i).dataType()
                    || !java.util.Arrays.equals(sa, 1, sa.length, sb, 1, sb.length)) {
                return false;
            }
        }
        return true;
    }

    /** Correct predictions counted in Java for joined minibatches, and the allowed-class masks they use. */
    private static final class Counts {
        final long[][] correct;
        final int[] classIlAllowed;
        final boolean[][] taskMasks;
        /** Per experience scored so far: whether its class-IL and task-IL accuracies are defined. */
        final boolean[][] defined;
        boolean[] classMask;
        /** Class-IL counts {@code [actual][predicted]} to add to, or null. */
        long[][] confusion;

        Counts(int experiences, int numClasses, int[] classIlAllowed) {
            this.correct = new long[experiences][2];
            this.defined = new boolean[experiences][];
            this.classIlAllowed = classIlAllowed;
            this.taskMasks = new boolean[experiences][];
        }
    }

    /**
     * Scores the minibatches in one forward pass (joined when several) and adds them to their experiences: one
     * minibatch through its {@link MaskedEvaluation}s; joined ones by {@link MaskedEvaluation#countCorrect}, the same
     * rule without ND4J ops per experience (unless a score is NaN).
     */
    private static void score(Function<MultiDataSet, INDArray> scorer, int headSize, List<Experience> stream,
                              int numClasses, int[] classIlAllowed, MaskedEvaluation[][] ev, Counts counts,
                              List<Integer> owners, List<MultiDataSet> parts) {
        MultiDataSet joined = parts.get(0);
        if (parts.size() > 1) {
            INDArray[] f = new INDArray[joined.numFeatureArrays()];
            for (int i = 0; i < f.length; i++) {
                INDArray[] each = new INDArray[parts.size()];
                for (int p = 0; p < each.length; p++) {
                    each[p] = parts.get(p).getFeatures(i);
                }
                f[i] = Nd4j.concat(0, each);
            }
            joined = new org.nd4j.linalg.dataset.MultiDataSet(f, null);
        }
        INDArray scores = scorer.apply(joined);
        int width = headSize > 0 ? headSize : (int) scores.size(1);
        double[] flat = null;
        int[] actual = null;
        if (parts.size() > 1 && scores.rank() == 2 && scores.size(1) == width) {
            flat = scores.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (double v : flat) {
                if (Double.isNaN(v)) {
                    flat = null;
                    break;
                }
            }
        }
        if (flat != null) {
            actual = new int[(int) scores.size(0)];
            int row = 0;
            for (int p = 0; p < parts.size(); p++) {
                MultiDataSet ds = parts.get(p);
                INDArray l = ds.getLabels(stream.get(owners.get(p)).classificationOutput());
                if (l.size(1) != numClasses) {
                    throw new IllegalStateException("Labels have " + l.size(1) + " columns; expected " + numClasses);
                }
                float[] lf = l.castTo(DataType.FLOAT).dup('c').data().asFloat();
                for (int r = 0; r < l.size(0); r++, row++) {
                    int arg = 0;
                    for (int c = 1; c < numClasses; c++) {
                        if (lf[r * numClasses + c] > lf[r * numClasses + arg]) {
                            arg = c;
                        }
                    }
                    actual[row] = arg;
                }
            }
            if (counts.classMask == null) {
                counts.classMask = MaskedEvaluation.allowedMask(numClasses, width, classIlAllowed);
            }
        }
        long off = 0;
        for (int p = 0; p < parts.size(); p++) {
            int j = owners.get(p);
            Experience e = stream.get(j);
            MultiDataSet ds = parts.get(p);
            long n = ds.getFeatures(0).size(0);
            if (counts.defined[j] == null) {
                int[] classes = e.classArray();
                counts.defined[j] = new boolean[]{containsAll(classIlAllowed, classes, width),
                        containsAll(classes, classes, width)};
            }
            if (flat != null) {
                if (counts.defined[j][0]) {
                    counts.correct[j][0] += MaskedEvaluation.countCorrect(flat, width, counts.classMask, actual,
                            (int) off, (int) n, counts.confusion);
                }
                if (counts.defined[j][1]) {
                    if (counts.taskMasks[j] == null) {
                        counts.taskMasks[j] = MaskedEvaluation.allowedMask(numClasses, width, e.classArray());
                    }
                    counts.correct[j][1] += MaskedEvaluation.countCorrect(flat, width, counts.taskMasks[j], actual,
                            (int) off, (int) n);
                }
                off += n;
                continue;
            }
            INDArray mine = parts.size() == 1 ? scores
                    : scores.get(NDArrayIndex.interval(off, off + n), NDArrayIndex.all());
            off += n;
            INDArray[] pl = scoresAndLabels(mine, ds, e.classificationOutput());
            if (ev[j] == null) {
                ev[j] = evaluations(e, numClasses, width, classIlAllowed);
            }
            for (MaskedEvaluation m : ev[j]) {
                if (m != null) {
                    m.eval(pl[1], pl[0]);
                }
            }
        }
    }

    /**
     * Two-dimensional scores and labels of a minibatch: the scores as given for {@code [n, k]} outputs; for
     * sequence outputs {@code [n, k, T]} the step of every example's last unmasked label.
     *
     * @param scores      the scorer's output
     * @param batch       the minibatch
     * @param classOutput the output whose labels carry the classes
     * @return {scores [n, k], labels [n, classes]}
     */
    public static INDArray[] scoresAndLabels(INDArray scores, MultiDataSet batch, int classOutput) {
        INDArray labels = batch.getLabels(classOutput);
        if (labels.rank() == 2) {
            return new INDArray[]{scores, labels};
        }
        INDArray mask = batch.getLabelsMaskArrays() == null ? null : batch.getLabelsMaskArrays()[classOutput];
        int n = (int) labels.size(0);
        int t = (int) labels.size(2);
        int[] rows = new int[n];
        float[] m = mask == null ? null : mask.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).reshape(n, -1)
                .dup('c').data().asFloat();
        for (int i = 0; i < n; i++) {
            int last = t - 1;
            if (m != null) {
                while (last > 0 && m[i * t + last] == 0f) {
                    last--;
                }
            }
            rows[i] = i * t + last;
        }
        return new INDArray[]{lastSteps(scores, rows), lastSteps(labels, rows)};
    }

    private static INDArray lastSteps(INDArray seq, int[] rows) {
        if (seq.rank() != 3) {
            throw new IllegalArgumentException("Sequence labels need sequence scores [n, classes, T] (got shape "
                    + java.util.Arrays.toString(seq.shape()) + ")");
        }
        INDArray flat = seq.permute(0, 2, 1).dup('c').reshape(seq.size(0) * seq.size(2), seq.size(1));
        return Nd4j.pullRows(flat, 1, rows);
    }

    /**
     * The two evaluations of one test experience, for evaluators that run the forward passes elsewhere (e.g. on a
     * Spark cluster): class-IL restricted to {@code classIlAllowed}, task-IL restricted to the experience's own
     * classes. An evaluation is null when its cell is undefined (the allowed set, within the head, does not contain
     * every class of the experience).
     *
     * @param e              the test experience
     * @param numClasses     label width
     * @param headSize       width of the scores
     * @param classIlAllowed classes allowed for class-IL predictions
     * @return {classIl, taskIl}, each null where undefined
     */
    public static MaskedEvaluation[] evaluations(Experience e, int numClasses, int headSize, int[] classIlAllowed) {
        int[] classes = e.classArray();
        return new MaskedEvaluation[]{
                containsAll(classIlAllowed, classes, headSize)
                        ? new MaskedEvaluation(numClasses, headSize, classIlAllowed) : null,
                containsAll(classes, classes, headSize) ? new MaskedEvaluation(numClasses, headSize, classes) : null};
    }

    private static boolean containsAll(int[] allowed, int[] classes, int headSize) {
        boolean[] a = new boolean[headSize];
        for (int c : allowed) {
            if (c >= 0 && c < headSize) {
                a[c] = true;
            }
        }
        for (int c : classes) {
            if (c < 0 || c >= headSize || !a[c]) {
                return false;
            }
        }
        return true;
    }
}
