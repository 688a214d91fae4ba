package io.github.dl4jcontinual.ui;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.core.storage.Persistable;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.ui.model.stats.StatsListener;
import org.deeplearning4j.ui.model.stats.api.StatsReport;
import org.deeplearning4j.ui.model.storage.FileStatsStorage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A real 5-experience Split-MNIST run (600 training examples per experience) recorded with
 * {@link ContinualStats}; the file is then opened with DL4J's own {@link FileStatsStorage}, as the UI does.
 */
class ContinualStatsTest {

    @Test
    void theStatsFileOfARunLoadsWithDl4jsFileStatsStorage() throws Exception {
        Scenario scenario = new ClassIncrementalScenario.Builder()
                .train(SharedData.head(SharedData.mnistTrain(), 3000)).test(SharedData.head(SharedData.mnistTest(), 500))
                .numExperiences(5).name("split-mnist-small").build();
        MultiLayerNetwork net = Models.mlp(784, 32, 10, 0.05, 1);
        net.setListeners(new ScoreIterationListener(1000));
        // kept in target/ so that bin/continual-ui can show it afterwards
        File file = new File("target/continual-stats/ui-stats.bin");
        Files.deleteIfExists(file.toPath());
        FileStatsStorage stats = ContinualStats.attach(net, file, 1, "continual-run");
        assertEquals(2, net.getListeners().size(), "the user's listener is kept");
        ContinualResult r = ContinualTrainer.wrap(net, new ContinualConfiguration.Builder().batchSize(50).seed(3)
                .progress(false).build()).fit(scenario);
        stats.close();
        long iterations = r.experiences().stream().mapToLong(ExperienceResult::iterations).sum();
        assertTrue(iterations >= 5 * 10, "iterations: " + iterations);

        FileStatsStorage loaded = new FileStatsStorage(file);
        try {
            assertEquals(List.of("continual-run"), loaded.listSessionIDs());
            assertTrue(loaded.listTypeIDsForSession("continual-run").contains(StatsListener.TYPE_ID));
            List<String> workers = loaded.listWorkerIDsForSession("continual-run");
            assertEquals(1, workers.size());
            assertFalse(loaded.getAllStaticInfos("continual-run", StatsListener.TYPE_ID).isEmpty(), "model info");
            List<Persistable> updates = loaded.getAllUpdatesAfter("continual-run", StatsListener.TYPE_ID,
                    workers.get(0), 0);
            assertEquals(iterations, updates.size(), "one update per iteration of every experience");
            StatsReport last = (StatsReport) updates.get(updates.size() - 1);
            assertEquals(iterations - 1, last.getIterationCount(), "the last update is the last iteration");
            assertEquals(r.experiences().get(4).lastScore(), last.getScore(), 1e-6);
        } finally {
            loaded.close();
        }
    }

    @Test
    void rejectsAZeroFrequency(@TempDir File tmp) {
        MultiLayerNetwork net = Models.mlp(4, 3, 2, 0.1, 1);
        assertThrows(IllegalArgumentException.class, () -> ContinualStats.attach(net, new File(tmp, "s.bin"), 0, null));
    }
}
