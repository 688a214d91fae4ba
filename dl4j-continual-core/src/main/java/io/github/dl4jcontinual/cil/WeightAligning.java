package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.serde.JsonConfiguration;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.model.ContinualModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * Weight Aligning (WA, Zhao et al., CVPR 2020, "Maintaining Discrimination and Fairness in Class Incremental
 * Learning"): after training on an experience with new classes, the new classes' weight vectors of the output layer
 * are multiplied by {@code γ = mean_{old} ||w_c|| / mean_{new} ||w_c||}, so that their mean norm equals the old
 * classes'. As in PyCIL's {@code weight_align}, only the weights are rescaled, not the biases.
 *
 * <p>Works with any output layer whose parameter {@code "W"} has one column per class ([nIn, nOut], DL4J's
 * {@code OutputLayer}/{@code DenseLayer} layout; also {@link CosineOutputLayer}, where it has no effect on the
 * outputs because the columns are normalised), in a MultiLayerNetwork or ComputationGraph, FIXED or EXPANDING head.
 * Combine it with a rehearsal plugin (and optionally distillation), as the paper does. Immutable; JSON
 * round-trips.</p>
 */
public final class WeightAligning extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(WeightAligning.class);

    /** The defaults (there are no settings). */
    public WeightAligning() {
    }

    /** {@inheritDoc} */
    @Override
    public ContinualPlugin instantiate() {
        return new Runtime();
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "wa";
    }

    @Override
    public String toString() {
        return "WeightAligning";
    }

    /**
     * Rescales the new classes' weight columns of the model's output layer in place.
     *
     * @param model      the network
     * @param oldClasses the old classes (column indices), at least one
     * @param newClasses the new classes (column indices), at least one
     * @return γ, the factor applied to the new columns
     * @throws IllegalArgumentException if the output layer has no "W", a class is outside its columns, or a set is
     *                                  empty
     */
    public static double align(ContinualModel model, int[] oldClasses, int[] newClasses) {
        INDArray w = model.headParam("W", "Weight aligning");
        if (oldClasses.length == 0 || newClasses.length == 0) {
            throw new IllegalArgumentException("Weight aligning needs old and new classes (got old "
                    + Arrays.toString(oldClasses) + ", new " + Arrays.toString(newClasses) + ")");
        }
        double oldMean = meanNorm(w, oldClasses);
        double newMean = meanNorm(w, newClasses);
        if (!(newMean > 0)) {
            throw new IllegalStateException("The new classes' weight vectors have norm " + newMean
                    + ": cannot align them");
        }
        double gamma = oldMean / newMean;
        for (int c : newClasses) {
            w.getColumn(c).muli(gamma);
        }
        return gamma;
    }

    /**
     * @param w       weights [nIn, nOut]
     * @param classes columns
     * @return the mean L2 norm of the columns
     */
    static double meanNorm(INDArray w, int[] classes) {
        double s = 0;
        for (int c : classes) {
            if (c < 0 || c >= w.size(1)) {
                throw new IllegalArgumentException("class " + c + " is outside the output layer's " + w.size(1)
                        + " columns");
            }
            s += w.get(NDArrayIndex.all(), NDArrayIndex.point(c)).norm2Number().doubleValue();
        }
        return s / classes.length;
    }

    /** Runtime: aligns after every experience that adds classes to old ones; records the factors. */
    static final class Runtime implements ContinualPlugin {
        private final List<Double> gammas = new ArrayList<>();

        @Override
        public void afterExperience(ContinualContext ctx, Experience experience) {
            int[] seen = experience.seenClassArray();
            int[] cur = experience.classArray();
            int[] old = Arrays.stream(seen).filter(c -> Arrays.stream(cur).noneMatch(x -> x == c)).toArray();
            if (old.length == 0 || cur.length == 0) {
                return;
            }
            double g = align(ctx.model(), old, cur);
            gammas.add(g);
            LOG.info("Experience {}: weight aligning gamma {}", experience.index(), g);
        }

        /** The factors applied so far (they are only reported; the alignment itself lives in the weights). */
        @Override
        public java.io.Serializable saveState() {
            return new ArrayList<>(gammas);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void restoreState(ContinualContext ctx, java.io.Serializable state) {
            if (!(state instanceof ArrayList)) {
                throw new IllegalArgumentException("Expected the state of a wa plugin (got: "
                        + (state == null ? null : state.getClass().getName()) + ")");
            }
            gammas.clear();
            gammas.addAll((List<Double>) state);
        }

        /** @return the factors applied so far */
        List<Double> gammas() {
            return Collections.unmodifiableList(gammas);
        }
    }
}
