package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.data.RepeatedBatchIterator;
import io.github.dl4jcontinual.data.ReplayIterator;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.scenario.Experience;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/**
 * Experience Replay (ER, as in Mammoth's {@code models/er.py}): every minibatch of the current experience is
 * joined with {@code replayBatch} examples drawn uniformly from the buffer, and the model is trained on the
 * plain mean loss of the joined batch. The current minibatch is then offered to the buffer (online buffers, e.g.
 * the default reservoir of 500); selection-based buffers fill at the end of each experience instead. With an online
 * buffer ER is boundary-free ({@link #boundaryFree()}): rows are stored with task id -1 in a boundary-free run.
 *
 * <p>{@code stepsPerBatch} (default 1; Mammoth's {@code batch_num}, the GSS paper's {@code n_iter}) takes that many
 * update steps per incoming minibatch, each on the minibatch joined with a fresh replay draw; the minibatch is
 * offered to the buffer once, with its last step.</p>
 */
public class ExperienceReplay extends RehearsalConfiguration {
    private static final long serialVersionUID = 1L;
    private int stepsPerBatch = 1;

    /** Defaults: reservoir of 500, replay minibatch 10. */
    protected ExperienceReplay() {
        this(new BufferConfiguration.Builder().capacity(500).build());
    }

    /** @param buffer the default buffer of a strategy built on ER (replay minibatch 10) */
    protected ExperienceReplay(BufferConfiguration buffer) {
        super(buffer, 10);
    }

    /** @return update steps per incoming minibatch */
    public int getStepsPerBatch() {
        return stepsPerBatch;
    }

    /**
     * @param conf  a configuration under construction
     * @param steps update steps per incoming minibatch, ≥ 1
     */
    static void stepsPerBatch(ExperienceReplay conf, int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("stepsPerBatch should be >= 1 (got: " + steps + ")");
        }
        conf.stepsPerBatch = steps;
    }

    @Override
    public ContinualPlugin instantiate() {
        return new Runtime(this);
    }

    @Override
    public String name() {
        return "er";
    }

    /** @return true with an online buffer (reservoir or class-balanced without selection) */
    @Override
    public boolean boundaryFree() {
        return getBuffer().isOnline();
    }

    /** Builder of {@link ExperienceReplay}. */
    public static final class Builder extends RehearsalConfiguration.Builder<ExperienceReplay, Builder> {
        /** Starts from the defaults. */
        public Builder() {
            super(new ExperienceReplay());
        }

        /**
         * @param steps update steps per incoming minibatch (Mammoth's {@code batch_num}), ≥ 1
         * @return this builder
         */
        public Builder stepsPerBatch(int steps) {
            ExperienceReplay.stepsPerBatch(c, steps);
            return this;
        }
    }

    static class Runtime extends RehearsalRuntime {
        Runtime(RehearsalConfiguration conf) {
            super(conf);
        }

        @Override
        public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                      MultiDataSetIterator data) {
            int exp = taskId(ctx, experience);
            int mb = conf.getReplayBatch();
            int out = ctx.model().classificationOutput();
            int steps = ((ExperienceReplay) conf).getStepsPerBatch();
            RepeatedBatchIterator repeated = steps > 1 ? new RepeatedBatchIterator(data, steps) : null;
            return new ReplayIterator(repeated != null ? repeated : data, out, cur -> {
                ReplayBatch rb = buffer.sample(mb, (int) cur.getLabels(out).size(1), sampleRng);
                if (repeated == null || repeated.repetition() == steps - 1) {
                    buffer.observe(cur, null, exp, bufferRng);
                }
                return rb == null ? null : rb.toMultiDataSet();
            });
        }
    }
}
