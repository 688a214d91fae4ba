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
 * The short DAFormer-M example on its own DL4J ViT, on real Split-Fashion-MNIST at small scale: 100 training and 50
 * test images per class (200 / 100 per task), 3 epochs per experience (15 updates per task at the example's batch of
 * 64: with one epoch, 5 updates, the ViT does not learn the first task), a memory of 100. A sanity bound, not a
 * reproduction (docs/daformer.md).
 */
class DaFormerOwnVitExampleTest {

    @Test
    void daformerOnAnOrdinaryVitLearnsSplitFashionMnistAndKeepsOldClasses() {
        long t0 = System.nanoTime();
        ContinualResult r = DaFormerOwnVitExample.run(new ClassIncrementalScenario.Builder().name("split-fashion")
                .train(DataSets.perClass(IdxDatasets.fashionMnist(SharedData.dir(), IdxDatasets.Split.TRAIN),
                        0, 100))
                .test(DataSets.perClass(IdxDatasets.fashionMnist(SharedData.dir(), IdxDatasets.Split.TEST),
                        0, 50))
                .numExperiences(5).build(), 3, 100);
        AccuracyMatrix cil = r.classIncremental();
        AccuracyMatrix til = r.taskIncremental();
        System.out.printf("DAFormer own ViT: first task %.4f, final class-IL %.4f, task-IL %.4f (%.0f s)%n%s%n",
                cil.get(0, 0), cil.finalAverageAccuracy(), til.finalAverageAccuracy(), (System.nanoTime() - t0) / 1e9,
                cil);
        assertEquals(5, cil.rows());
        // T-shirt/top vs trouser: chance is 0.5
        assertTrue(cil.get(0, 0) > 0.75, "the first task is learned: " + cil);
        assertTrue(til.finalAverageAccuracy() > 0.7, "task-IL " + til);
        // chance over the 10 classes is 0.1; fine-tuning keeps about the last task only (<= 0.2 at the end)
        assertTrue(cil.finalAverageAccuracy() > 0.3, "class-IL " + cil);
        assertEquals(100.0, r.experiences().get(4).metrics().get("daformer.memory"), "the memory is full");
    }
}
