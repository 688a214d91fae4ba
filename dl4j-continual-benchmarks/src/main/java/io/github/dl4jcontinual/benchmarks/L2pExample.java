package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.l2p.L2pConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.learning.config.Adam;

/**
 * The L2P part of the {@code prompts} command ({@code --methods l2p [--l2p-frequency]}): the L2P plugin on a
 * pre-trained ViT, driven by the trainer (FIXED head over all classes, the paper's pool M = 10, Lp = 5, N = 5,
 * λ = 0.1, train mask, Adam on prompts, keys and head).
 */
final class L2pExample {
    private L2pExample() {
    }

    /**
     * @param vit       the pre-trained ViT (frozen by the plugin)
     * @param images    the class-incremental image scenario
     * @param epochs    epochs per experience
     * @param batch     minibatch size
     * @param lr        Adam learning rate of prompts, keys and head
     * @param frequency the prompt-frequency penalty
     * @param seed      the trainer's seed
     * @param progress  print progress
     * @return the trainer's result
     */
    static ContinualResult run(ComputationGraph vit, Scenario images, int epochs, int batch, double lr,
                               boolean frequency, long seed, boolean progress) {
        L2pConfiguration l2p = new L2pConfiguration.Builder().updater(new Adam(lr)).frequencyPenalty(frequency)
                .build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().headPolicy(HeadPolicy.FIXED)
                .epochsPerExperience(epochs).batchSize(batch).evalBatchSize(500).seed(seed).progress(progress)
                .plugin(l2p).build();
        return ContinualTrainer.wrap(vit, conf).fit(images);
    }
}
