package io.github.dl4jcontinual.datavec;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.ClassOrder;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.MnistFiles;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Class names reach the result: from an {@code ImageRecordReader}'s {@code ParentPathLabelGenerator} labels (the
 * folder names of a PNG tree of real MNIST digits, 20 training and 10 test images per class), or from the
 * builder's {@code classNames}, which wins; a wrong number of names is refused.
 */
class ClassNamesTest {
    @TempDir
    static Path dir;
    private static Path trainDir;
    private static Path testDir;

    @BeforeAll
    static void writeTrees() {
        DataSet train = SharedData.mnistTrain();
        DataSet test = SharedData.mnistTest();
        trainDir = MnistFiles.writePngTree(MnistFiles.rows(train, MnistFiles.firstPerClass(train, 20)),
                dir.resolve("train"), 1);
        testDir = MnistFiles.writePngTree(MnistFiles.rows(test, MnistFiles.firstPerClass(test, 10)),
                dir.resolve("test"), 1);
    }

    private static ClassIncrementalScenario.Builder builder() {
        return new ClassIncrementalScenario.Builder().train(MnistFiles.imageIterator(trainDir, 16))
                .test(MnistFiles.imageIterator(testDir, 16)).numExperiences(5).classOrder(ClassOrder.random(3));
    }

    @Test
    void theReadersFolderNamesBecomeTheClassNames() {
        Scenario s = builder().build();
        List<String> digits = new ArrayList<>();
        for (int d = 0; d < 10; d++) {
            digits.add(Integer.toString(d));
        }
        assertEquals(digits, s.classNames());
        assertEquals(Integer.toString(s.originalClassId(0)), s.className(0));
        MultiLayerNetwork net = ImageFolderSplitMnistTest.lenet();
        ContinualResult r = ContinualTrainer.wrap(net, new ContinualConfiguration.Builder().batchSize(16).seed(2)
                .progress(false).build()).fit(s);
        assertEquals(digits, r.classNames());
        for (int k = 0; k < 10; k++) {
            assertEquals(Integer.toString(r.classOrder()[k]), r.className(k));
        }
        assertEquals(100, r.confusion().actualTotal(0) * 10, "10 test images of every class");
        assertEquals(net.numParams(), r.modelSummary().totalParams());
        assertTrue(r.modelSummary().layers().stream().anyMatch(l -> l.type().equals("ConvolutionLayer")
                && l.nOut() == 8), r.modelSummary().layers().toString());
    }

    @Test
    void namesGivenToTheBuilderWinAndAreChecked() {
        List<String> words = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");
        Scenario s = builder().classNames(words).build();
        assertEquals(words, s.classNames());
        assertEquals(words.get(s.originalClassId(3)), s.className(3));
        assertEquals(List.of(), s.withClassNames(List.of()).classNames());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> builder().classNames(List.of("a", "b")).build());
        assertTrue(e.getMessage().contains("2 class names") && e.getMessage().contains("10 columns"), e.getMessage());
        // an in-memory source knows no names
        assertEquals(List.of(), new ClassIncrementalScenario.Builder().train(SharedData.head(SharedData.mnistTrain(),
                500)).test(SharedData.head(SharedData.mnistTest(), 200)).numExperiences(5).build().classNames());
    }
}
