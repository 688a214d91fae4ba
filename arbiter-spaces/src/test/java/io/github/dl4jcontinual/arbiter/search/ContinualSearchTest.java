package io.github.dl4jcontinual.arbiter.search;

import io.github.dl4jcontinual.arbiter.spaces.ContinualConfigurationSpace;
import io.github.dl4jcontinual.arbiter.spaces.ContinualSearchSpace;
import io.github.dl4jcontinual.arbiter.spaces.PluginSpace;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.SharedData;
import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.conf.updater.SgdSpace;
import org.deeplearning4j.arbiter.layers.DenseLayerSpace;
import org.deeplearning4j.arbiter.layers.OutputLayerSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A grid search over ER's buffer size and the SGD learning rate on a real MNIST subset (validation carved out of
 * the training images): a diverging learning rate fails its candidates with the reason and the search goes on;
 * the best candidate re-runs to the same score; a second run over the same directory resumes without training.
 */
class ContinualSearchTest {

    @Test
    void gridSearchRanksRecordsFailuresAndResumes(@TempDir File dir) throws Exception {
        DataSet[] parts = DataSets.splitStratified(SharedData.head(SharedData.mnistTrain(), 3000), 0.2, 1);
        Scenario validation = new ClassIncrementalScenario.Builder().train(parts[0]).test(parts[1])
                .numExperiences(5).name("split-mnist-3k-validation").build();
        ContinualSearchSpace space = new ContinualSearchSpace(new ContinualConfigurationSpace.Builder()
                .strategy(new PluginSpace(new ExperienceReplay.Builder().bufferSize(50).replayBatch(10).build(),
                        Map.of("buffer.capacity", new DiscreteParameterSpace<>(50, 200))))
                .batchSize(new org.deeplearning4j.arbiter.optimize.parameter.FixedValue<>(16)).seed(4).build(),
                new MultiLayerSpace.Builder().seed(4).updater(new SgdSpace(new DiscreteParameterSpace<>(0.05, 1e30)))
                        .addLayer(new DenseLayerSpace.Builder().nIn(784).nOut(64).activation(Activation.RELU).build())
                        .addLayer(new OutputLayerSpace.Builder().nIn(64).nOut(10).activation(Activation.SOFTMAX)
                                .lossFunction(LossFunctions.LossFunction.MCXENT).build())
                        .build());
        ContinualDataProvider data = new ContinualDataProvider(validation, null);
        List<SearchRecord> ranked = new ContinualSearch.Builder(space, data).gridSearch(2, 10).directory(dir)
                .build().run();
        assertEquals(4, ranked.size(), ranked.toString());
        List<SearchRecord> ok = new ArrayList<>();
        for (SearchRecord r : ranked) {
            double lr = r.candidate().modelJson().contains("1.0E30") ? 1e30 : 0.05;
            if (lr > 1) {
                assertEquals(SearchRecord.Status.FAILED, r.status(), r.toString());
                assertTrue(r.reason().contains("diverged"), r.reason());
            } else {
                assertEquals(SearchRecord.Status.COMPLETE, r.status(), r.toString());
                ok.add(r);
            }
        }
        assertEquals(2, ok.size());
        // ranked by score; the larger buffer forgets less on this stream, and both beat Naive's ~0.2 by far
        assertTrue(ok.get(0).score() >= ok.get(1).score());
        assertTrue(ok.get(1).score() > 0.3, "ER class-IL accuracy " + ok.get(1).score());
        assertEquals(ranked.get(0), ok.get(0));
        assertTrue(ContinualSearch.table(ranked).contains("failed: IllegalStateException: Training diverged"));
        // a candidate re-runs by itself to the same score (same seed, same data)
        SearchRecord best = ok.get(0);
        assertEquals(best.score(), new ContinualScoreFunction().score(best.candidate().trainer().fit(validation)),
                1e-12);
        assertEquals(best.result().classIncremental(), ContinualSearch.ranked(new ContinualResultSaver(dir).records())
                .get(0).result().classIncremental());
        // resume: the same search over the same directory trains nothing and changes no record
        String before = best.toJson();
        Map<String, Long> stamps = new java.util.TreeMap<>();
        for (File f : dir.listFiles()) {
            stamps.put(f.getName(), f.lastModified());
        }
        Thread.sleep(1100); // file times have a 1 s resolution on some file systems
        List<SearchRecord> again = new ContinualSearch.Builder(space, data).gridSearch(2, 10).directory(dir).build()
                .run();
        assertEquals(4, again.size());
        assertEquals(before, again.get(0).toJson());
        for (File f : dir.listFiles()) {
            assertEquals(stamps.get(f.getName()), f.lastModified(), f.getName() + " was rewritten");
        }
    }
}
