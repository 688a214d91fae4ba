package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.testutil.Reads;
import io.github.dl4jcontinual.testutil.SharedData;
import org.datavec.api.records.reader.RecordReader;
import org.datavec.api.records.reader.impl.csv.CSVRecordReader;
import org.datavec.api.records.reader.impl.transform.TransformProcessRecordReader;
import org.datavec.api.split.FileSplit;
import org.datavec.api.transform.TransformProcess;
import org.datavec.api.transform.schema.Schema;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClassIncrementalScenarioTest {


    private static ClassIncrementalScenario.Builder mnist(int nTrain, int nTest) {
        return new ClassIncrementalScenario.Builder().train(SharedData.head(SharedData.mnistTrain(), nTrain))
                .test(SharedData.head(SharedData.mnistTest(), nTest));
    }

    /** UCI letters through DataVec: CSV with the letter in column 0, turned into an integer label. */
    static RecordReader letters() throws Exception {
        Schema.Builder sb = new Schema.Builder();
        List<String> letters = new ArrayList<>();
        for (char c = 'A'; c <= 'Z'; c++) {
            letters.add(String.valueOf(c));
        }
        sb.addColumnCategorical("letter", letters);
        for (int i = 0; i < 16; i++) {
            sb.addColumnInteger("f" + i);
        }
        TransformProcess tp = new TransformProcess.Builder(sb.build()).categoricalToInteger("letter").build();
        CSVRecordReader csv = new CSVRecordReader();
        File f = SharedData.dir().require("uci-letter-recognition/letter-recognition.data", "UCI");
        csv.initialize(new FileSplit(f));
        return new TransformProcessRecordReader(csv, tp);
    }

    @Test
    void splitMnistExposesOnlyOwnAndSeenClasses() {
        Scenario s = mnist(6000, 2000).numExperiences(5).build();
        assertEquals(ScenarioType.CLASS_INCREMENTAL, s.type());
        assertEquals(5, s.trainStream().size());
        assertEquals(6000, s.trainStream().numExamples());
        for (Experience e : s.trainStream()) {
            int i = e.index();
            assertEquals(List.of(2 * i, 2 * i + 1), e.classes());
            assertEquals(2 * i + 2, e.seenClasses().size());
            assertEquals(OptionalInt.empty(), e.taskId());
            int[] ids = DataSets.classIds(Reads.dataSet(e).getLabels());
            assertTrue(Arrays.stream(ids).allMatch(c -> c == 2 * i || c == 2 * i + 1));
            assertEquals(10, e.numClasses());
        }
    }

    @Test
    void seededRandomOrderIsReproducibleAndRelabelsInArrivalOrder() {
        Scenario a = mnist(3000, 1000).numExperiences(5).classOrder(ClassOrder.random(7)).build();
        Scenario b = mnist(3000, 1000).numExperiences(5).classOrder(ClassOrder.random(7)).build();
        assertArrayEquals(a.classOrder(), b.classOrder());
        assertFalse(Arrays.equals(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, a.classOrder()));
        // relabelled class 0 holds the images of the dataset's class a.classOrder()[0]
        int original = a.originalClassId(0);
        int[] trainIds = DataSets.classIds(SharedData.head(SharedData.mnistTrain(), 3000).getLabels());
        long expected = Arrays.stream(trainIds).filter(c -> c == original).count();
        long got = Arrays.stream(DataSets.classIds(Reads.dataSet(a.trainStream().get(0)).getLabels()))
                .filter(c -> c == 0).count();
        assertEquals(expected, got);
    }

    @Test
    void taskLabelsMakeATaskIncrementalScenario() {
        Scenario s = mnist(2000, 500).classesPerExperience(4, 4, 2).taskLabels(true).build();
        assertEquals(ScenarioType.TASK_INCREMENTAL, s.type());
        assertEquals(OptionalInt.of(2), s.trainStream().get(2).taskId());
        assertEquals(List.of(8, 9), s.testStream().get(2).classes());
    }

    @Test
    void recordReaderSourceAndRemainderPolicies() throws Exception {
        DataSet all = DataSets.fromRecordReader(letters(), 0, 26);
        assertEquals(20000, all.numExamples());
        DataSet train = new DataSet(all.getFeatures().get(NDArrayIndex.interval(0, 16000), NDArrayIndex.all()),
                all.getLabels().get(NDArrayIndex.interval(0, 16000), NDArrayIndex.all()));
        DataSet test = new DataSet(all.getFeatures().get(NDArrayIndex.interval(16000, 20000), NDArrayIndex.all()),
                all.getLabels().get(NDArrayIndex.interval(16000, 20000), NDArrayIndex.all()));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5).build());
        assertTrue(e.getMessage().contains("26 classes do not split evenly into 5"), e.getMessage());
        Scenario last = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                .remainder(RemainderPolicy.LAST_EXPERIENCE).build();
        assertEquals(6, last.trainStream().get(4).classes().size());
        assertEquals(20000, last.trainStream().numExamples() + last.testStream().numExamples());
        Scenario spread = new ClassIncrementalScenario.Builder().train(letters(), 0, 26).test(test).numExperiences(5)
                .remainder(RemainderPolicy.SPREAD_FIRST).build();
        assertEquals(6, spread.trainStream().get(0).classes().size());
        assertEquals(5, spread.trainStream().get(4).classes().size());
    }

    @Test
    void moreExperiencesThanClassesIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mnist(2000, 500).numExperiences(12).build());
        assertTrue(e.getMessage().contains("numExperiences (12)") && e.getMessage().contains("10"), e.getMessage());
    }

    @Test
    void classIdOutOfRangeIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mnist(2000, 500).numExperiences(5).classOrder(ClassOrder.fixed(0, 1, 2, 3, 4, 5, 6, 7, 8, 12))
                        .build());
        assertTrue(e.getMessage().contains("Class id 12") && e.getMessage().contains("[0, 10)"), e.getMessage());
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> mnist(2000, 500).experienceClasses(new int[]{0, 1}, new int[]{2, 3, 4, 5, 6, 7, 8, 10}).build());
        assertTrue(g.getMessage().contains("Class id 10"), g.getMessage());
    }

    @Test
    void emptyExperienceIsRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> mnist(2000, 500).classesPerExperience(4, 0, 6));
        assertTrue(e.getMessage().contains("classesPerExperience[1]") && e.getMessage().contains("got: 0"),
                e.getMessage());
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> mnist(2000, 500).experienceClasses(new int[]{0, 1}, new int[]{}));
        assertTrue(g.getMessage().contains("experienceClasses[1] is empty"), g.getMessage());
    }

    @Test
    void trainAndTestThatDisagreeOnClassesAreRejected() {
        DataSet test = SharedData.head(SharedData.mnistTest(), 2000);
        int[] ids = DataSets.classIds(test.getLabels());
        int[] keep = java.util.stream.IntStream.range(0, ids.length).filter(i -> ids[i] != 9).toArray();
        DataSet noNines = new DataSet(test.getFeatures().getRows(keep), test.getLabels().getRows(keep));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ClassIncrementalScenario.Builder().train(SharedData.head(SharedData.mnistTrain(), 2000)).test(noNines)
                        .numExperiences(5).build());
        assertTrue(e.getMessage().contains("disagree on classes") && e.getMessage().contains("9]"), e.getMessage());
    }

    @Test
    void conflictingSplitOptionsAreRejected() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> mnist(1000, 300).numExperiences(5).classesPerExperience(5, 5).build());
        assertTrue(e.getMessage().contains("exactly one"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> mnist(1000, 300).classesPerExperience(5, 4).build());
        assertThrows(IllegalArgumentException.class, () -> new ClassIncrementalScenario.Builder().numExperiences(0));
    }
}
