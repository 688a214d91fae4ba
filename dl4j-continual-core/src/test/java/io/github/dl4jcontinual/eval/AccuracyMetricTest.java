package io.github.dl4jcontinual.eval;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Joining small test experiences into shared forward passes changes no count. */
class AccuracyMetricTest {

    private static DataSet data(int classes, int perClass, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, classes * perClass, 5);
        INDArray y = Nd4j.zeros(DataType.FLOAT, classes * perClass, classes);
        for (int i = 0; i < classes * perClass; i++) {
            y.putScalar(i, i % classes, 1);
            x.putScalar(i, i % 5, 1 + x.getFloat(i, i % 5));
        }
        return new DataSet(x, y);
    }

    @Test
    void joinedForwardPassesGiveTheCountsOfOnePassPerExperience() {
        int classes = 12;
        Scenario s = new ClassIncrementalScenario.Builder().train(data(classes, 7, 1)).test(data(classes, 7, 2))
                .numExperiences(classes).build();
        ContinualModel model = ContinualModel.of(Models.mlp(5, 8, classes, 0.1, 3));
        List<Experience> test = new ArrayList<>();
        s.testStream().forEach(test::add);
        List<Integer> calls = new ArrayList<>();
        Function<MultiDataSet, INDArray> scorer = b -> {
            calls.add((int) b.getFeatures(0).size(0));
            return model.classScores(b);
        };
        int[] allowed = IntStream.range(0, 7).toArray();
        long[][] alone = AccuracyMetric.evaluate(scorer, classes, test, classes, allowed, 20, false);
        assertEquals(classes, calls.size(), "one forward call per experience");
        calls.clear();
        long[][] joined = AccuracyMetric.evaluate(scorer, classes, test, classes, allowed, 20, true);
        // 84 rows in passes of at least 20 (7-row experiences joined three at a time)
        assertEquals(List.of(21, 21, 21, 21), calls);
        assertArrayEquals(alone[0], joined[0]);
        assertArrayEquals(alone[1], joined[1]);
        // classes outside the allowed set make their class-IL cells undefined, task-IL stays defined
        assertEquals(-1, joined[0][9]);
        assertTrue(joined[1][9] >= 0);
    }
}
