package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Split-MNIST class-IL with the DER protocol (MLP 784-100-100-10, SGD lr 0.03, batch 10, 1 epoch per
 * experience, 5 experiences of 2 classes in natural order) on the real MNIST files; seeds 1 (model) and 42
 * (trainer).
 */
class SplitMnistTest {
    private static Scenario scenario;

    @BeforeAll
    static void load() {
        scenario = new ClassIncrementalScenario.Builder()
                .train(SharedData.mnistTrain()).test(SharedData.mnistTest())
                .numExperiences(5).name("split-mnist").build();
    }

    static ContinualConfiguration derConf(boolean joint) {
        ContinualConfiguration.Builder b = new ContinualConfiguration.Builder()
                .batchSize(10).epochsPerExperience(1).seed(42).progress(false);
        if (joint) {
            b.plugin(new JointTraining());
        }
        return b.build();
    }

    @Test
    void naiveForgetsAndMatchesTheDerTable() {
        MultiLayerNetwork net = Models.mlp(784, 100, 10, 0.03, 1);
        ContinualResult r = ContinualTrainer.wrap(net, derConf(false)).fit(scenario);
        System.out.println(r.report());
        AccuracyMatrix c = r.classIncremental();
        assertEquals(5, c.rows());
        double fin = c.finalAverageAccuracy();
        assertTrue(fin >= 0.17 && fin <= 0.23, "Naive class-IL final accuracy " + fin + " not in [0.17, 0.23]");
        assertTrue(c.forgetting(0) >= 0.9, "forgetting of experience 0: " + c.forgetting(0));
        assertTrue(c.get(0, 0) > 0.99, "accuracy on {0,1} right after training it: " + c.get(0, 0));
        double task = r.taskIncremental().finalAverageAccuracy();
        assertTrue(task >= 0.90, "Naive task-IL final accuracy " + task);
    }

    @Test
    void jointReachesTheUpperBound() {
        MultiLayerNetwork net = Models.mlp(784, 100, 10, 0.03, 1);
        ContinualResult r = ContinualTrainer.wrap(net, derConf(true)).fit(scenario);
        System.out.println(r.report());
        double fin = r.classIncremental().finalAverageAccuracy();
        assertTrue(fin >= 0.93, "Joint class-IL final accuracy " + fin);
        assertEquals(60000, r.experiences().get(4).examplesSeen());
        assertEquals(0, r.experiences().get(0).examplesSeen());
    }

    @Test
    void graphAndMultiLayerNetworkGiveTheSameResult() {
        MultiLayerNetwork net = Models.mlp(784, 100, 10, 0.03, 1);
        ComputationGraph graph = Models.mlpGraph(784, 100, 10, 0.03, 7);
        graph.setParams(net.params().dup());
        ContinualResult a = ContinualTrainer.wrap(net, derConf(false)).fit(scenario);
        ContinualResult b = ContinualTrainer.wrap(graph, derConf(false)).fit(scenario);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(a.classIncremental().get(i, j), b.classIncremental().get(i, j), 2e-3,
                        "class-IL R[" + i + "][" + j + "]");
                assertEquals(a.taskIncremental().get(i, j), b.taskIncremental().get(i, j), 2e-3,
                        "task-IL R[" + i + "][" + j + "]");
            }
        }
        assertArrayEquals(net.params().toFloatVector(), graph.params().toFloatVector(), 1e-3f);
    }
}
