package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.Serializable;
import java.util.Objects;

/**
 * GDumb (Prabhu et al. 2020): the model never trains on the stream. Each experience is streamed into a greedy
 * class-balanced buffer (the online {@code CLASS_BALANCED} buffer), then the model is reset to its initial
 * parameters (and fresh updater state) and trained from scratch on the buffer alone for {@code epochs} epochs,
 * with the trainer's batch size. Needs a FIXED head (the reset restores the initial parameter vector).
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

    @Override
    public boolean equals(Object o) {
        return super.equals(o) && epochs == ((GDumb) o).epochs;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), epochs);
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

        @Override
        public boolean trainsOn(ContinualContext ctx, Experience experience) {
            return false;
        }

        @Override
        public void afterExperience(ContinualContext ctx, Experience experience) {
            DataSetIterator stream = experience.iterator(1000, true, bufferRng.nextLong());
            while (stream.hasNext()) {
                buffer.observe(stream.next(), null, experience.index(), bufferRng);
            }
            buffer.consolidate(experience, ctx.model(), bufferRng);
            Model model = ctx.model();
            if (model.numParams() != initial.length()) {
                throw new IllegalStateException("GDumb resets the model to its initial parameters, but the model now "
                        + "has " + model.numParams() + " parameters instead of " + initial.length()
                        + " (use HeadPolicy.FIXED)");
            }
            model.setParams(initial);
            resetUpdater(model);
            ReplayBatch all = buffer.contents(ctx.headSize());
            fit(model, ctx.trainingIterator(new DataSet(all.features(), all.labels())), gdumb.epochs);
        }

        private static void resetUpdater(Model model) {
            Updater u = model instanceof MultiLayerNetwork ? ((MultiLayerNetwork) model).getUpdater(false) : null;
            INDArray state = u != null ? u.getStateViewArray()
                    : model instanceof ComputationGraph && ((ComputationGraph) model).getUpdater(false) != null
                    ? ((ComputationGraph) model).getUpdater(false).getStateViewArray() : null;
            if (state != null) {
                state.assign(0);
            }
            if (model instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) model).setIterationCount(0);
            } else if (model instanceof ComputationGraph) {
                ((ComputationGraph) model).getConfiguration().setIterationCount(0);
            }
        }
    }
}
