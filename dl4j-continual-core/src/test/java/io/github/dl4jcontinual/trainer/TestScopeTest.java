package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.cil.IcarlConfiguration;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link TestScope}: a scoped run trains exactly as the full one (evaluation leaves the random state alone), keeps the
 * cells its scope evaluates bit for bit, leaves the others undefined, and its measures agree with the full run's
 * wherever they are defined; plugin stream metrics (iCaRL's NME head) are scoped too.
 */
class TestScopeTest {
    private static Scenario scenario;
    private static ContinualResult all;

    @BeforeAll
    static void run() {
        scenario = new ClassIncrementalScenario.Builder().train(SyntheticData.blobs(8, 40, 16, 3, 4))
                .test(SyntheticData.blobs(8, 15, 16, 3, 5)).numExperiences(4).name("blobs").build();
        all = fit(TestScope.ALL);
    }

    static ContinualResult fit(TestScope scope) {
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(3).progress(false)
                .testScope(scope).plugin(new IcarlConfiguration.Builder().exemplarsPerClass(5).distillation(false).build()).build();
        return ContinualTrainer.wrap(Models.mlp(16, 32, 8, 0.1, 7), conf).fit(scenario);
    }

    @Test
    void seenKeepsTheLowerTriangleAndNoBaseline() {
        ContinualResult seen = fit(TestScope.SEEN);
        for (String name : new String[]{ContinualResult.CLASS_IL, ContinualResult.TASK_IL, "nme.class_il"}) {
            AccuracyMatrix a = all.matrix(name);
            AccuracyMatrix s = seen.matrix(name);
            assertEquals(a.rows(), s.rows(), name);
            for (int i = 0; i < a.rows(); i++) {
                for (int j = 0; j < a.columns(); j++) {
                    if (j <= i) {
                        assertEquals(a.get(i, j), s.get(i, j), 0.0, name + " R[" + i + "][" + j + "]");
                        assertFalse(Double.isNaN(s.get(i, j)), name);
                    } else {
                        assertTrue(Double.isNaN(s.get(i, j)), name + " R[" + i + "][" + j + "] is outside the scope");
                        // class-IL on classes not seen yet is undefined with the default masking anyway
                        assertEquals(name.equals(ContinualResult.TASK_IL), !Double.isNaN(a.get(i, j)), name);
                    }
                }
            }
            assertEquals(a.finalAverageAccuracy(), s.finalAverageAccuracy(), 0.0, name);
            assertEquals(a.averageIncrementalAccuracy(), s.averageIncrementalAccuracy(), 0.0, name);
            assertEquals(a.averageForgetting(), s.averageForgetting(), 0.0, name);
            assertEquals(a.backwardTransfer(), s.backwardTransfer(), 0.0, name);
        }
        assertTrue(Double.isNaN(seen.classIncremental().baseline(0)));
        assertTrue(Double.isNaN(seen.taskIncremental().forwardTransfer()));
        assertFalse(Double.isNaN(all.taskIncremental().forwardTransfer()));
    }

    @Test
    void seenAndNextKeepsForwardTransfer() {
        ContinualResult next = fit(TestScope.SEEN_AND_NEXT);
        AccuracyMatrix a = all.taskIncremental();
        AccuracyMatrix s = next.taskIncremental();
        for (int i = 0; i < a.rows(); i++) {
            for (int j = 0; j < a.columns(); j++) {
                if (j <= i + 1) {
                    assertEquals(a.get(i, j), s.get(i, j), 0.0, "R[" + i + "][" + j + "]");
                } else {
                    assertTrue(Double.isNaN(s.get(i, j)), "R[" + i + "][" + j + "]");
                }
            }
            assertEquals(a.baseline(i), s.baseline(i), 0.0);
        }
        assertEquals(a.forwardTransfer(), s.forwardTransfer(), 0.0);
        assertEquals(a.averageForgetting(), s.averageForgetting(), 0.0);
    }

    @Test
    void scopeCountsAndJson() {
        assertEquals(0, TestScope.SEEN.evaluated(0, 5));
        assertEquals(3, TestScope.SEEN.evaluated(3, 5));
        assertEquals(5, TestScope.SEEN_AND_NEXT.evaluated(0, 5));
        assertEquals(4, TestScope.SEEN_AND_NEXT.evaluated(3, 5));
        assertEquals(5, TestScope.SEEN_AND_NEXT.evaluated(5, 5));
        assertEquals(5, TestScope.ALL.evaluated(2, 5));
        ContinualConfiguration c = new ContinualConfiguration.Builder().testScope(TestScope.SEEN_AND_NEXT).build();
        assertEquals(TestScope.SEEN_AND_NEXT, ContinualConfiguration.fromJson(c.toJson()).getTestScope());
        assertEquals(c, ContinualConfiguration.fromJson(c.toJson()));
        assertEquals(TestScope.ALL, new ContinualConfiguration.Builder().build().getTestScope());
        assertThrows(NullPointerException.class, () -> new ContinualConfiguration.Builder().testScope(null));
    }
}
