package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.ExperienceTraining;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.io.Serializable;

/**
 * GDumb (Prabhu et al. 2020): the model never trains on the stream. Each experience is streamed into a greedy
 * class-balanced buffer (the online {@code CLASS_BALANCED} buffer), then the model is reset to its initial
 * parameters (and fresh updater state) and trained from scratch on the buffer alone for {@code epochs} epochs,
 * with the trainer's batch size, by the trainer's loop (its listeners and measurements see the retraining). Needs
 * a FIXED head (the reset restores the initial parameter vector).
 *
 * <p>Boundary-free ({@link #boundaryFree()}, with the online buffer): GDumb's learner is trained when a prediction is
 * asked for. In a boundary-free run the segment of the stream the trainer hands over (what arrives before the next
 * evaluation) is read once, minibatch by minibatch, from the trainer's own iterator into the buffer, and the model
 * is then reset and retrained on the buffer; no experience (classes, position) is read.</p>
 */
public class GDumb extends RehearsalConfiguration {
    private static final long serialVersionUID = 1L;
    private int epochs = 30;

    /** Defaults: online class-balanced buffer of 500, 30 epochs. */
    protected GDumb() {
        super(new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED).capacity(500)
                .build(), 1);
    }

    /** @return the epochs of each retraining on the buffer */
    public int getEpochs() {
        return epochs;
    }

    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    @Override
    public String name() {
        return "gdumb";
    }

    /** @return true with an online buffer (the default greedy class-balanced one) */
    @Override
    public boolean boundaryFree() {
        return getBuffer().isOnline();
    }

    /** Builder of {@link GDumb}. */
    public static final class Builder extends RehearsalConfiguration.Builder<GDumb, Builder> {
        /** Starts from the defaults. */
        public Builder() {
            super(new GDumb());
        }

        /**
         * @param epochs epochs of training on the buffer after each experience, &gt; 0
         * @return this builder
         */
        public Builder epochs(int epochs) {
            if (epochs <= 0) {
                throw new IllegalArgumentException("epochs should be > 0 (got: " + epochs + ")");
            }
            c.epochs = epochs;
            return this;
        }
    }

    static final class Runtime extends RehearsalRuntime {
        private final GDumb gdumb;
        private INDArray initial;

        Runtime(GDumb conf) {
            super(conf);
            this.gdumb = conf;
        }

        @Override
        public void onStreamStart(ContinualContext ctx) {
            super.onStreamStart(ctx);
            initial = ctx.model().params().dup().detach();
        }

        @Override
        Serializable extraState() {
            return initial.dup();
        }

        @Override
        void restoreExtraState(Serializable extra) {
            initial = ((INDArray) extra).dup().detach();
        }

        /** Streams the experience into the buffer, then resets the model to its initial parameters. */
        @Override
        public void beforeExperience(ContinualContext ctx, Experience experience) {
            MultiDataSetIterator stream = experience.iterator(1000, true, bufferRng.nextLong());
            while (stream.hasNext()) {
                buffer.observe(stream.next(), null, experience.index(), bufferRng);
            }
            buffer.consolidate(experience, ctx.model(), bufferRng);
            reset(ctx);
        }

        private void reset(ContinualContext ctx) {
            ContinualModel model = ctx.model();
            if (model.numParams() != initial.length()) {
                throw new IllegalStateException("GDumb resets the model to its initial parameters, but the model now "
                        + "has " + model.numParams() + " parameters instead of " + initial.length()
                        + " (use HeadPolicy.FIXED)");
            }
            model.setParams(initial);
            model.resetUpdater();
        }

        /**
         * Trains on the buffer alone, not on the experience; in a boundary-free run the trainer's iterator is first
         * read into the buffer and the model reset.
         */
        @Override
        public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                      MultiDataSetIterator data) {
            if (ctx.configuration().isBoundaryFree()) {
                while (data.hasNext()) {
                    buffer.observe(data.next(), null, -1, bufferRng);
                }
                reset(ctx);
            }
            return ctx.trainingIterator(buffer.contents(ctx.headSize()).toMultiDataSet());
        }

        /** {@code epochs} passes over the buffer, one update per minibatch. */
        @Override
        public ExperienceTraining training(ContinualContext ctx, Experience experience) {
            ContinualModel model = ctx.model();
            return new ExperienceTraining() {
                @Override
                public int epochs(int configured) {
                    return gdumb.epochs;
                }

                @Override
                public long step(MultiDataSet batch) {
                    model.fit(batch);
                    return 1;
                }
            };
        }

        /** Consolidation happened before training. */
        @Override
        public void afterExperience(ContinualContext ctx, Experience experience) {
        }
    }
}
