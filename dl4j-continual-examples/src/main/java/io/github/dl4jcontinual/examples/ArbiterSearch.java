package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.arbiter.search.ContinualDataProvider;
import io.github.dl4jcontinual.arbiter.search.ContinualSearch;
import io.github.dl4jcontinual.arbiter.search.SearchRecord;
import io.github.dl4jcontinual.arbiter.spaces.ContinualConfigurationSpace;
import io.github.dl4jcontinual.arbiter.spaces.ContinualSearchSpace;
import io.github.dl4jcontinual.arbiter.spaces.PluginSpace;
import io.github.dl4jcontinual.arbiter.spaces.StrategySpace;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.conf.updater.SgdSpace;
import org.deeplearning4j.arbiter.layers.DenseLayerSpace;
import org.deeplearning4j.arbiter.layers.OutputLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.FixedValue;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Arbiter random search over whole continual runs on Split-MNIST: the strategy (ER with a buffer of 200 / 500, or
 * EWC with λ in [1, 100]), the SGD learning rate (0.01 to 0.05) and the hidden width (50 to 200) are searched; every candidate learns the
 * whole stream on 90 % of the training images and is scored on the other 10 % (never on the test stream). Records
 * are kept in the output directory: run it again and the search resumes. A candidate that diverges is recorded
 * as failed, with the reason, and ranked last.
 * <p>
 * Arguments: {@code [data-dir] [candidates] [out-dir]}, defaults 6 and {@code results/arbiter-search}.
 */
public final class ArbiterSearch {
    private ArbiterSearch() {
    }

    public static void main(String[] args) throws IOException {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        int candidates = args.length > 1 ? Integer.parseInt(args[1]) : 6;
        File out = new File(args.length > 2 ? args[2] : "results/arbiter-search");
        List<SearchRecord> ranked = search(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN),
                IdxDatasets.mnist(dir, IdxDatasets.Split.TEST), candidates, out);
        System.out.println(ContinualSearch.table(ranked));
    }

    /** Runs (or resumes) the search; records ranked by validation score, failed candidates last. */
    static List<SearchRecord> search(DataSet train, DataSet test, int candidates, File out) throws IOException {
        DataSet[] parts = DataSets.splitStratified(train, 0.1, 42);            // {train, validation}
        Scenario validation = new ClassIncrementalScenario.Builder().train(parts[0]).test(parts[1])
                .numExperiences(5).name("split-mnist-validation").build();
        Scenario testStream = new ClassIncrementalScenario.Builder().train(parts[0]).test(test).numExperiences(5)
                .name("split-mnist").build();                                  // for the chosen candidate only
        Map<String, ParameterSpace<List<PluginConfiguration>>> strategies = new LinkedHashMap<>();
        strategies.put("er", new PluginSpace(new ExperienceReplay.Builder().bufferSize(500).replayBatch(10).build(),
                Map.of("buffer.capacity", new DiscreteParameterSpace<>(200, 500))));
        strategies.put("ewc", new PluginSpace(new RegularizationConfiguration.Builder(RegularizationMethod.EWC)
                .build(), Map.of("lambda", new ContinuousParameterSpace(1, 100))));
        ContinualSearchSpace space = new ContinualSearchSpace(new ContinualConfigurationSpace.Builder()
                .strategy(new StrategySpace(strategies)).batchSize(new FixedValue<>(10)).seed(42).build(),
                new MultiLayerSpace.Builder().seed(42).updater(new SgdSpace(new ContinuousParameterSpace(0.01, 0.05)))
                        .addLayer(new DenseLayerSpace.Builder().nOut(new IntegerParameterSpace(50, 200))
                                .activation(Activation.RELU).build())
                        .addLayer(new OutputLayerSpace.Builder().nOut(10).activation(Activation.SOFTMAX)
                                .lossFunction(LossFunctions.LossFunction.MCXENT).build())
                        .setInputType(InputType.feedForward(784)).build());
        return new ContinualSearch.Builder(space, new ContinualDataProvider(validation, testStream))
                .randomSearch(candidates, 42).directory(out).build().run();
    }
}
