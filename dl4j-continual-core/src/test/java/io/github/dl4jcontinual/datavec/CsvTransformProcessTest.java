package io.github.dl4jcontinual.datavec;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.RemainderPolicy;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.datavec.api.records.reader.RecordReader;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.records.reader.impl.transform.TransformProcessRecordReader;
import org.datavec.api.split.FileSplit;
import org.datavec.api.transform.TransformProcess;
import org.datavec.api.transform.schema.Schema;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.preprocessor.NormalizerStandardize;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A DataVec CSV pipeline end to end on the real UCI letter-recognition data: the test writes the usual split as two
 * CSV files (the first 16 000 lines for training, the last 4 000 for testing; each line a capital letter, then 16
 * integer features), reads them with a {@code CSVRecordReader} behind a {@code TransformProcessRecordReader} whose
 * {@code TransformProcess} turns the categorical letter into its class index, through a
 * {@code RecordReaderDataSetIterator} with a {@code NormalizerStandardize} fitted on the training stream as its
 * pre-processor; 26 classes in 5 experiences (5, 5, 5, 5, 6 letters), class-IL. MLP 16-128-128-26, Adam 1e-3, batch
 * 32, 3 epochs per experience, seeds 1 (model) and 7 (trainer). ER must end well above Naive.
 */
class CsvTransformProcessTest {
    @TempDir
    static Path dir;
    private static Path trainCsv;
    private static Path testCsv;
    private static NormalizerStandardize normalizer;
    private static ContinualResult naive;

    @BeforeAll
    static void writeCsvAndRunNaive() throws Exception {
        List<String> lines = Files.readAllLines(SharedData.dir().require("uci-letter-recognition/letter-recognition.data", "UCI letter recognition")
                .toPath());
        assertEquals(20000, lines.size());
        trainCsv = Files.write(dir.resolve("letters-train.csv"), lines.subList(0, 16000));
        testCsv = Files.write(dir.resolve("letters-test.csv"), lines.subList(16000, 20000));
        normalizer = new NormalizerStandardize();
        normalizer.fit(iterator(trainCsv, null));
        naive = run(null);
    }

    static TransformProcess transformProcess() {
        List<String> letters = new ArrayList<>();
        for (char c = 'A'; c <= 'Z'; c++) {
            letters.add(Character.toString(c));
        }
        Schema schema = new Schema.Builder().addColumnCategorical("letter", letters)
                .addColumnsInteger("x%d", 0, 15).build();
        return new TransformProcess.Builder(schema).categoricalToInteger("letter").build();
    }

    static DataSetIterator iterator(Path csv, NormalizerStandardize norm) {
        try {
            RecordReader csvReader = new CSVRecordReader();
            csvReader.initialize(new FileSplit(csv.toFile()));
            RecordReader rr = new TransformProcessRecordReader(csvReader, transformProcess());
            DataSetIterator it = new RecordReaderDataSetIterator(rr, 256, 0, 26);
            if (norm != null) {
                it.setPreProcessor(norm);
            }
            return it;
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static MultiLayerNetwork mlp() {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder()
                .seed(1).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nIn(16).nOut(128).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(128).nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(128).nOut(26)
                        .activation(Activation.SOFTMAX).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
    }

    static ContinualResult run(PluginConfiguration plugin) {
        Scenario s = new ClassIncrementalScenario.Builder()
                .train(iterator(trainCsv, normalizer)).test(iterator(testCsv, normalizer))
                .numExperiences(5).remainder(RemainderPolicy.LAST_EXPERIENCE).name("split-letters-csv").build();
        ContinualConfiguration.Builder b = new ContinualConfiguration.Builder()
                .batchSize(32).epochsPerExperience(3).seed(7).progress(false);
        if (plugin != null) {
            b.plugin(plugin);
        }
        long t0 = System.currentTimeMillis();
        ContinualResult r = ContinualTrainer.wrap(mlp(), b.build()).fit(s);
        System.out.println(r.report());
        System.out.println((plugin == null ? "naive" : plugin.name()) + " class-IL "
                + r.classIncremental().finalAverageAccuracy() + " task-IL " + r.taskIncremental().finalAverageAccuracy()
                + " in " + (System.currentTimeMillis() - t0) + " ms");
        return r;
    }

    @Test
    void experienceReplayBeatsNaive() {
        ContinualResult er = run(new ExperienceReplay.Builder().bufferSize(500).replayBatch(32).build());
        // measured: ER class-IL 0.767 (task-IL 0.931), Naive 0.198 (task-IL 0.653)
        double c = er.classIncremental().finalAverageAccuracy();
        double n = naive.classIncremental().finalAverageAccuracy();
        assertTrue(n <= 0.25, "Naive class-IL " + n);
        assertTrue(c >= 0.6, "ER class-IL " + c + " < 0.6");
        assertTrue(c >= n + 0.35, "ER class-IL " + c + " not well above Naive's " + n);
        // the letters were mapped by the TransformProcess: 26 classes, 4000 test lines in 5 experiences
        assertEquals(5, er.classIncremental().columns());
        long total = 0;
        for (int j = 0; j < 5; j++) {
            total += er.classIncremental().total(j);
        }
        assertEquals(4000, total);
    }
}
