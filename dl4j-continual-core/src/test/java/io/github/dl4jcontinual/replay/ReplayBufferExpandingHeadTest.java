package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An online buffer under an expanding head: the trainer slices the labels to the head, so each experience's
 * minibatches are wider than the previous one's; the buffer keeps every row, its classes intact.
 */
class ReplayBufferExpandingHeadTest {

    private static MultiDataSet batch(int[] classes, int width) {
        INDArray x = Nd4j.rand(DataType.FLOAT, classes.length, 3);
        return new MultiDataSet(x, DataSets.oneHot(classes, width).castTo(DataType.FLOAT));
    }

    @Test
    void rowsOfNarrowerAndWiderLabelsJoinOneBuffer() {
        ReservoirReplayBuffer b = new ReservoirReplayBuffer(100, false);
        Random rng = new Random(1);
        b.observe(batch(new int[]{0, 1, 1}, 2), null, 0, rng);
        b.observe(batch(new int[]{2, 3, 0}, 4), null, 1, rng);
        b.observe(batch(new int[]{1}, 2), null, 1, rng);
        ReplayBatch all = b.contents(4);
        assertEquals(7, all.size());
        assertArrayEquals(new long[]{7, 4}, all.labels().shape());
        assertArrayEquals(new int[]{0, 1, 1, 2, 3, 0, 1}, DataSets.classIds(all.labels()));
        // every row one-hot over the 4 classes: the narrow rows got zeros for classes 2 and 3
        assertEquals(7.0, all.labels().sumNumber().doubleValue(), 0);
        assertEquals(2, b.contents(2).labels().size(1));
    }

    @Test
    void experienceReplayLearnsAStreamUnderAnExpandingHead() {
        Scenario s = new ClassIncrementalScenario.Builder().train(SyntheticData.blobs(6, 60, 8, 3, 1))
                .test(SyntheticData.blobs(6, 30, 8, 3, 2)).numExperiences(3).name("blobs").build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).epochsPerExperience(2)
                .seed(4).progress(false).headPolicy(HeadPolicy.EXPANDING)
                .plugin(new ExperienceReplay.Builder().bufferSize(60).replayBatch(10).build()).build();
        ContinualResult r = ContinualTrainer.wrap(Models.mlp(8, 32, 2, 0.05, 4), conf).fit(s);
        assertEquals(3, r.classIncremental().rows());
        // the first experience's classes are still recognised at the end among all six (chance 1/6)
        assertTrue(r.classIncremental().get(2, 0) > 0.5, "class-IL on experience 0 at the end: "
                + r.classIncremental().get(2, 0));
    }
}
