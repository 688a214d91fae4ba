package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The options {@code --checkpoint-dir DIR}, {@code --resume} and {@code --stop-after K} of the commands that train
 * through {@link ContinualTrainer}: each run (strategy × seed) checkpoints after every experience into
 * {@code DIR/<run>/}; {@code --resume} continues every run from its latest checkpoint (a run without one starts
 * afresh); {@code --stop-after K} stops each run after K experiences. See {@code docs/checkpoint.md}.
 */
final class CheckpointOptions {
    /** The option names, to add to a command's {@link Args}. */
    static final String[] NAMES = {"checkpoint-dir", "resume", "stop-after"};
    /** The usage fragment. */
    static final String USAGE = "[--checkpoint-dir DIR [--resume] [--stop-after K]]";

    /** No checkpoints: {@link #fit} is a plain {@code ContinualTrainer.wrap(net, conf).fit(scenario)}. */
    static final CheckpointOptions NONE = new CheckpointOptions(null, false, 0);

    private final Path dir;
    private final boolean resume;
    private final int stopAfter;

    /**
     * @param a the parsed options
     * @throws IllegalArgumentException if --resume or --stop-after come without --checkpoint-dir, or K &lt; 1
     */
    CheckpointOptions(Args a) {
        this(a.has("checkpoint-dir") ? Paths.get(a.get("checkpoint-dir", null)) : null, a.has("resume"),
                a.getInt("stop-after", 0));
        if (dir == null && (resume || a.has("stop-after"))) {
            throw new IllegalArgumentException("--resume and --stop-after need --checkpoint-dir DIR");
        }
        if (a.has("stop-after") && stopAfter < 1) {
            throw new IllegalArgumentException("--stop-after should be >= 1 (got: " + stopAfter + ")");
        }
    }

    private CheckpointOptions(Path dir, boolean resume, int stopAfter) {
        this.dir = dir;
        this.resume = resume;
        this.stopAfter = stopAfter;
    }

    /**
     * @param commandOptions a command's own option names
     * @return them and {@link #NAMES}
     */
    static String[] with(String... commandOptions) {
        return Stream.concat(Arrays.stream(commandOptions), Arrays.stream(NAMES)).toArray(String[]::new);
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
        ContinualResult r = t.fit(scenario, stopAfter > 0 ? Math.min(stopAfter, n) : n);
        if (r.classIncremental().rows() < n) {
            System.out.println("Stopped " + run + " after experience " + (r.classIncremental().rows() - 1)
                    + "; continue with --resume (checkpoints in " + runDir + ")");
        }
        return r;
    }
}
