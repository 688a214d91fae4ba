package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.model.ParameterLayout;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The runtime of a {@link RegularizationConfiguration}: one per trainer {@code fit}. Keeps the
 * {@link ImportanceState}, attaches a {@link PenaltyListener} to every experience and updates the state in
 * {@code afterExperience}. Runs on the trainer's thread.
 */
public final class RegularizationPlugin implements ContinualPlugin {
    private static final Logger LOG = LoggerFactory.getLogger(RegularizationPlugin.class);

    private final RegularizationConfiguration conf;
    private final PathIntegral path;
    private ImportanceState state;
    private INDArray pathScore;
    private INDArray start;
    private PenaltyListener listener;
    /** Online EWC's streaming form ({@code anchorEvery > 0}): one listener for the whole stream. */
    private StreamingFisher streaming;
    private INDArray restoredFisher;
    private long restoredRows;
    private long trainStart;
    private long lastImportanceMillis;
    private double lastImportanceMax;
    private long lastTrainingMillis;

    /**
     * @param conf the configuration
     */
    public RegularizationPlugin(RegularizationConfiguration conf) {
        this.conf = conf;
        RegularizationMethod m = conf.getMethod();
        this.path = m == RegularizationMethod.SI || m == RegularizationMethod.RWALK
                ? new PathIntegral(m == RegularizationMethod.RWALK, conf.getFisherDecay()) : null;
    }

    /** @return the current state, or null before the first experience ended */
    public ImportanceState state() {
        return state;
    }

    /** @return milliseconds spent computing importance after the last experience */
    public long lastImportanceMillis() {
        return lastImportanceMillis;
    }

    /** @return milliseconds between {@code beforeExperience} and {@code afterExperience} (training) */
    public long lastTrainingMillis() {
        return lastTrainingMillis;
    }

    /**
     * {@inheritDoc}
     * <p>The importance state, RWalk's running Fisher and its path scores (all detached copies).</p>
     */
    @Override
    public Serializable saveState() {
        if (streaming != null) {
            return new Saved(streaming.state(), streaming.fisher(), null, streaming.rows());
        }
        return new Saved(state, copy(path == null ? null : path.fisher()), copy(pathScore), restoredRows);
    }

    /** {@inheritDoc} */
    @Override
    public void restoreState(ContinualContext ctx, Serializable saved) {
        if (!(saved instanceof Saved)) {
            throw new IllegalArgumentException("Expected the state of a " + conf.name() + " plugin (got: "
                    + (saved == null ? null : saved.getClass().getName()) + ")");
        }
        Saved s = (Saved) saved;
        state = s.state;
        pathScore = copy(s.pathScore);
        if (conf.getAnchorEvery() > 0) {
            restoredFisher = copy(s.fisher);
            restoredRows = s.rows;
        }
        if (path != null) {
            path.restoreFisher(s.fisher);
        }
    }

    private static INDArray copy(INDArray a) {
        return a == null ? null : a.dup().detach();
    }

    /** What {@link #saveState()} keeps; the importance state is immutable and shared. */
    private static final class Saved implements io.github.dl4jcontinual.checkpoint.CheckpointState {
        private static final long serialVersionUID = 1L;
        private final ImportanceState state;
        private final INDArray fisher;
        private final INDArray pathScore;
        /** Online EWC's streaming form: the training rows seen (0 in states written before it existed). */
        private final long rows;

        Saved(ImportanceState state, INDArray fisher, INDArray pathScore, long rows) {
            this.state = state;
            this.fisher = fisher;
            this.pathScore = pathScore;
            this.rows = rows;
        }
    }

    /** {@inheritDoc} */
    @Override
    public void beforeExperience(ContinualContext ctx, Experience experience) {
        ContinualModel model = ctx.model();
        if (state != null) {
            ParameterLayout before = state.layout();
            state = state.grownTo(model); // an EXPANDING head may have added output units
            if (before != null && state.layout() != before) {
                if (path != null) {
                    path.grow(before, state.layout());
                }
                if (pathScore != null) {
                    pathScore = before.grow(pathScore, state.layout(),
                            Nd4j.zeros(pathScore.dataType(), 1, state.numParams()));
                }
            }
        }
        start = model.params().dup().reshape(1, model.numParams()).detach();
        trainStart = System.nanoTime();
    }

    /** {@inheritDoc} */
    @Override
    public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
        if (conf.getAnchorEvery() > 0) {
            if (streaming == null) {
                streaming = new StreamingFisher(conf, ctx.model(), state, restoredFisher, restoredRows);
                restoredFisher = null;
            }
            // the penalty figures are per experience, as the other methods'
            streaming.resetStatistics();
            listener = streaming;
            return List.of(streaming);
        }
        if (path != null) {
            path.resetOmega();
        }
        listener = new PenaltyListener(state, conf.getLambda(), path);
        return List.of(listener);
    }

    /** {@inheritDoc} */
    @Override
    public void afterExperience(ContinualContext ctx, Experience experience) {
        long t0 = System.nanoTime();
        lastTrainingMillis = (t0 - trainStart) / 1_000_000;
        if (streaming != null) {
            // the streaming form anchors by training rows, not at experience ends
            state = streaming.state();
            lastImportanceMax = state == null ? 0 : state.importance().maxNumber().doubleValue();
            return;
        }
        ContinualModel model = ctx.model();
        INDArray mask = model.trainableMask();
        INDArray theta = model.params().dup().reshape(1, model.numParams());
        long n = theta.length();
        long seed = ctx.rng("regularization.importance").nextLong();
        INDArray oldImp = state == null ? null : state.importance();
        INDArray anchor = theta;
        INDArray imp;
        switch (conf.getMethod()) {
            case EWC: {
                INDArray f = fisher(model, experience, seed).muli(mask);
                if (oldImp == null) {
                    imp = f;
                } else {
                    imp = oldImp.add(f);
                    // Σ_t F_t (θ−θ*_t)² has the gradient of Ω (θ − Σ F_t θ*_t / Ω)
                    INDArray weighted = oldImp.mul(state.anchor()).addi(f.mul(theta));
                    INDArray safe = imp.dup();
                    anchor = weighted.divi(Transforms.max(safe, 1e-30, false));
                    anchor = anchor.muli(imp.gt(0).castTo(anchor.dataType()))
                            .addi(theta.mul(imp.eq(0).castTo(theta.dataType())));
                }
                break;
            }
            case ONLINE_EWC: {
                INDArray f = fisher(model, experience, seed).muli(mask);
                imp = oldImp == null ? f : oldImp.mul(conf.getGamma()).addi(f);
                break;
            }
            case MAS: {
                INDArray s = Importance.outputSensitivity(model, experience, conf.getImportanceBatchSize(),
                        conf.getMaxImportanceExamples(), seed).muli(mask);
                imp = oldImp == null ? s : oldImp.add(s);
                break;
            }
            case SI: {
                INDArray d = theta.sub(start);
                INDArray add = path.omega(n).div(d.muli(d).addi(conf.getXi())).muli(mask);
                imp = oldImp == null ? add : oldImp.add(add);
                break;
            }
            case RWALK: {
                // scores and Fisher normalised to [0, 1] by their maxima, as RWalk does
                INDArray s = normalised(Transforms.relu(path.omega(n), true));
                pathScore = pathScore == null ? s : pathScore.addi(s).muli(0.5);
                INDArray f = path.fisher() == null ? pathScore.mul(0) : normalised(path.fisher().dup());
                imp = f.addi(pathScore).muli(mask);
                break;
            }
            default:
                throw new IllegalStateException("Unknown method " + conf.getMethod());
        }
        state = new ImportanceState(conf.name(), imp, anchor, mask,
                state == null ? 1 : state.experiences() + 1, model.parameterLayout());
        lastImportanceMillis = (System.nanoTime() - t0) / 1_000_000;
        lastImportanceMax = imp.maxNumber().doubleValue();
        LOG.info("Experience {}: {} mean penalty {} over {} iterations; importance took {} ms ({}% of {} ms "
                        + "training), max importance {}", experience.index(), conf.name(),
                listener == null ? 0 : listener.meanPenalty(), listener == null ? 0 : listener.iterations(),
                lastImportanceMillis, lastTrainingMillis == 0 ? 0 : 100 * lastImportanceMillis / lastTrainingMillis,
                lastTrainingMillis, lastImportanceMax);
    }

    /**
     * {@inheritDoc}
     * <p>{@code <name>.penalty_mean} and {@code <name>.penalty_last} (λ·Σ Ω (θ − θ*)² over the experience's
     * iterations; 0 on the first experience), {@code <name>.importance_ms} (time to compute the importance after
     * it) and {@code <name>.importance_max} (largest Ω so far: with plain SGD of learning rate η the penalty's
     * update is stable only while 2·η·λ·Ω &lt; 2 for every parameter).</p>
     */
    @Override
    public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
        Map<String, Double> m = new LinkedHashMap<>();
        String n = conf.name();
        m.put(n + ".penalty_mean", listener == null ? 0 : listener.meanPenalty());
        m.put(n + ".penalty_last", listener == null ? 0 : listener.lastPenalty());
        m.put(n + ".importance_ms", (double) lastImportanceMillis);
        m.put(n + ".importance_max", lastImportanceMax);
        return m;
    }

    private static INDArray normalised(INDArray x) {
        double max = x.maxNumber().doubleValue();
        return max > 0 ? x.divi(max) : x;
    }

    private INDArray fisher(ContinualModel model, Experience experience, long seed) {
        return Importance.empiricalFisher(model, experience, conf.getImportanceBatchSize(),
                conf.getMaxImportanceExamples(), seed);
    }
}
