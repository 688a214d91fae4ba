package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.plugin.PluginStates;
import io.github.dl4jcontinual.data.MappedMultiDataSetIterator;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBuffer;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;
import io.github.dl4jcontinual.model.ContinualModel;
import org.apache.commons.lang3.SerializationUtils;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Random;

/**
 * LUCIR (Hou et al., CVPR 2019, "Learning a Unified Classifier Incrementally via Rebalancing") as a plugin, for a
 * network whose output layer is a {@link CosineOutputLayer}: training on the union of the experience and the
 * herding exemplars with the cosine classifier's cross-entropy, plus, from the second experience on,
 * <ul>
 *   <li>the less-forget constraint {@code λ · (1 − cos(f(x), f_old(x)))} on the normalised features feeding the
 *   classifier, with the adaptive weight {@code λ = λ_base · √(|old classes| / |new classes|)};</li>
 *   <li>the margin ranking loss on the old-class examples of each minibatch: for the K new classes with the highest
 *   cosine (hard negatives), {@code max(0, m − cos(f, W_y) + cos(f, W_k))}.</li>
 * </ul>
 * Defaults are the paper's CIFAR-100 values: λ_base 5, m 0.5, K 2, ranking weight 1. Not included: the
 * class-balanced finetuning and the imprinting of new weights (the new columns use the layer's initialisation).
 *
 * <p>The plugin trains on the union of the examples from the previous plugins' iterator and the exemplars; register
 * it before {@code IterationBudget}. Works with FIXED and EXPANDING heads (the cosine layer grows), MultiLayerNetwork
 * and ComputationGraph. Immutable; JSON round-trips.</p>
 */
public final class LucirConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LucirConfiguration.class);

    private BufferConfiguration buffer = ExemplarMemory.herdingPerClass(20, null);
    private double lambdaBase = 5.0;
    private double margin = 0.5;
    private int hardNegatives = 2;
    private double rankingWeight = 1.0;

    private LucirConfiguration() {
        // for Jackson
    }

    /** @return the exemplar memory */
    public BufferConfiguration getBuffer() {
        return buffer;
    }

    /** @return λ_base */
    public double getLambdaBase() {
        return lambdaBase;
    }

    /** @return the ranking margin m */
    public double getMargin() {
        return margin;
    }

    /** @return K, the number of hard negatives */
    public int getHardNegatives() {
        return hardNegatives;
    }

    /** @return the weight of the ranking loss */
    public double getRankingWeight() {
        return rankingWeight;
    }

    /** {@inheritDoc} */
    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "lucir";
    }

    /**
     * @param json JSON from {@link #toJson()}
     * @return the configuration
     */
    public static LucirConfiguration fromJson(String json) {
        return (LucirConfiguration) ContinualJson.fromJson(json, PluginConfiguration.class);
    }

    /**
     * The adaptive weight of the less-forget constraint.
     *
     * @param lambdaBase λ_base
     * @param oldClasses number of old classes
     * @param newClasses number of new classes, at least 1
     * @return λ_base · √(old / new)
     */
    public static double lambda(double lambdaBase, int oldClasses, int newClasses) {
        if (newClasses < 1) {
            throw new IllegalArgumentException("newClasses should be >= 1 (got: " + newClasses + ")");
        }
        return lambdaBase * Math.sqrt((double) oldClasses / newClasses);
    }

    /** Builder; defaults: 20 herding exemplars per class, λ_base 5, m 0.5, K 2, ranking weight 1. */
    public static final class Builder extends JsonConfiguration.Builder<LucirConfiguration> {
        /** Starts from the defaults. */
        public Builder() {
            super(new LucirConfiguration());
        }

        /**
         * @param buffer the exemplar memory (needs a selection policy)
         * @return this builder
         */
        public Builder buffer(BufferConfiguration buffer) {
            c.buffer = ExemplarMemory.requireSelection(buffer, "LUCIR");
            return this;
        }

        /**
         * @param perClass herding exemplars per class, at least 1
         * @return this builder
         */
        public Builder exemplarsPerClass(int perClass) {
            return buffer(ExemplarMemory.herdingPerClass(perClass, null));
        }

        /**
         * @param v λ_base, at least 0
         * @return this builder
         */
        public Builder lambdaBase(double v) {
            c.lambdaBase = requireNonNegative("lambdaBase", v);
            return this;
        }

        /**
         * @param v the margin m, in [0, 2]
         * @return this builder
         */
        public Builder margin(double v) {
            if (!(v >= 0 && v <= 2)) {
                throw new IllegalArgumentException("margin should be in [0, 2] (cosines lie in [-1, 1]; got: " + v
                        + ")");
            }
            c.margin = v;
            return this;
        }

        /**
         * @param k hard negatives per old-class example, at least 0 (0 disables the ranking loss)
         * @return this builder
         */
        public Builder hardNegatives(int k) {
            c.hardNegatives = requireAtLeast("hardNegatives", k, 0);
            return this;
        }

        /**
         * @param w weight of the ranking loss, at least 0
         * @return this builder
         */
        public Builder rankingWeight(double w) {
            c.rankingWeight = requireNonNegative("rankingWeight", w);
            return this;
        }
    }

    /**
     * @param model the network
     * @return its cosine output layer
     * @throws IllegalArgumentException naming the layer if it is not a {@link CosineOutputLayer}
     */
    static CosineOutputLayer cosineLayer(ContinualModel model) {
        Layer l = model.headConf();
        if (!(l instanceof CosineOutputLayer)) {
            throw new IllegalArgumentException("LUCIR needs a CosineOutputLayer as the output layer; "
                    + model.classificationOutputName() + " is a " + l.getClass().getSimpleName()
                    + ". Build the network with new CosineOutputLayer.Builder().nIn(..).nOut(..).build()");
        }
        return (CosineOutputLayer) l;
    }

    /**
     * @param model a model
     * @throws IllegalArgumentException if it has several outputs: LUCIR's extra terms come from a twin whose
     *                                  whole loss would add the other outputs' losses again
     */
    static void checkOneOutput(ContinualModel model) {
        if (model.numOutputs() != 1) {
            throw new IllegalArgumentException("LUCIR's extra loss is computed on a model with one output; this "
                    + model.kind() + " has outputs " + model.outputNames());
        }
    }

    /** Runtime: the exemplar memory, the teacher and the listener of the current experience. */
    static final class Runtime implements ContinualPlugin {
        private final LucirConfiguration conf;
        private ReplayBuffer memory;
        private Random rng;
        private ContinualModel teacher;
        private int oldClasses;
        private int seenClasses;
        private double lambda;
        private LucirListener listener;

        Runtime(LucirConfiguration conf) {
            this.conf = conf;
        }

        @Override
        public void onStreamStart(ContinualContext ctx) {
            cosineLayer(ctx.model());
            checkOneOutput(ctx.model());
            memory = conf.buffer.build(false).classificationOutput(ctx.model().classificationOutput());
            rng = ctx.rng("lucir.exemplars");
        }

        @Override
        public void beforeExperience(ContinualContext ctx, Experience experience) {
            seenClasses = experience.seenClassArray().length;
            int newClasses = experience.classArray().length;
            oldClasses = seenClasses - newClasses;
            teacher = oldClasses > 0 ? ctx.model().copy() : null;
            lambda = oldClasses > 0 ? lambda(conf.lambdaBase, oldClasses, newClasses) : 0;
            listener = null;
        }

        @Override
        public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
            if (teacher == null) {
                return List.of();
            }
            LucirLossLayer loss = new LucirLossLayer(cosineLayer(ctx.model()), oldClasses, seenClasses, lambda,
                    conf.margin, conf.hardNegatives, conf.rankingWeight);
            listener = new LucirListener(teacher, ctx.model(), loss, oldClasses);
            return List.of(listener);
        }

        @Override
        public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                      MultiDataSetIterator data) {
            MultiDataSetIterator it = IcarlConfiguration.union(ctx, experience, data, memory);
            if (teacher == null) {
                return it;
            }
            // the listener is created after the data (trainer order); look it up lazily per minibatch
            return new MappedMultiDataSetIterator(it, ds -> listener == null ? ds : listener.record(ds));
        }

        @Override
        public void afterExperience(ContinualContext ctx, Experience experience) {
            if (listener != null) {
                LOG.info("Experience {}: LUCIR lambda {}, mean extra loss {} over {} iterations", experience.index(),
                        lambda, listener.meanLoss(), listener.iterations());
            }
            teacher = null;
            listener = null;
            memory.consolidate(experience, ctx.model(), rng);
        }

        /** The exemplar memory and its generator (the teacher is the model a checkpoint holds). */
        @Override
        public java.io.Serializable saveState() {
            return new java.io.Serializable[]{memory.saveState(), SerializationUtils.clone(rng)};
        }

        @Override
        public void restoreState(ContinualContext ctx, java.io.Serializable state) {
            java.io.Serializable[] s = PluginStates.parts(state, 2, "a lucir plugin");
            Random r = PluginStates.part(s, 1, Random.class, false, "a lucir plugin");
            memory.restoreState(s[0]);
            rng = SerializationUtils.clone(r);
        }
    }
}
