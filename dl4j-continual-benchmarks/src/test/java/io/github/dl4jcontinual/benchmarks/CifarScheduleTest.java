package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The PyCIL schedule of {@code reproduce-cil --dataset cifar100} on a tiny synthetic stream (CIFAR-100 is not in
 * the shared data): 200 epochs on the first experience and 170 on the next, the learning rate 0.1 divided by 10 at
 * the milestone epochs (60, 120, 170 first; iCaRL's 80, 120 later), as the network's own listeners see it.
 */
class CifarScheduleTest {

    @Test
    void epochsPerExperienceAndMilestoneLearningRates() {
        Scenario s = new ClassIncrementalScenario.Builder().train(SyntheticData.blobs(4, 4, 5, 1, 2))
                .test(SyntheticData.blobs(4, 4, 5, 1, 3)).numExperiences(2).name("blobs").build();
        MultiLayerNetwork net = Models.mlp(5, 8, 4, 0.5, 1);
        List<Double> lrAtEpochStart = new ArrayList<>();
        net.setListeners(new BaseTrainingListener() {
            @Override
            public void onEpochStart(Model model) {
                lrAtEpochStart.add(((MultiLayerNetwork) model).getLearningRate(0));
            }
        });
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(8)
                .epochsPerExperience(CifarResNet.FIRST_EPOCHS).seed(1).progress(false)
                .plugin(CifarResNet.schedule("icarl")).build();
        ContinualResult r = ContinualTrainer.wrap(net, conf).fit(s);
        assertEquals(CifarResNet.FIRST_EPOCHS, r.experiences().get(0).epochs());
        assertEquals(CifarResNet.LATER_EPOCHS, r.experiences().get(1).epochs());
        // 8 examples per experience, batch 8: one update per epoch
        assertEquals(CifarResNet.FIRST_EPOCHS, r.experiences().get(0).iterations());
        assertEquals(CifarResNet.LATER_EPOCHS, r.experiences().get(1).iterations());
        assertEquals(CifarResNet.FIRST_EPOCHS + CifarResNet.LATER_EPOCHS, lrAtEpochStart.size());
        for (int e = 0; e < CifarResNet.FIRST_EPOCHS; e++) {
            double want = e < 60 ? 0.1 : e < 120 ? 0.01 : e < 170 ? 1e-3 : 1e-4;
            assertEquals(want, lrAtEpochStart.get(e), want * 1e-6, "first experience, epoch " + e);
        }
        for (int e = 0; e < CifarResNet.LATER_EPOCHS; e++) {
            double want = e < 80 ? 0.1 : e < 120 ? 0.01 : 1e-3;
            assertEquals(want, lrAtEpochStart.get(CifarResNet.FIRST_EPOCHS + e), want * 1e-6,
                    "second experience, epoch " + e);
        }
    }
}
