package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.GssReplayBuffer;
import io.github.dl4jcontinual.scenario.Experience;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GSS (Aljundi et al., NeurIPS 2019, as Mammoth's {@code models/gss.py}): {@link ExperienceReplay} on a
 * {@link GssReplayBuffer} (greedy gradient-based sample selection, buffer type
 * {@link BufferConfiguration.Type#GSS}), with {@code stepsPerBatch} update steps per incoming minibatch (Mammoth's
 * {@code batch_num}), each on the minibatch joined with a fresh replay draw of {@code replayBatch} rows; the
 * minibatch is offered to the buffer once, with its last step. Needs no task boundaries.
 *
 * <p>Any rehearsal strategy can use the GSS buffer on its own ({@code .buffer(new BufferConfiguration.Builder()
 * .type(Type.GSS)...)}); this configuration is the paper's method with ER's joined minibatch. Defaults: GSS buffer of
 * 500 with 10 candidates, replay 10, one step per minibatch. Metrics per experience: {@code gss.replaced} (stored
 * examples replaced so far) and {@code gss.seen}.</p>
 */
public class Gss extends ExperienceReplay {
    private static final long serialVersionUID = 1L;

    /** Defaults: GSS buffer of 500 (10 candidates), replay minibatch 10, one step per minibatch. */
    protected Gss() {
        super(new BufferConfiguration.Builder().type(BufferConfiguration.Type.GSS).capacity(500).build());
    }

    @Override
    public ContinualPlugin instantiate() {
        if (getBuffer().getType() != BufferConfiguration.Type.GSS) {
            throw new IllegalArgumentException("GSS needs a buffer of type GSS (got: " + getBuffer() + ")");
        }
        return new GssRuntime(this);
    }

    @Override
    public String name() {
        return "gss";
    }

    /** Builder of {@link Gss}. */
    public static final class Builder extends RehearsalConfiguration.Builder<Gss, Builder> {
        /** Starts from the defaults. */
        public Builder() {
            super(new Gss());
        }

        /**
         * @param steps update steps per incoming minibatch (Mammoth's {@code batch_num}), ≥ 1
         * @return this builder
         */
        public Builder stepsPerBatch(int steps) {
            ExperienceReplay.stepsPerBatch(c, steps);
            return this;
        }

        /**
         * @param candidates stored examples each minibatch's gradient is compared with (the paper's n), &gt; 0
         * @return this builder
         */
        public Builder candidates(int candidates) {
            return buffer(c.getBuffer().toBuilder().candidates(candidates).build());
        }

        @Override
        public Gss build() {
            if (c != null && c.getBuffer().getType() != BufferConfiguration.Type.GSS) {
                throw new IllegalArgumentException("GSS needs a buffer of type GSS (got: " + c.getBuffer() + ")");
            }
            return super.build();
        }
    }

    static final class GssRuntime extends ExperienceReplay.Runtime {
        GssRuntime(Gss conf) {
            super(conf);
        }

        @Override
        public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("gss.replaced", (double) ((GssReplayBuffer) buffer).replaced());
            m.put("gss.seen", (double) ((GssReplayBuffer) buffer).seen());
            return m;
        }
    }
}
