package io.github.dl4jcontinual.zoo.daformer;

import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * DAFormer-M on real data at small scale: Split-Fashion-MNIST (5 × 2 classes, 100 training and 100 test images per
 * class) with a ViT built from DL4J's own SelfAttentionLayers (the image columns as tokens), through the trainer. The
 * data comes from {@code ../shared/data} ({@link SharedData}: skipped when missing on a developer machine, a failure
 * under {@code CI=true}).
 */
class DaFormerRealDataTest {

    /** The first {@code n} examples of every class, in file order. */
    static DataSet perClass(DataSet ds, int n) {
        INDArray cls = ds.getLabels().argMax(1);
        int[] count = new int[(int) ds.getLabels().size(1)];
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < ds.numExamples(); i++) {
            if (count[cls.getInt(i)]++ < n) {
                keep.add(i);
            }
        }
        INDArray idx = Nd4j.createFromArray(keep.stream().mapToInt(Integer::intValue).toArray());
        return new DataSet(ds.getFeatures().get(idx), ds.getLabels().get(idx));
    }

    @Test
    void learnsSplitFashionMnistWithADl4jAttentionVit() {
        DataSet train = perClass(IdxDatasets.fashionMnist(SharedData.dir(), IdxDatasets.Split.TRAIN), 100);
        DataSet test = perClass(IdxDatasets.fashionMnist(SharedData.dir(), IdxDatasets.Split.TEST), 100);
        Scenario s = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                .name("split-fashion-mnist-small").build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().headPolicy(HeadPolicy.FIXED)
                .epochsPerExperience(3).batchSize(32).seed(1)
                .plugin(new DaFormerConfiguration.Builder().memorySize(100).fineTuneEpochs(3).build()).build();
        ContinualResult r = ContinualTrainer.wrap(DaFormerPluginTest.dl4jVit(28, 32, 10, 1, 1e-3), conf).fit(s);
        System.out.println(r.classIncremental());
        assertEquals(5, r.classIncremental().rows());
        assertTrue(r.classIncremental().get(0, 0) > 0.8, "the first task is learned: " + r.classIncremental());
        assertTrue(r.taskIncremental().finalAverageAccuracy() > 0.7, "task-IL " + r.taskIncremental());
        // well above the 10 % of chance over all classes, and above the last task's share alone (20 %)
        assertTrue(r.classIncremental().finalAverageAccuracy() > 0.3, "class-IL " + r.classIncremental());
        assertEquals(100.0, r.experiences().get(4).metrics().get("daformer.memory"));
    }
}
