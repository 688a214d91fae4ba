package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.data.DelegatingMultiDataSetIterator;
import io.github.dl4jcontinual.plugin.PluginStates;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;
import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.model.ContinualModel;
import org.apache.commons.lang3.SerializationUtils;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * BiC (Wu et al., CVPR 2019, "Large Scale Incremental Learning") as a plugin: a two-parameter bias correction
 * {@code o_k ← α·o_k + β} of the new classes' logits, fitted (network frozen) on a held-out, class-balanced
 * validation set after the main training of each experience with new and old classes; old classes' logits are
 * unchanged.
 *
 * <p>Validation set: before training on an experience, {@code validationPerClass} examples of each of its classes
 * are drawn at random and held out (the plugin replaces the experience's training iterator by one over the rest, so
 * register it first among data-adapting plugins, before the rehearsal plugin; the exemplar unions of iCaRL, LUCIR
 * and replay read that rest, not the whole experience). The held-out examples are kept
 * (detached copies) and, together with those of all earlier classes, form the balanced set on which α and β
 * minimise the softmax cross-entropy over the seen classes (full-batch Adam). They count as memory beside the
 * rehearsal buffer: to compare at equal memory, shrink the buffer by {@code validationPerClass} per class.</p>
 *
 * <p>Applying the correction: the output layer must be an affine layer followed by softmax ({@code OutputLayer}
 * with parameters W [nIn, nOut] and b), so that {@code α·(xW_k + b_k) + β = x(αW_k) + (αb_k + β)}: the correction
 * is folded exactly into the new classes' columns, and the network stays a plain DL4J network (later training
 * starts from the corrected layer; the paper keeps the old stages' bias layers frozen instead). Immutable; JSON
 * round-trips.</p>
 */
public final class BiasCorrection extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(BiasCorrection.class);

    private int validationPerClass = 10;
    private int iterations = 500;
    private double learningRate = 0.01;

    private BiasCorrection() {
        // for Jackson
    }

    /** @return held-out validation examples per class */
    public int getValidationPerClass() {
        return validationPerClass;
    }

    /** @return full-batch Adam steps fitting α and β */
    public int getIterations() {
        return iterations;
    }

    /** @return Adam's learning rate for α and β */
    public double getLearningRate() {
        return learningRate;
    }

    /** {@inheritDoc} */
    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "bic";
    }

    /**
     * @param json JSON from {@link #toJson()}
     * @return the configuration
     */
    public static BiasCorrection fromJson(String json) {
        return (BiasCorrection) ContinualJson.fromJson(json, PluginConfiguration.class);
    }

    /**
     * Fits α and β: minimises the mean softmax cross-entropy of {@code logits} (new columns corrected) over the
     * given columns, starting from α = 1, β = 0, with full-batch Adam.
     *
     * @param logits     [n, k] logits of the seen classes (column j is class {@code columns[j]})
     * @param labels     the position in {@code columns} of every row's class
     * @param isNew      per column, whether it is a new class (corrected)
     * @param iterations Adam steps
     * @param lr         Adam's learning rate
     * @return {α, β}
     */
    static double[] fit(double[][] logits, int[] labels, boolean[] isNew, int iterations, double lr) {
        double[] theta = {1, 0};
        double[] m = new double[2];
        double[] v = new double[2];
        int n = logits.length;
        int k = isNew.length;
        double[] z = new double[k];
        for (int t = 1; t <= iterations; t++) {
            double ga = 0;
            double gb = 0;
            for (int i = 0; i < n; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    z[j] = isNew[j] ? theta[0] * logits[i][j] + theta[1] : logits[i][j];
                    max = Math.max(max, z[j]);
                }
                double sum = 0;
                for (int j = 0; j < k; j++) {
                    z[j] = Math.exp(z[j] - max);
                    sum += z[j];
                }
                for (int j = 0; j < k; j++) {
                    if (isNew[j]) {
                        double d = z[j] / sum - (labels[i] == j ? 1 : 0);
                        ga += d * logits[i][j];
                        gb += d;
                    }
                }
            }
            double[] g = {ga / n, gb / n};
            for (int p = 0; p < 2; p++) {
                m[p] = 0.9 * m[p] + 0.1 * g[p];
                v[p] = 0.999 * v[p] + 0.001 * g[p] * g[p];
                double mh = m[p] / (1 - Math.pow(0.9, t));
                double vh = v[p] / (1 - Math.pow(0.999, t));
                theta[p] -= lr * mh / (Math.sqrt(vh) + 1e-8);
            }
        }
        return theta;
    }

    /**
     * Folds {@code α·o + β} on the new classes into the output layer: W[:, c] ← α·W[:, c], b[c] ← α·b[c] + β.
     *
     * @param model      the network
     * @param newClasses the corrected classes (columns)
     * @param alpha      α
     * @param beta       β
     */
    public static void fold(ContinualModel model, int[] newClasses, double alpha, double beta) {
        checkAffineOutput(model);
        INDArray w = model.headParam("W", "Bias correction");
        INDArray b = model.headParam("b", "Bias correction");
        for (int c : newClasses) {
            w.getColumn(c).muli(alpha);
            b.putScalar(c, alpha * b.getDouble(c) + beta);
        }
    }

    /**
     * @param model the network
     * @param x     a minibatch (its inputs are read)
     * @return the output layer's pre-activations x·W + b [n, nOut] (double)
     */
    static INDArray logits(ContinualModel model, MultiDataSet x) {
        checkAffineOutput(model);
        INDArray w = model.headParam("W", "Bias correction").castTo(DataType.DOUBLE);
        INDArray b = model.headParam("b", "Bias correction").castTo(DataType.DOUBLE);
        INDArray f = model.features(null, x.getFeatures(), x.getFeaturesMaskArrays()).castTo(DataType.DOUBLE);
        return f.mmul(w).addiRowVector(b.reshape(1, -1));
    }

    private static void checkAffineOutput(ContinualModel model) {
        Layer l = model.headConf();
        if (!(l instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException("Bias correction folds α·o + β into an affine output layer "
                    + "(OutputLayer with W and b); the output layer " + model.classificationOutputName() + " is a "
                    + l.getClass().getSimpleName());
        }
    }

    /** Builder; defaults: 10 validation examples per class, 500 Adam steps at learning rate 0.01. */
    public static final class Builder extends JsonConfiguration.Builder<BiasCorrection> {
        /** Starts from the defaults. */
        public Builder() {
            super(new BiasCorrection());
        }

        /**
         * @param n held-out examples per class, at least 1
         * @return this builder
         */
        public Builder validationPerClass(int n) {
            c.validationPerClass = requireAtLeast("validationPerClass", n, 1);
            return this;
        }

        /**
         * @param n Adam steps fitting α and β, at least 1
         * @return this builder
         */
        public Builder iterations(int n) {
            c.iterations = requireAtLeast("iterations", n, 1);
            return this;
        }

        /**
         * @param lr Adam's learning rate, more than 0
         * @return this builder
         */
        public Builder learningRate(double lr) {
            c.learningRate = requirePositive("learningRate", lr);
            return this;
        }
    }

    /**
     * The training iterator BiC hands on: the experience without its held-out examples, and that part as an
     * {@link Experience}, so that a later plugin which builds its own iterator from the experience (the union of
     * the experience and the exemplars of iCaRL, LUCIR and replay) starts from the part BiC trains on instead of
     * the whole experience. Everything else is delegated.
     */
    static final class TrainingSplit extends DelegatingMultiDataSetIterator {
        private static final long serialVersionUID = 1L;
        private final transient Experience training;

        TrainingSplit(MultiDataSetIterator data, Experience training) {
            super(data);
            this.training = training;
        }

        /**
         * @param experience the training experience
         * @param data       the iterator a plugin was given
         * @return the part of the experience BiC trains on if {@code data} is BiC's split, else {@code experience}
         */
        static Experience trainedPart(Experience experience, MultiDataSetIterator data) {
            return data instanceof TrainingSplit ? ((TrainingSplit) data).training : experience;
        }
    }

    /** Runtime: the validation store, the held-out split of the current experience, the fitted corrections. */
    static final class Runtime implements ContinualPlugin {
        private final BiasCorrection conf;
        private final List<MultiDataSet> validation = new ArrayList<>();
        private final List<double[]> corrections = new ArrayList<>();
        private Random rng;
        private MultiDataSet heldOut;
        private Experience training;

        Runtime(BiasCorrection conf) {
            this.conf = conf;
        }

        @Override
        public void onStreamStart(ContinualContext ctx) {
            rng = ctx.rng("bic.validation");
            validation.clear();
            corrections.clear();
        }

        /** Holds {@code validationPerClass} random examples of every new class out (read now; the rest stays put). */
        @Override
        public void beforeExperience(ContinualContext ctx, Experience experience) {
            int[] ids = experience.classIdsInOrder();
            List<Integer> keep = new ArrayList<>();
            List<Integer> hold = new ArrayList<>();
            for (int c : experience.classArray()) {
                List<Integer> rows = new ArrayList<>();
                for (int i = 0; i < ids.length; i++) {
                    if (ids[i] == c) {
                        rows.add(i);
                    }
                }
                if (rows.size() <= conf.validationPerClass) {
                    throw new IllegalArgumentException("Class " + c + " of experience " + experience.index()
                            + " has " + rows.size() + " examples: BiC cannot hold out " + conf.validationPerClass
                            + " of them for validation and still train on it (lower validationPerClass)");
                }
                Collections.shuffle(rows, rng);
                hold.addAll(rows.subList(0, conf.validationPerClass));
                keep.addAll(rows.subList(conf.validationPerClass, rows.size()));
            }
            Collections.sort(keep);
            heldOut = Batches.copy(experience.rows(hold.stream().mapToInt(Integer::intValue).toArray()));
            training = experience.subset(keep.stream().mapToInt(Integer::intValue).toArray());
        }

        @Override
        public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                      MultiDataSetIterator data) {
            return new TrainingSplit(ctx.trainingIterator(training), training);
        }

        @Override
        public void afterExperience(ContinualContext ctx, Experience experience) {
            validation.add(heldOut);
            heldOut = null;
            training = null;
            int[] seen = experience.seenClassArray();
            int[] cur = experience.classArray();
            if (seen.length == cur.length) {
                return;
            }
            MultiDataSet val = validation.get(0);
            for (int i = 1; i < validation.size(); i++) {
                val = Batches.concat(val, validation.get(i));
            }
            INDArray z = logits(ctx.model(), val);
            int[] ids = DataSets.classIds(val.getLabels(ctx.model().classificationOutput()));
            double[][] zs = new double[ids.length][seen.length];
            int[] pos = new int[ids.length];
            boolean[] isNew = new boolean[seen.length];
            for (int j = 0; j < seen.length; j++) {
                final int c = seen[j];
                isNew[j] = Arrays.stream(cur).anyMatch(x -> x == c);
            }
            for (int i = 0; i < ids.length; i++) {
                pos[i] = -1;
                for (int j = 0; j < seen.length; j++) {
                    zs[i][j] = z.getDouble(i, seen[j]);
                    if (seen[j] == ids[i]) {
                        pos[i] = j;
                    }
                }
            }
            double[] ab = fit(zs, pos, isNew, conf.iterations, conf.learningRate);
            fold(ctx.model(), cur, ab[0], ab[1]);
            corrections.add(ab);
            LOG.info("Experience {}: BiC alpha {} beta {} on {} validation examples", experience.index(), ab[0],
                    ab[1], ids.length);
        }

        /** The held-out validation examples, the corrections so far and the generator. */
        @Override
        public java.io.Serializable saveState() {
            ArrayList<INDArray[][]> v = new ArrayList<>();
            for (MultiDataSet m : validation) {
                MultiDataSet c = Batches.copy(m);
                v.add(new INDArray[][]{c.getFeatures(), c.getLabels(), c.getFeaturesMaskArrays(),
                        c.getLabelsMaskArrays()});
            }
            ArrayList<double[]> c = new ArrayList<>();
            corrections.forEach(ab -> c.add(ab.clone()));
            return new java.io.Serializable[]{v, c, SerializationUtils.clone(rng)};
        }

        @Override
        @SuppressWarnings("unchecked")
        public void restoreState(ContinualContext ctx, java.io.Serializable state) {
            java.io.Serializable[] s = PluginStates.parts(state, 3, "a bic plugin");
            List<INDArray[][]> held = PluginStates.part(s, 0, List.class, false, "a bic plugin");
            List<double[]> ab = PluginStates.part(s, 1, List.class, false, "a bic plugin");
            Random r = PluginStates.part(s, 2, Random.class, false, "a bic plugin");
            validation.clear();
            for (INDArray[][] m : held) {
                validation.add(Batches.copy(new org.nd4j.linalg.dataset.MultiDataSet(m[0], m[1], m[2], m[3])));
            }
            corrections.clear();
            ab.forEach(x -> corrections.add(x.clone()));
            rng = SerializationUtils.clone(r);
        }

        /** @return the fitted {α, β} of every corrected experience */
        List<double[]> corrections() {
            return Collections.unmodifiableList(corrections);
        }
    }
}
