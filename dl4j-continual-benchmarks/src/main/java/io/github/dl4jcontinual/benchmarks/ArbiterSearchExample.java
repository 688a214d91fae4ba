package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.arbiter.search.ContinualDataProvider;
import io.github.dl4jcontinual.arbiter.search.ContinualScoreFunction;
import io.github.dl4jcontinual.arbiter.search.ContinualSearch;
import io.github.dl4jcontinual.arbiter.search.SearchRecord;
import io.github.dl4jcontinual.arbiter.spaces.ContinualConfigurationSpace;
import io.github.dl4jcontinual.arbiter.spaces.ContinualSearchSpace;
import io.github.dl4jcontinual.arbiter.spaces.PluginSpace;
import io.github.dl4jcontinual.arbiter.spaces.StrategySpace;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
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
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code arbiter-search}: an Arbiter random search over whole continual runs on Split MNIST, following the
 * continual protocol: every candidate trains on the training images minus a stratified validation share and is
 * scored (class-IL final accuracy) on that validation share; the test stream is used once, to re-run the best
 * candidate. The space: ER (buffer 200 / 500 / 1000) or EWC (λ in [10, 1000]), SGD learning rate in
 * [0.01, 0.2] through Arbiter's {@code MultiLayerSpace} (MLP 784-100-100-10), batch 10, one epoch per experience.
 * Records go to {@code --out} (default results/search); running the same command again resumes the search.
 */
@Command(name = "arbiter-search", description = "An Arbiter random search over whole continual runs on Split MNIST "
        + "(ER buffer or EWC λ, SGD learning rate), scored on a validation share; the best candidate re-run on the "
        + "test stream. Running it again resumes the search.")
final class ArbiterSearchExample extends Options.Command {
    @Mixin
    Options.DataDir data;
    @Option(names = "--candidates", defaultValue = "8", description = "Random candidates.")
    int candidates;
    @Option(names = "--seed", defaultValue = "42", description = "The search's and the runs' seed.")
    long seed;
    @Mixin
    Options.Out outOption = new Options.Out("results/search");
    @Option(names = "--validation", defaultValue = "0.1", description = "The stratified validation share of the "
            + "training images, in (0, 1).")
    double validationShare;
    @Option(names = "--batch", defaultValue = "10", description = "Minibatch size.")
    int batch;
    @Mixin
    Options.NoReport report;

    @Override
    public void run() {
        atLeast("--candidates", candidates, 1);
        atLeast("--batch", batch, 1);
        if (!(validationShare > 0 && validationShare < 1)) {
            throw invalid("--validation", validationShare, "a number in (0, 1)");
        }
        DataDirectory dir = data.resolve();
        long seed = this.seed;
        DataSet[] parts = DataSets.splitStratified(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN),
                validationShare, seed);
        Scenario validation = new ClassIncrementalScenario.Builder().train(parts[0]).test(parts[1])
                .numExperiences(5).name("split-mnist-validation").build();
        Scenario test = new ClassIncrementalScenario.Builder().train(parts[0])
                .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).name("split-mnist").build();

        Map<String, ParameterSpace<List<PluginConfiguration>>> strategies = new LinkedHashMap<>();
        strategies.put("er", new PluginSpace(new ExperienceReplay.Builder().bufferSize(500).replayBatch(10).build(),
                Map.of("buffer.capacity", new DiscreteParameterSpace<>(200, 500, 1000))));
        strategies.put("ewc", new PluginSpace(new RegularizationConfiguration.Builder(RegularizationMethod.EWC)
                .lambda(100).build(), Map.of("lambda", new ContinuousParameterSpace(10, 1000))));
        ContinualSearchSpace space = new ContinualSearchSpace(new ContinualConfigurationSpace.Builder()
                .strategy(new StrategySpace(strategies)).batchSize(new org.deeplearning4j.arbiter.optimize.parameter.FixedValue<>(batch)).seed(seed)
                .build(),
                new MultiLayerSpace.Builder().seed(seed).updater(new SgdSpace(new ContinuousParameterSpace(0.01, 0.2)))
                        .addLayer(new DenseLayerSpace.Builder().nIn(784).nOut(100).activation(Activation.RELU)
                                .build())
                        .addLayer(new DenseLayerSpace.Builder().nIn(100).nOut(100).activation(Activation.RELU)
                                .build())
                        .addLayer(new OutputLayerSpace.Builder().nIn(100).nOut(10).activation(Activation.SOFTMAX)
                                .lossFunction(LossFunctions.LossFunction.MCXENT).build())
                        .build());
        File out = outOption.dir();
        ContinualScoreFunction score = new ContinualScoreFunction();
        try {
            long t0 = System.currentTimeMillis();
            List<SearchRecord> ranked = new ContinualSearch.Builder(space, new ContinualDataProvider(validation, test))
                    .randomSearch(candidates, seed).score(score).directory(out).build().run();
            String table = ContinualSearch.table(ranked);
            System.out.println("Search on the validation stream (" + score + "), "
                    + (System.currentTimeMillis() - t0) / 1000 + " s:");
            System.out.println(table);
            StringBuilder md = new StringBuilder(table);
            SearchRecord best = ranked.isEmpty() ? null : ranked.get(0);
            if (best != null && best.status() == SearchRecord.Status.COMPLETE) {
                ContinualResult r = best.candidate().trainer().fit(test);
                String line = String.format(Locale.ROOT, "%nBest candidate %d re-run with the same seed and the "
                                + "test stream: class-IL final accuracy %.4f (validation: %.4f, difference %+.4f)%n",
                        best.index(), score.score(r), best.score(), score.score(r) - best.score());
                System.out.print(line);
                md.append(line);
                report.output().write(r, new File(out, "best-on-test"));
            }
            Files.write(new File(out, "ranking.md").toPath(), md.toString().getBytes(StandardCharsets.UTF_8));
            System.out.println("Records and ranking in " + out.getAbsolutePath());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
