package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.PluginStates;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.GssReplayBuffer;
import io.github.dl4jcontinual.replay.ReplayBuffer;
import io.github.dl4jcontinual.scenario.Experience;

import org.apache.commons.lang3.SerializationUtils;

import java.io.Serializable;
import java.util.Random;

/** Runtime side shared by the strategies: the buffer, its generators, end-of-experience consolidation. */
abstract class RehearsalRuntime implements ContinualPlugin {
    protected final RehearsalConfiguration conf;
    protected ReplayBuffer buffer;
    protected Random bufferRng;
    protected Random sampleRng;
    /** A twin sharing the model's parameters, for gradients of other rows (GSS scores, A-GEM/GEM constraints). */
    protected ContinualModel.Twin twin;

    RehearsalRuntime(RehearsalConfiguration conf) {
        this.conf = conf;
    }

    /** @return whether the buffer must store logits */
    boolean storesLogits() {
        return false;
    }

    @Override
    public void onStreamStart(ContinualContext ctx) {
        buffer = conf.getBuffer().build(storesLogits()).classificationOutput(ctx.model().classificationOutput());
        bufferRng = ctx.rng("replay.buffer");
        sampleRng = ctx.rng("replay.sampling");
        if (buffer instanceof GssReplayBuffer) {
            ((GssReplayBuffer) buffer).gradients(rows -> {
                twinFor(ctx);
                return twin.gradient(rows);
            });
        }
    }

    /** Makes {@link #twin} share the parameters of the context's current model (re-made when the model changes). */
    void twinFor(ContinualContext ctx) {
        if (twin == null || !twin.isFor(ctx.model())) {
            twin = ctx.model().twin(null, null);
        }
    }

    @Override
    public void afterExperience(ContinualContext ctx, Experience experience) {
        buffer.consolidate(experience, ctx.model(), bufferRng);
    }

    /** The buffer, both generators and the strategy's own extras, as detached copies. */
    @Override
    public Serializable saveState() {
        return new Serializable[]{buffer.saveState(), SerializationUtils.clone(bufferRng),
                SerializationUtils.clone(sampleRng), extraState()};
    }

    @Override
    public void restoreState(ContinualContext ctx, Serializable state) {
        String what = "a " + conf.name() + " strategy";
        Serializable[] s = PluginStates.parts(state, 4, what);
        Random b = PluginStates.part(s, 1, Random.class, false, what);
        Random r = PluginStates.part(s, 2, Random.class, false, what);
        buffer.restoreState(s[0]);
        bufferRng = SerializationUtils.clone(b);
        sampleRng = SerializationUtils.clone(r);
        restoreExtraState(s[3]);
    }

    /**
     * @param ctx        the context
     * @param experience the experience being trained
     * @return the task id to store with its rows: its position, or -1 in a boundary-free run (which has none)
     */
    static int taskId(ContinualContext ctx, Experience experience) {
        return ctx.configuration().isBoundaryFree() ? -1 : experience.index();
    }

    /** @return what a strategy keeps beyond the buffer (detached, serialisable), or null */
    Serializable extraState() {
        return null;
    }

    /** @param extra what {@link #extraState()} returned */
    void restoreExtraState(Serializable extra) {
    }

    /** @return the buffer (for inspection) */
    ReplayBuffer buffer() {
        return buffer;
    }
}
