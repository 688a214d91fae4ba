package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The options {@code --checkpoint-dir DIR}, {@code --resume} and {@code --stop-after K} of the commands that train
 * through {@link ContinualTrainer} (a picocli mixin): each run (strategy × seed) checkpoints after every experience
 * into {@code DIR/<run>/}; {@code --resume} continues every run from its latest checkpoint (a run without one starts
 * afresh); {@code --stop-after K} stops each run after K experiences. See {@code docs/checkpoint.md}. A command calls
 * {@link #check()} before its first run.
 */
final class CheckpointOptions {
    /** No checkpoints: {@link #fit} is a plain {@code ContinualTrainer.wrap(net, conf).fit(scenario)}. */
    static final CheckpointOptions NONE = new CheckpointOptions();

    @Option(names = "--checkpoint-dir", paramLabel = "DIR", description = "Checkpoint every run after each experience "
            + "into DIR/<run>/.")
    private Path dir;

    @Option(names = "--resume", description = "With --checkpoint-dir: continue every run from its latest checkpoint "
            + "(a run without one starts afresh).")
    private boolean resume;

    @Option(names = "--stop-after", paramLabel = "K", description = "With --checkpoint-dir: stop every run after K "
            + "experiences (>= 1).")
    private Integer stopAfter;

    @Spec(Spec.Target.MIXEE)
    private CommandSpec mixee;
    @Spec
    private CommandSpec self;

    /**
     * @return this
     * @throws ParameterException if --resume or --stop-after come without --checkpoint-dir, or K &lt; 1
     */
    CheckpointOptions check() {
        CommandSpec owner = this.mixee != null ? this.mixee : self; // self: parsed on its own
        if (dir == null && (resume || stopAfter != null)) {
            throw new ParameterException(owner.commandLine(), "--resume and --stop-after need --checkpoint-dir DIR");
        }
        if (stopAfter != null && stopAfter < 1) {
            throw Options.invalid(owner, "--stop-after", stopAfter, "an integer >= 1");
        }
        return this;
    }

    /**
     * Trains one run, checkpointing and resuming as the options say.
     *
     * @param net      the fresh network; when the run resumes, its configuration must equal the checkpoint's (its
     *                 weights are not used)
     * @param conf     the configuration
     * @param scenario the scenario
     * @param run      the run's name, its checkpoint subdirectory
     * @return the result (partial with --stop-after)
     */
    ContinualResult fit(MultiLayerNetwork net, ContinualConfiguration conf, Scenario scenario, String run) {
        if (dir == null) {
            return ContinualTrainer.wrap(net, conf).fit(scenario);
        }
        Path runDir = dir.resolve(run);
        Optional<Path> latest = resume ? CheckpointFile.latestIn(runDir) : Optional.empty();
        ContinualTrainer<MultiLayerNetwork> t;
        if (latest.isPresent()) {
            System.out.println("Resuming " + run + " from " + latest.get());
            // the network built from this command's options (layers, updater, learning rate) must be the
            // checkpoint's: a mismatching --lr or --batch is refused, naming the setting
            t = ContinualTrainer.resume(latest.get(), conf, net);
        } else {
            t = ContinualTrainer.wrap(net, conf);
        }
        t.setCheckpointDirectory(runDir);
        int n = scenario.trainStream().size();
        ContinualResult r = t.fit(scenario, stopAfter != null ? Math.min(stopAfter, n) : n);
        if (r.classIncremental().rows() < n) {
            System.out.println("Stopped " + run + " after experience " + (r.classIncremental().rows() - 1)
                    + "; continue with --resume (checkpoints in " + runDir + ")");
        }
        return r;
    }
}
