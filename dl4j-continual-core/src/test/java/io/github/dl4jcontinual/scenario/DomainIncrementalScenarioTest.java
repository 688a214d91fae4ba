package io.github.dl4jcontinual.scenario;

import io.github.dl4jcontinual.testutil.Reads;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DomainIncrementalScenarioTest {


    @Test
    void permutedMnistPermutesPixelsPerExperienceAndKeepsAllClasses() {
        DataSet train = SharedData.head(SharedData.mnistTrain(), 1000);
        Scenario s = DomainIncrementalScenario.permuted(train, SharedData.head(SharedData.mnistTest(), 300), 3, 11);
        assertEquals(ScenarioType.DOMAIN_INCREMENTAL, s.type());
        INDArray orig = train.getFeatures().getRow(0).dup();
        INDArray p0 = Reads.dataSet(s.trainStream().get(0)).getFeatures().getRow(0);
        INDArray p1 = Reads.dataSet(s.trainStream().get(1)).getFeatures().getRow(0);
        assertFalse(p0.equals(p1));
        float[] a = orig.toFloatVector();
        float[] b = p0.toFloatVector();
        Arrays.sort(a);
        Arrays.sort(b);
        assertArrayEquals(a, b, 0f);
        assertEquals(10, s.trainStream().get(2).classes().size());
        assertEquals(Reads.dataSet(s.trainStream().get(1)).getLabels(), train.getLabels());
    }

    @Test
    void rotationBy90DegreesMovesAPixelToTheRotatedPosition() {
        ImageRotation r = new ImageRotation(90, 1, 5, 5);
        INDArray img = Nd4j.zeros(1, 25);
        img.putScalar(0, 0 * 5 + 4, 1f); // row 0, column 4
        float[] out = r.rotate(img).toFloatVector();
        int max = 0;
        for (int i = 1; i < out.length; i++) {
            if (out[i] > out[max]) {
                max = i;
            }
        }
        assertEquals(1f, out[max], 1e-5f);
        // counter-clockwise by 90 degrees: (row 0, col 4) -> (row 0, col 0)
        assertEquals(0, max);
        ImageRotation none = new ImageRotation(0, 1, 28, 28);
        INDArray x = SharedData.mnistTest().getFeatures().getRow(3).reshape(1, 784);
        assertTrue(none.rotate(x).equalsWithEps(x, 1e-5));
    }

    @Test
    void rotatedScenarioHasOneAnglePerExperience() {
        Scenario s = DomainIncrementalScenario.rotated(SharedData.head(SharedData.mnistTrain(), 500),
                SharedData.head(SharedData.mnistTest(), 200), 4, 5, 1, 28, 28);
        Set<Double> angles = new HashSet<>();
        for (Experience e : s.trainStream()) {
            double d = ((ImageRotation) e.transform()).degrees();
            assertTrue(d >= 0 && d < 180);
            angles.add(d);
        }
        assertEquals(4, angles.size());
        assertEquals(((ImageRotation) s.trainStream().get(2).transform()).degrees(),
                ((ImageRotation) s.testStream().get(2).transform()).degrees(), 0.0);
    }

    @Test
    void newInstancesSplitsTheTrainingSetIntoDisjointChunks() {
        DataSet train = SharedData.head(SharedData.mnistTrain(), 1003);
        Scenario s = DomainIncrementalScenario.newInstances(train, SharedData.head(SharedData.mnistTest(), 300), 4, 2);
        assertEquals(1003, s.trainStream().numExamples());
        assertEquals(1, s.testStream().size());
        Set<Float> sums = new HashSet<>();
        int n = 0;
        for (Experience e : s.trainStream()) {
            assertEquals(10, e.classes().size());
            for (float v : Reads.dataSet(e).getFeatures().sum(1).toFloatVector()) {
                sums.add(v);
                n++;
            }
        }
        assertEquals(1003, n);
        assertTrue(sums.size() > 990, "chunks should hold distinct images");
    }
}
