package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.metalearning.ItamlPlugin;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The short iTAML example on its own CNN, on the first 2 000 / 400 MNIST images, one epoch per
 * session (at that scale: a sanity bound, not a reproduction; docs/itaml.md has the paper protocol). */
class ItamlOwnCnnExampleTest {

    private static DataSet head(DataSet d, int n) {
        return new DataSet(d.getFeatures().get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup(),
                d.getLabels().get(NDArrayIndex.interval(0, n), NDArrayIndex.all()).dup());
    }

    @Test
    void itamlOnAnOrdinaryCnnLearnsSplitMnistWithTaskPrediction() {
        ContinualResult r = ItamlOwnCnnExample.run(new ClassIncrementalScenario.Builder().name("split-mnist")
                .train(head(IdxDatasets.mnist(SharedData.dir(), IdxDatasets.Split.TRAIN), 2000))
                .test(head(IdxDatasets.mnist(SharedData.dir(), IdxDatasets.Split.TEST), 400))
                .numExperiences(5).build(), 1);
        AccuracyMatrix with = r.matrix(ItamlPlugin.METRIC + "." + ItamlPlugin.WITH_TASK_PREDICTION);
        assertEquals(5, with.rows());
        double itaml = with.finalAverageAccuracy();
        double plain = r.classIncremental().finalAverageAccuracy();
        System.out.printf("iTAML own CNN: with task prediction %.4f, plain class-IL %.4f, task-IL %.4f%n", itaml,
                plain, r.taskIncremental().finalAverageAccuracy());
        // task prediction must do what it is for: much better than the plain class-IL arg-max of the same network
        assertTrue(itaml > plain + 0.10, "iTAML with task prediction " + itaml + " vs plain class-IL " + plain);
        assertTrue(itaml > 0.65, "iTAML with task prediction on the CNN: " + itaml);
        assertTrue(r.taskIncremental().finalAverageAccuracy() > 0.90, "task-IL: " + r.taskIncremental());
    }
}
