package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;

import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Optional;

/**
 * A run that survives a crash: a checkpoint after every experience (model, updater, replay buffer, random state,
 * accuracy rows), and on the next start the run continues from the newest one; the result equals the uninterrupted
 * run's bit for bit. Kill it during the stream (Ctrl-C, {@code kill -9}) and start it again, or pass a number of
 * experiences after which it stops as if it had crashed.
 * <p>
 * Arguments: {@code [data-dir] [checkpoint-dir] [stop-after]}, default checkpoint directory
 * {@code results/resume-checkpoints}.
 */
public final class ResumeAfterCrash {
    private ResumeAfterCrash() {
    }

    public static void main(String[] args) throws IOException {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        Path checkpoints = Paths.get(args.length > 1 ? args[1] : "results/resume-checkpoints");
        int stopAfter = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        ContinualResult r = run(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN),
                IdxDatasets.mnist(dir, IdxDatasets.Split.TEST), checkpoints, stopAfter);
        System.out.println(r.report());
        System.out.println(r.classIncremental().rows() < 5 ? "stopped after " + r.classIncremental().rows()
                + " experiences; start again to continue from " + checkpoints : "stream complete");
    }

    /** Continues from the newest checkpoint in {@code checkpoints} if there is one, else starts afresh. */
    static ContinualResult run(DataSet train, DataSet test, Path checkpoints, int stopAfter) throws IOException {
        Scenario splitMnist = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                .name("split-mnist").build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(1)
                .plugin(new ExperienceReplay.Builder().bufferSize(500).replayBatch(10).build()).build();
        MultiLayerNetwork net = OwnMlpExperienceReplay.myNetwork();
        Optional<Path> latest = CheckpointFile.latestIn(checkpoints);
        ContinualTrainer<MultiLayerNetwork> trainer = latest.isPresent()
                // the network is checked against the checkpoint's configuration; its weights come from the file
                ? ContinualTrainer.resume(latest.get(), conf, net)
                : ContinualTrainer.wrap(net, conf);
        if (latest.isPresent()) {
            System.out.println("resuming from " + latest.get());
        }
        return trainer.setCheckpointDirectory(checkpoints).fit(splitMnist, stopAfter);
    }
}
