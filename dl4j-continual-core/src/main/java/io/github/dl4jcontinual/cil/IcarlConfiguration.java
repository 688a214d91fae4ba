package io.github.dl4jcontinual.cil;

import io.github.dl4jcontinual.plugin.PluginStates;
import io.github.dl4jcontinual.data.MappedMultiDataSetIterator;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.eval.AccuracyMetric;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.StreamMetric;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.replay.ReplayBuffer;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.serde.JsonConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.apache.commons.lang3.SerializationUtils;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Random;

/**
 * iCaRL (Rebuffi et al., CVPR 2017) as a plugin: representation learning on the union of the current experience
 * and the exemplar set, with iCaRL's distillation (the old classes' targets are the previous model's sigmoid
 * outputs, {@link DistilledTargets}); exemplars chosen by herding in feature space at the end of every
 * experience (a class-balanced {@link BufferConfiguration}, by default {@link HerdingSelection}); and the
 * {@link NearestMeanClassifier nearest-mean-of-exemplars} classifier, offered to the trainer as the evaluation head
 * "nme" so that a run reports both the network's ("CNN") and the NME accuracies, as PyCIL does.
 *
 * <p>Requirements: with distillation on (the default), the output layer must be a sigmoid layer trained with
 * binary cross-entropy ({@code OutputLayer} with {@code Activation.SIGMOID} and {@code LossFunction.XENT}), as in
 * the paper; {@code fit} fails with a message naming the layer otherwise. The plugin trains on the union of the
 * examples the previous plugins' iterator yields in one pass (normally the whole experience) and all exemplars,
 * reshuffled every epoch; register it before {@code IterationBudget}. With distillation and NME off and a softmax
 * head, it is PyCIL's "Replay" baseline (exemplars added to the training set). Works with FIXED and EXPANDING heads, MultiLayerNetwork and ComputationGraph.</p>
 *
 * <p>Immutable; JSON round-trips ({@link #toJson()}).</p>
 */
public final class IcarlConfiguration extends JsonConfiguration implements PluginConfiguration {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(IcarlConfiguration.class);

    private BufferConfiguration buffer = ExemplarMemory.herdingPerClass(20, null);
    private boolean distillation = true;
    private boolean nearestMean = true;
    private String featureLayer;
    private double temperature = 1.0;

    private IcarlConfiguration() {
        // for Jackson
    }

    /** @return the exemplar memory (a selection-based buffer) */
    public BufferConfiguration getBuffer() {
        return buffer;
    }

    /** @return whether the old classes' targets are replaced by the previous model's outputs */
    public boolean isDistillation() {
        return distillation;
    }

    /** @return whether the nearest-mean-of-exemplars head is evaluated */
    public boolean isNearestMean() {
        return nearestMean;
    }

    /** @return the feature layer of the NME classifier, or null for the layer before the output */
    public String getFeatureLayer() {
        return featureLayer;
    }

    /**
     * @return the distillation temperature T: the old classes' targets are {@code σ(z_old / T)} of the previous
     *         model's logits (1 in the paper; van de Ven's and PyCIL's implementations use 2)
     */
    public double getTemperature() {
        return temperature;
    }

    /** {@inheritDoc} */
    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "icarl";
    }

    /**
     * @param json JSON from {@link #toJson()}
     * @return the configuration
     */
    public static IcarlConfiguration fromJson(String json) {
        return (IcarlConfiguration) ContinualJson.fromJson(json, PluginConfiguration.class);
    }

    /**
     * Checks that iCaRL's distillation can run on a network's output layer.
     *
     * @param model the network
     * @throws IllegalArgumentException naming the layer, its activation and loss, if it is not sigmoid + XENT
     */
    static void checkSigmoidOutput(ContinualModel model) {
        Layer l = model.headConf();
        if (l instanceof BaseOutputLayer) {
            BaseOutputLayer o = (BaseOutputLayer) l;
            if (o.getActivationFn() instanceof ActivationSigmoid && o.getLossFn() instanceof LossBinaryXENT) {
                return;
            }
            throw new IllegalArgumentException("iCaRL's distillation needs a sigmoid output layer trained with "
                    + "binary cross-entropy (Activation.SIGMOID, LossFunction.XENT); the output layer "
                    + model.classificationOutputName() + " has activation " + o.getActivationFn() + " and loss "
                    + o.getLossFn() + ". Build it so, or use distillation(false)");
        }
        throw new IllegalArgumentException("iCaRL's distillation needs a sigmoid OutputLayer with LossFunction.XENT; "
                + "the output layer " + model.classificationOutputName() + " is a " + l.getClass().getSimpleName());
    }

    /**
     * The union of an experience and every stored exemplar, as a training iterator of the trainer (reshuffled every
     * epoch): the experience is read from its source, the exemplars from memory. The union is built from the
     * experience, not from {@code data}: wrappers of earlier plugins are not seen, except BiC's held-out split
     * ({@link BiasCorrection}), whose training part replaces the experience (its validation examples are never
     * trained on).
     *
     * @param ctx        the trainer's context
     * @param experience the training experience
     * @param data       the previous plugin's iterator (used as it is when the memory is empty)
     * @param memory     the exemplar memory
     * @return {@code data} itself if the memory is empty, else a new iterator over the union
     */
    static MultiDataSetIterator union(ContinualContext ctx, Experience experience, MultiDataSetIterator data,
                                      ReplayBuffer memory) {
        if (memory.size() == 0) {
            return data;
        }
        ReplayBatch exemplars = memory.contents(ctx.numClasses());
        Experience stored = Experience.inMemory(exemplars.toMultiDataSet(), ctx.model().classificationOutput(),
                experience.index());
        return ctx.trainingIterator(Experience.union(List.of(BiasCorrection.TrainingSplit.trainedPart(experience, data),
                stored)));
    }

    /**
     * Builder; defaults: 20 herding exemplars per class (herding on L2-normalised features), distillation on at
     * T = 1, NME on, features before the output.
     */
    public static final class Builder extends JsonConfiguration.Builder<IcarlConfiguration> {
        /** Starts from the defaults. */
        public Builder() {
            super(new IcarlConfiguration());
        }

        /**
         * @param buffer the exemplar memory: CLASS_BALANCED or EXPERIENCE_BALANCED with a selection policy
         *               (iCaRL: CLASS_BALANCED with {@link HerdingSelection}, a fixed total or per-class budget)
         * @return this builder
         * @throws IllegalArgumentException for a buffer without end-of-experience selection
         */
        public Builder buffer(BufferConfiguration buffer) {
            c.buffer = ExemplarMemory.requireSelection(buffer, "iCaRL");
            return this;
        }

        /**
         * Shortcut for a class-balanced herding memory with a fixed budget per class.
         *
         * @param perClass exemplars per class, at least 1
         * @return this builder
         */
        public Builder exemplarsPerClass(int perClass) {
            return buffer(ExemplarMemory.herdingPerClass(perClass, c.featureLayer));
        }

        /**
         * Shortcut for a class-balanced herding memory with a fixed total budget (PyCIL's 2000), shared equally by
         * the classes seen so far.
         *
         * @param total exemplars in all, at least 1
         * @return this builder
         */
        public Builder memorySize(int total) {
            return buffer(new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED)
                    .capacity(total).selection(new HerdingSelection(c.featureLayer, true)).build());
        }

        /**
         * @param on whether to distil (needs a sigmoid + XENT output layer)
         * @return this builder
         */
        public Builder distillation(boolean on) {
            c.distillation = on;
            return this;
        }

        /**
         * @param t the distillation temperature, more than 0 (default 1, as in the paper)
         * @return this builder
         */
        public Builder temperature(double t) {
            c.temperature = requirePositive("temperature", t);
            return this;
        }

        /**
         * @param on whether to evaluate the nearest-mean-of-exemplars head "nme"
         * @return this builder
         */
        public Builder nearestMean(boolean on) {
            c.nearestMean = on;
            return this;
        }

        /**
         * @param layer the NME classifier's feature layer (MultiLayerNetwork: name or index; graph: vertex), or
         *              null for the layer feeding the output layer. Set it before the buffer shortcuts to herd in
         *              the same space.
         * @return this builder
         */
        public Builder featureLayer(String layer) {
            c.featureLayer = layer;
            return this;
        }
    }

    /** Runtime: the exemplar memory, the teacher of the current experience and the NME head. */
    static final class Runtime implements ContinualPlugin {
        private final IcarlConfiguration conf;
        private ReplayBuffer memory;
        private Random rng;
        private ContinualModel teacher;
        private int oldClasses;
        private NearestMeanClassifier nme;

        Runtime(IcarlConfiguration conf) {
            this.conf = conf;
        }

        @Override
        public void onStreamStart(ContinualContext ctx) {
            if (conf.distillation) {
                checkSigmoidOutput(ctx.model());
            }
            memory = conf.buffer.build(false).classificationOutput(ctx.model().classificationOutput());
            rng = ctx.rng("icarl.exemplars");
            nme = null;
        }

        @Override
        public void beforeExperience(ContinualContext ctx, Experience experience) {
            oldClasses = experience.seenClassArray().length - experience.classArray().length;
            teacher = conf.distillation && oldClasses > 0 ? ctx.model().copy() : null;
        }

        @Override
        public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                      MultiDataSetIterator data) {
            MultiDataSetIterator it = union(ctx, experience, data, memory);
            return teacher == null ? it
                    : new MappedMultiDataSetIterator(it, new DistilledTargets(teacher, oldClasses, conf.temperature));
        }

        @Override
        public void afterExperience(ContinualContext ctx, Experience experience) {
            teacher = null;
            memory.consolidate(experience, ctx.model(), rng);
            fitNme(ctx);
            LOG.info("Experience {}: iCaRL memory {} exemplars {}", experience.index(), memory.size(),
                    memory.countsPerClass());
        }

        private void fitNme(ContinualContext ctx) {
            if (conf.nearestMean && memory.size() > 0) {
                ReplayBatch all = memory.contents(ctx.numClasses());
                int[] ids = io.github.dl4jcontinual.data.DataSets.classIds(all.labels());
                nme = NearestMeanClassifier.fit(ctx.model(), conf.featureLayer, all.toMultiDataSet(), ids,
                        ctx.headSize());
            }
        }

        @Override
        public List<StreamMetric> streamMetrics(ContinualContext ctx) {
            NearestMeanClassifier n = nme;
            return n == null ? List.of() : List.of(AccuracyMetric.of("nme", n::scores));
        }

        /** The exemplar memory and its generator; the class means are refitted from them on restore. */
        @Override
        public java.io.Serializable saveState() {
            return new java.io.Serializable[]{memory.saveState(), SerializationUtils.clone(rng)};
        }

        @Override
        public void restoreState(ContinualContext ctx, java.io.Serializable state) {
            java.io.Serializable[] s = PluginStates.parts(state, 2, "an icarl plugin");
            Random r = PluginStates.part(s, 1, Random.class, false, "an icarl plugin");
            memory.restoreState(s[0]);
            rng = SerializationUtils.clone(r);
            fitNme(ctx);
        }

        /** @return the exemplar memory (tests) */
        ReplayBuffer memory() {
            return memory;
        }
    }
}
