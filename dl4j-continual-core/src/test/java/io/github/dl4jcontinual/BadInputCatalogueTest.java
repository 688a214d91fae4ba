package io.github.dl4jcontinual;

import io.github.dl4jcontinual.checkpoint.CheckpointException;
import io.github.dl4jcontinual.checkpoint.CheckpointFile;
import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.distillation.LwfConfiguration;
import io.github.dl4jcontinual.plugin.impl.IterationBudget;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ClassBalancedReplayBuffer;
import io.github.dl4jcontinual.replay.ReservoirReplayBuffer;
import io.github.dl4jcontinual.replay.strategy.DarkExperienceReplay;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.scenario.ScenarioFixtures;
import io.github.dl4jcontinual.scenario.ScenarioType;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The catalogue of bad input: for each case, the exception type and the words its message must contain (the
 * offending value and what was expected); cases that touch a checkpoint directory also check that nothing was
 * written there. {@code docs/checkpoint.md} lists every case by name ({@link #theDocsListEveryCase}). Synthetic
 * data: 10 classes of 8 features, 5 experiences.
 */
class BadInputCatalogueTest {
    @TempDir
    static Path tmp;
    private static Scenario scenario;
    private static Path checkpoint;

    /** One case: a name, the expected exception, fragments of its message, the action. */
    static final class Case {
        final String name;
        final Class<? extends Throwable> type;
        final String[] words;
        final Executable action;

        Case(String name, Class<? extends Throwable> type, Executable action, String... words) {
            this.name = name;
            this.type = type;
            this.words = words;
            this.action = action;
        }
    }

    static DataSet train() {
        return SyntheticData.blobs(10, 20, 8, 1, 2);
    }

    static DataSet test() {
        return SyntheticData.blobs(10, 5, 8, 1, 3);
    }

    static ContinualConfiguration.Builder conf() {
        return new ContinualConfiguration.Builder().batchSize(10).seed(11).progress(false);
    }

    static ContinualConfiguration erConf() {
        return conf().plugin(new ExperienceReplay.Builder().bufferSize(40).build()).build();
    }

    @BeforeAll
    static void setUp() throws Exception {
        scenario = new ClassIncrementalScenario.Builder().train(train()).test(test()).numExperiences(5)
                .name("blobs").build();
        Path dir = Files.createDirectories(tmp.resolve("good"));
        ContinualTrainer.wrap(Models.mlp(8, 16, 10, 0.1, 1), erConf()).setCheckpointDirectory(dir).fit(scenario, 2);
        checkpoint = dir.resolve(CheckpointFile.fileName(2));
    }

    /** Runs {@code action} on an empty directory and checks that it stays empty. */
    static Executable inEmptyDir(String name, java.util.function.Consumer<Path> action) {
        return () -> {
            Path dir = Files.createDirectories(tmp.resolve(name.replaceAll("[^a-z0-9]", "_")));
            try {
                action.accept(dir);
            } finally {
                try (Stream<Path> s = Files.list(dir)) {
                    List<Path> left = s.collect(Collectors.toList());
                    assertTrue(left.isEmpty(), "nothing half-written may be left behind: " + left);
                }
            }
        };
    }

    static Path damaged(String name, java.util.function.UnaryOperator<byte[]> damage) throws Exception {
        return Files.write(tmp.resolve(name), damage.apply(Files.readAllBytes(checkpoint)));
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        // scenarios
        c.add(new Case("scenario: NaN feature", IllegalArgumentException.class, () -> {
            DataSet d = train();
            d.getFeatures().putScalar(3, 5, Double.NaN);
            new ClassIncrementalScenario.Builder().train(d).test(test()).numExperiences(5).build();
        }, "train data", "NaN", "example 3, value 5", "expected finite"));
        c.add(new Case("scenario: infinite feature", IllegalArgumentException.class, () -> {
            DataSet d = test();
            d.getFeatures().putScalar(7, 0, Double.POSITIVE_INFINITY);
            new ClassIncrementalScenario.Builder().train(train()).test(d).numExperiences(5).build();
        }, "test data", "Infinity", "example 7, value 0", "expected finite"));
        c.add(new Case("scenario: wrong label width", IllegalArgumentException.class, () -> {
            DataSet d = test();
            new ClassIncrementalScenario.Builder().train(train())
                    .test(new DataSet(d.getFeatures(), Nd4j.concat(1, d.getLabels(),
                            Nd4j.zeros(d.getLabels().dataType(), d.numExamples(), 1))))
                    .numExperiences(5).build();
        }, "label widths differ", "10 columns", "11"));
        c.add(new Case("scenario: feature and label rows differ", IllegalArgumentException.class, () ->
                new ClassIncrementalScenario.Builder().train(new DataSet(train().getFeatures(),
                        train().getLabels().getRows(0, 1, 2))).test(test()).numExperiences(5).build(),
                "200 feature rows", "3 rows in label array 0"));
        c.add(new Case("scenario: class id out of range", IllegalArgumentException.class, () ->
                new ClassIncrementalScenario.Builder().train(train()).test(test())
                        .experienceClasses(new int[]{0, 1}, new int[]{2, 12}).build(), "Class id 12", "[0, 10)"));
        c.add(new Case("scenario: overlapping experienceClasses groups", IllegalArgumentException.class, () ->
                new ClassIncrementalScenario.Builder().train(train()).test(test())
                        .experienceClasses(new int[]{0, 1, 2}, new int[]{3, 4}, new int[]{5, 2, 6}),
                "Class 2 appears in experienceClasses[0] [0, 1, 2] and experienceClasses[2] [5, 2, 6]",
                "the groups overlap", "each class must be in exactly one group"));
        c.add(new Case("scenario: class twice in one experienceClasses group", IllegalArgumentException.class, () ->
                new ClassIncrementalScenario.Builder().experienceClasses(new int[]{0, 1}, new int[]{3, 4, 3}),
                "Class 3 appears twice in experienceClasses[1] [3, 4, 3]", "in exactly one group"));
        c.add(new Case("scenario: empty experience", IllegalArgumentException.class, () ->
                new ClassIncrementalScenario.Builder().train(train()).test(test())
                        .experienceClasses(new int[]{0, 1}, new int[]{}).build(), "experienceClasses[1] is empty"));
        c.add(new Case("scenario: zero experiences", IllegalArgumentException.class, () ->
                new ClassIncrementalScenario.Builder().numExperiences(0), "numExperiences should be > 0", "got: 0"));
        c.add(new Case("scenario: more experiences than classes", IllegalArgumentException.class, () ->
                new ClassIncrementalScenario.Builder().train(train()).test(test()).numExperiences(12).build(),
                "numExperiences (12)", "10"));
        c.add(new Case("scenario: task id missing in a task-IL scenario", IllegalArgumentException.class, () ->
                ScenarioFixtures.withType(scenario, ScenarioType.TASK_INCREMENTAL),
                "Experience 0 of the train stream", "has no task id", "TASK_INCREMENTAL"));
        // buffers
        c.add(new Case("buffer: negative capacity", IllegalArgumentException.class, () ->
                new ReservoirReplayBuffer(-1, false), "capacity should be >= 0", "got: -1"));
        c.add(new Case("buffer: zero budget", IllegalArgumentException.class, () ->
                new BufferConfiguration.Builder().capacity(0), "capacity should be > 0", "got: 0"));
        c.add(new Case("buffer: negative budget per class", IllegalArgumentException.class, () ->
                new ClassBalancedReplayBuffer(10, -3, null, false), "perClass should be >= 0", "got: -3"));
        c.add(new Case("buffer: zero replay batch", IllegalArgumentException.class, () ->
                new ReservoirReplayBuffer(5, false).sample(0, 10, new java.util.Random(1)),
                "replay batch size should be > 0", "got: 0"));
        c.add(new Case("buffer: examples of another shape", IllegalArgumentException.class, () -> {
            ReservoirReplayBuffer b = new ReservoirReplayBuffer(50, false);
            b.observe(Batches.of(SyntheticData.blobs(2, 5, 8, 1, 2)), null, 0, new java.util.Random(1));
            b.observe(Batches.of(SyntheticData.blobs(2, 5, 6, 1, 2)), null, 0, new java.util.Random(1));
        }, "Examples of shape [6]", "examples of shape [8]"));
        c.add(new Case("buffer: logits missing where they are stored", IllegalArgumentException.class, () ->
                new ReservoirReplayBuffer(5, true).observe(Batches.of(SyntheticData.blobs(2, 2, 8, 1, 2)), null, 0,
                        new java.util.Random(1)), "stores logits", "got null"));
        c.add(new Case("buffer: state of another buffer type", IllegalArgumentException.class, () ->
                new ReservoirReplayBuffer(5, false).restoreState(new ClassBalancedReplayBuffer(5, 0, null, false)
                        .saveState()), "Expected the state of a ReservoirReplayBuffer",
                "ClassBalancedReplayBuffer"));
        // strategies
        c.add(new Case("strategy: zero replay batch", IllegalArgumentException.class, () ->
                new ExperienceReplay.Builder().replayBatch(0), "replayBatch should be > 0", "got: 0"));
        c.add(new Case("strategy: negative EWC lambda", IllegalArgumentException.class, () ->
                new RegularizationConfiguration.Builder(RegularizationMethod.EWC).lambda(-1),
                "lambda should be >= 0", "got: -1.0"));
        c.add(new Case("strategy: zero distillation temperature", IllegalArgumentException.class, () ->
                new LwfConfiguration.Builder().temperature(0), "temperature should be > 0", "got: 0.0"));
        c.add(new Case("strategy: zero iteration budget", IllegalArgumentException.class, () ->
                new IterationBudget(0), "iterations should be >= 1", "got: 0"));
        c.add(new Case("strategy: DER with an expanding head", IllegalArgumentException.class, () ->
                ContinualTrainer.wrap(Models.mlp(8, 16, 2, 0.1, 1), conf().headPolicy(HeadPolicy.EXPANDING)
                        .plugin(new DarkExperienceReplay.Builder().build()).build()).fit(scenario),
                "DER stores logits of a fixed-width head", "HeadPolicy.FIXED", "got: EXPANDING"));
        // trainer
        c.add(new Case("trainer: head smaller than the class count", IllegalArgumentException.class, () ->
                ContinualTrainer.wrap(Models.mlp(8, 16, 5, 0.1, 1), conf().build()).fit(scenario),
                "have 10 columns", "use all 10 classes", "output size 5", "nOut = 10"));
        c.add(new Case("trainer: labels wider than the classes they use", IllegalArgumentException.class, () -> {
            // 10 label columns, examples of classes 0..4 only: the scenario relabels 5 classes, the model has 10
            DataSet tr = SyntheticData.blobs(5, 20, 8, 1, 2);
            DataSet te = SyntheticData.blobs(5, 5, 8, 1, 3);
            Scenario wide = new ClassIncrementalScenario.Builder()
                    .train(new DataSet(tr.getFeatures(), Nd4j.concat(1, tr.getLabels(),
                            Nd4j.zeros(tr.getLabels().dataType(), tr.numExamples(), 5))))
                    .test(new DataSet(te.getFeatures(), Nd4j.concat(1, te.getLabels(),
                            Nd4j.zeros(te.getLabels().dataType(), te.numExamples(), 5))))
                    .numExperiences(5).name("wide").build();
            assertEquals(10, wide.sourceLabelWidth());
            assertEquals(5, wide.numClasses());
            ContinualTrainer.wrap(Models.mlp(8, 16, 10, 0.1, 1), conf().build()).fit(wide);
        }, "labels of scenario wide have 10 columns", "use 5 of them, classes [0, 1, 2, 3, 4]",
                "labels over 5 classes", "output size 10", "nOut = 5"));
        c.add(new Case("trainer: feature shape does not fit the model", IllegalArgumentException.class, () ->
                ContinualTrainer.wrap(Models.mlp(6, 16, 10, 0.1, 1), conf().build()).fit(scenario),
                "8 features", "nIn = 6"));
        c.add(new Case("trainer: zero batch size", IllegalArgumentException.class, () ->
                conf().batchSize(0), "batchSize should be > 0", "got: 0"));
        c.add(new Case("trainer: negative epochs", IllegalArgumentException.class, () ->
                conf().epochsPerExperience(-1), "epochsPerExperience should be > 0", "got: -1"));
        c.add(new Case("trainer: stop position out of range", IllegalArgumentException.class, () ->
                ContinualTrainer.wrap(Models.mlp(8, 16, 10, 0.1, 1), conf().build()).fit(scenario, 6),
                "stopAfter should be in [1, 5]", "got: 6"));
        c.add(new Case("trainer: checkpoint before any experience", IllegalStateException.class, () ->
                ContinualTrainer.wrap(Models.mlp(8, 16, 10, 0.1, 1), conf().build())
                        .saveCheckpoint(tmp.resolve("never.zip")), "only between experiences", "fit has not started"));
        c.add(new Case("trainer: plugin without checkpoint support", UnsupportedOperationException.class,
                inEmptyDir("unsupported", dir -> ContinualTrainer.wrap(Models.mlp(8, 16, 10, 0.1, 1),
                        conf().plugin(new StatelessPluginConfiguration()).build()).setCheckpointDirectory(dir)
                        .fit(scenario)), "StatelessPlugin", "does not support checkpoints"));
        // checkpoints
        c.add(new Case("checkpoint: truncated", CheckpointException.class, () -> ContinualTrainer.resume(
                damaged("truncated.zip", b -> Arrays.copyOf(b, b.length / 2)), erConf(), MultiLayerNetwork.class),
                "truncated.zip", "truncated or corrupt", "nothing was loaded"));
        c.add(new Case("checkpoint: corrupted byte", CheckpointException.class, () -> ContinualTrainer.resume(
                damaged("corrupt.zip", b -> {
                    b[b.length / 3] ^= 0x40;
                    return b;
                }), erConf(), MultiLayerNetwork.class), "corrupt.zip", "corrupt"));
        c.add(new Case("checkpoint: missing file", CheckpointException.class, () -> ContinualTrainer.resume(
                tmp.resolve("absent.zip"), erConf(), MultiLayerNetwork.class), "absent.zip", "does not exist"));
        c.add(new Case("checkpoint: different configuration", CheckpointException.class, () ->
                ContinualTrainer.resume(checkpoint, erConf().toBuilder().seed(12).batchSize(20).build(),
                        MultiLayerNetwork.class), "another configuration", "seed: checkpoint 11, given 12",
                "batchSize: checkpoint 10, given 20"));
        c.add(new Case("checkpoint: different plugin setting", CheckpointException.class, () ->
                ContinualTrainer.resume(checkpoint, conf().plugin(new ExperienceReplay.Builder().bufferSize(41)
                        .build()).build(), MultiLayerNetwork.class), "plugins[0].buffer.capacity",
                "checkpoint 40, given 41"));
        c.add(new Case("checkpoint: different scenario", CheckpointException.class, () ->
                ContinualTrainer.resume(checkpoint, erConf(), MultiLayerNetwork.class).fit(
                        new ClassIncrementalScenario.Builder().train(train()).test(test()).numExperiences(2)
                                .name("blobs").build()), "another scenario", "train.experiences: checkpoint has 5, given 2"));
        c.add(new Case("checkpoint: wrong network type", CheckpointException.class, () ->
                ContinualTrainer.resume(checkpoint, erConf(), ComputationGraph.class),
                "holds a MultiLayerNetwork but a ComputationGraph was expected"));
        c.add(new Case("checkpoint: resumed run stops before its position", IllegalArgumentException.class, () ->
                ContinualTrainer.resume(checkpoint, erConf(), MultiLayerNetwork.class).fit(scenario, 1),
                "stopAfter should be in [2, 5]", "resuming after 2", "got: 1"));
        // run identity (issue 22): network, data, a newer run in a used directory, stray files, tampering
        c.add(new Case("checkpoint: different learning rate", CheckpointException.class, () ->
                ContinualTrainer.resume(checkpoint, erConf(), Models.mlp(8, 16, 10, 5.0, 1)),
                "another network", "learningRate: checkpoint 0.1, given 5.0"));
        c.add(new Case("checkpoint: different network architecture", CheckpointException.class, () ->
                ContinualTrainer.resume(checkpoint, erConf(), Models.mlp(8, 32, 10, 0.1, 1)),
                "another network", "nout: checkpoint 16, given 32"));
        c.add(new Case("checkpoint: different data of the same shapes", CheckpointException.class, () ->
                ContinualTrainer.resume(checkpoint, erConf(), Models.mlp(8, 16, 10, 0.1, 1)).fit(
                        new ClassIncrementalScenario.Builder().train(SyntheticData.blobs(10, 20, 8, 1, 4))
                                .test(test()).numExperiences(5).name("blobs").build()),
                "another scenario", "train.sampledRows: checkpoint has 200 examples"));
        c.add(new Case("checkpoint: newer run in a used directory", CheckpointException.class, () -> {
            // the directory holds checkpoints 1 and 2 of the seed-11 run; a seed-12 run writes checkpoint 1 there
            Path dir = Files.createDirectories(tmp.resolve("reused"));
            for (int k = 1; k <= 2; k++) {
                Files.copy(checkpoint.resolveSibling(CheckpointFile.fileName(k)), dir.resolve(CheckpointFile.fileName(k)));
            }
            ContinualTrainer.wrap(Models.mlp(8, 16, 10, 0.1, 1), erConf().toBuilder().seed(12).build())
                    .setCheckpointDirectory(dir).fit(scenario, 1);
            Path latest = CheckpointFile.latestIn(dir).orElseThrow();
            assertEquals(CheckpointFile.fileName(1), latest.getFileName().toString(), "the newer run's checkpoint");
            // resuming it as if it were the seed-11 run is refused, naming the setting
            ContinualTrainer.resume(latest, erConf(), MultiLayerNetwork.class);
        }, "another configuration", "seed: checkpoint 12, given 11"));
        c.add(new Case("checkpoint: stray file with a checkpoint's name", CheckpointException.class, () -> {
            Path dir = Files.createDirectories(tmp.resolve("stray"));
            Path stray = Files.write(dir.resolve("checkpoint-99999999999.zip"), new byte[]{1, 2, 3});
            Files.write(dir.resolve(CheckpointFile.fileName(7)), new byte[]{1, 2, 3});
            assertTrue(CheckpointFile.latestIn(dir).isEmpty(), "latestIn ignores files that are not checkpoints");
            ContinualTrainer.resume(stray, erConf(), MultiLayerNetwork.class);
        }, "checkpoint-99999999999.zip", "truncated or corrupt"));
        c.add(new Case("checkpoint: tampered entry of a class outside the allow-list", CheckpointException.class, () ->
                ContinualTrainer.resume(io.github.dl4jcontinual.checkpoint.CheckpointSecurityTest.forge(checkpoint,
                        tmp.resolve("tampered.zip"), java.util.Map.of("objects/continual.plugin-0",
                                io.github.dl4jcontinual.checkpoint.CheckpointSecurityTest.serialise(
                                        new java.io.File("/etc/passwd")))), erConf(), MultiLayerNetwork.class),
                "objects/continual.plugin-0", "java.io.File is not allowed in a checkpoint", "nothing was loaded"));
        c.add(new Case("trainer: checkpoint directory is a file", IllegalArgumentException.class, () -> {
            Path file = Files.write(tmp.resolve("not-a-dir"), new byte[]{1});
            ContinualTrainer.wrap(Models.mlp(8, 16, 10, 0.1, 1), conf().build()).setCheckpointDirectory(file)
                    .fit(scenario);
        }, "checkpoint directory", "not-a-dir", "is not a directory", "expected a directory"));
        c.add(new Case("trainer: second fit after the stream was completed", IllegalStateException.class, () -> {
            ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(Models.mlp(8, 16, 10, 0.1, 1),
                    conf().build());
            t.fit(scenario);
            t.fit(scenario);
        }, "The run has finished", "after 5 experiences", "wrap or load a trainer"));
        c.add(new Case("data: forged IDX header", IllegalArgumentException.class, () -> {
            java.io.File f = tmp.resolve("forged-images.gz").toFile();
            try (java.io.DataOutputStream out = new java.io.DataOutputStream(new java.util.zip.GZIPOutputStream(
                    new java.io.FileOutputStream(f)))) {
                out.writeInt(0x803);
                out.writeInt(70000);
                out.writeInt(28);
                out.writeInt(28);
                out.write(new byte[100]);
            }
            io.github.dl4jcontinual.data.IdxDatasets.readImages(f);
        }, "forged-images.gz", "70000 images of 28x28 pixels need 54880000 bytes", "holds 100"));
        c.add(new Case("data: letter label in a raw CSV", IllegalArgumentException.class, () -> {
            // the UCI letter layout: the class letter in column 0, then 16 integer features
            Path csv = tmp.resolve("letters.csv");
            StringBuilder rows = new StringBuilder();
            for (int i = 0; i < 40; i++) {
                rows.append((char) ('A' + i % 26));
                for (int f = 0; f < 16; f++) {
                    rows.append(',').append((i + f) % 16);
                }
                rows.append('\n');
            }
            rows.setCharAt(0, 'T');
            Files.writeString(csv, rows.toString());
            org.datavec.api.records.reader.impl.csv.CSVRecordReader reader =
                    new org.datavec.api.records.reader.impl.csv.CSVRecordReader();
            reader.initialize(new org.datavec.api.split.FileSplit(csv.toFile()));
            new ClassIncrementalScenario.Builder().train(reader, 0, 26).test(test()).numExperiences(5).build();
        }, "label column 0", "record 1 of CSVRecordReader", "letters.csv, line 1)", "holds \"T\"",
                "expected an integer class index in [0, 26)",
                "categoricalToInteger", "docs/data.md"));
        c.add(new Case("scenario: partly consumed non-resettable iterator", IllegalStateException.class, () -> {
            org.nd4j.linalg.dataset.api.iterator.DataSetIterator it =
                    new io.github.dl4jcontinual.data.InMemoryDataSetIterator(train(), 20, false, 1) {
                        @Override
                        public boolean resetSupported() {
                            return false;
                        }
                    };
            it.next(); // a caller already read the first minibatch: the scenario would silently miss it
            new ClassIncrementalScenario.Builder().train(it).test(test()).numExperiences(5).build();
        }, "does not support reset()", "needs a resettable iterator"));
        return c;
    }

    /** Buffers grow with what they store: a capacity of Integer.MAX_VALUE on 2 000 examples trains and checkpoints. */
    @Test
    void aHugeBufferCapacityAllocatesOnlyWhatItStores() throws Exception {
        Scenario s = new ClassIncrementalScenario.Builder().train(SyntheticData.blobs(10, 200, 8, 1, 2))
                .test(test()).numExperiences(5).name("blobs").build();
        Path dir = Files.createDirectories(tmp.resolve("huge-buffer"));
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(Models.mlp(8, 16, 10, 0.1, 1), conf()
                .plugin(new ExperienceReplay.Builder().bufferSize(Integer.MAX_VALUE).build()).build())
                .setCheckpointDirectory(dir);
        assertEquals(5, t.fit(s).classIncremental().rows());
        assertTrue(t.checkpointFailures().isEmpty(), t.checkpointFailures().toString());
        assertTrue(Files.size(dir.resolve(CheckpointFile.fileName(5))) < 1_000_000, "the checkpoint holds the "
                + "2 000 stored examples, not the capacity");
    }

    /**
     * The label check of {@code train(RecordReader, labelIndex, numClasses)} passes integer labels through (the
     * scenario sees every row and class) and refuses an out-of-range one, naming the record.
     */
    @Test
    void aCsvReaderWithIntegerLabelsPassesTheLabelCheck() throws Exception {
        StringBuilder rows = new StringBuilder();
        for (int i = 0; i < 30; i++) {
            rows.append(i % 3).append(',').append(i).append(',').append(-i).append('\n');
        }
        Path good = Files.writeString(tmp.resolve("ints.csv"), rows.toString());
        Path bad = Files.writeString(tmp.resolve("ints-bad.csv"), rows.toString().replaceFirst("\n2,", "\n3,"));
        org.datavec.api.records.reader.impl.csv.CSVRecordReader r =
                new org.datavec.api.records.reader.impl.csv.CSVRecordReader();
        r.initialize(new org.datavec.api.split.FileSplit(good.toFile()));
        Scenario s = new ClassIncrementalScenario.Builder().train(r, 0, 3).test(SyntheticData.blobs(3, 2, 2, 1, 2))
                .numExperiences(3).build();
        assertEquals(30, s.trainStream().numExamples());
        assertEquals(3, s.numClasses());
        org.datavec.api.records.reader.impl.csv.CSVRecordReader b =
                new org.datavec.api.records.reader.impl.csv.CSVRecordReader();
        b.initialize(new org.datavec.api.split.FileSplit(bad.toFile()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                new ClassIncrementalScenario.Builder().train(b, 0, 3).test(SyntheticData.blobs(3, 2, 2, 1, 2))
                        .numExperiences(3).build());
        assertTrue(e.getMessage().contains("record 3 of CSVRecordReader") && e.getMessage().contains("holds \"3\"")
                && e.getMessage().contains("[0, 3)"), e.getMessage());
    }

    /** A user's plugin that keeps no state and does not implement {@code saveState()}. */
    public static final class StatelessPluginConfiguration extends io.github.dl4jcontinual.serde.JsonConfiguration implements PluginConfiguration {
        private static final long serialVersionUID = 1L;

        @Override
        public ContinualPlugin instantiate() {
            return new StatelessPlugin();
        }

        @Override
        public String name() {
            return "stateless";
        }
    }

    /** The runtime of {@link StatelessPluginConfiguration}: every hook is the default. */
    static final class StatelessPlugin implements ContinualPlugin {
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputIsAnsweredClearly() {
        return cases().stream().map(k -> DynamicTest.dynamicTest(k.name, () -> {
            Throwable e = assertThrows(k.type, k.action, k.name);
            for (String w : k.words) {
                assertTrue(e.getMessage() != null && e.getMessage().contains(w),
                        k.name + ": the message should mention '" + w + "': " + e.getMessage());
            }
        }));
    }

    @Test
    void theCatalogueHasAtLeastTwentyDistinctCases() {
        List<Case> c = cases();
        assertTrue(c.size() >= 20, c.size() + " cases");
        assertEquals(c.size(), new TreeSet<>(c.stream().map(k -> k.name).collect(Collectors.toList())).size());
        for (String area : List.of("scenario:", "buffer:", "strategy:", "trainer:", "checkpoint:")) {
            assertTrue(c.stream().filter(k -> k.name.startsWith(area)).count() >= 3, area);
        }
    }

    @Test
    void theDocsListEveryCase() throws Exception {
        Path docs = Paths.get("..", "docs", "checkpoint.md");
        String text = Files.readString(docs);
        for (Case k : cases()) {
            assertTrue(text.contains("| " + k.name + " |"), "docs/checkpoint.md should list the case '" + k.name
                    + "' in its catalogue table");
        }
    }
}
