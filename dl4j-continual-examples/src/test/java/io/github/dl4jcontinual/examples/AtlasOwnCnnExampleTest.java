package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short ATLAS example on its own CNN, on real data at small scale: the tower trained for one epoch on 2 000
 * Fashion-MNIST images, then task-incremental Split-MNIST with 100 training and 50 test images per class (200 / 100
 * per task), stage 1 for 2 epochs and stage 2 for 4. A sanity bound, not a reproduction.
 */
class AtlasOwnCnnExampleTest {

    @Test
    void atlasOnAnOrdinaryCnnLearnsTaskIncrementalSplitMnistWithoutForgetting() {
        long t0 = System.nanoTime();
        ContinualResult r = AtlasOwnCnnExample.run(SharedData.head(IdxDatasets.fashionMnist(SharedData.dir(),
                IdxDatasets.Split.TRAIN), 2000), new ClassIncrementalScenario.Builder().name("split-mnist")
                .taskLabels(true).train(DataSets.perClass(SharedData.mnistTrain(), 0, 100))
                .test(DataSets.perClass(SharedData.mnistTest(), 0, 50)).numExperiences(5).build(), 2);
        AccuracyMatrix til = r.taskIncremental();
        System.out.printf("ATLAS own CNN: final task-IL %.4f, forgetting %.4f (%.0f s)%n%s%n",
                til.finalAverageAccuracy(), til.averageForgetting(), (System.nanoTime() - t0) / 1e9, til);
        assertEquals(5, til.rows());
        // the towers and the earlier adapters, queries and heads are frozen: every task is kept exactly
        for (int j = 0; j < 5; j++) {
            for (int i = j + 1; i < 5; i++) {
                assertEquals(til.get(j, j), til.get(i, j), "task " + j + " after experience " + i + ": " + til);
            }
        }
        assertEquals(2 * r.experiences().get(1).metrics().get("atlas.stage1_updates"),
                r.experiences().get(1).metrics().get("atlas.stage2_updates"));
        // digits 0 vs 1; chance is 0.5 for every task
        assertTrue(til.get(0, 0) > 0.9, "the first task is learned: " + til);
        assertTrue(til.finalAverageAccuracy() > 0.7, "task-IL " + til);
    }
}
