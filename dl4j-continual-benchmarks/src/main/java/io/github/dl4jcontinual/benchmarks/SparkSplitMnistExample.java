package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.strategy.DerTargets;
import io.github.dl4jcontinual.replay.strategy.RehearsalConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.spark.SparkContinualTrainer;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.zoo.model.Mlp;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.learning.config.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Split-MNIST class-IL on one machine and on Spark with the same configuration, for the strategies and seeds
 * given: the DER protocol of {@code rehearsal} / {@code reproduce-regularization} (MLP 784-100-100-10, plain SGD,
 * batch 10, one epoch per experience, FIXED head; ER: buffer 500 with {@link DerTargets}' learning rate and replay
 * batch; EWC: λ 90, lr 0.03). The Spark run uses a parameter-averaging training master ({@code --workers},
 * {@code --averaging}); the master is {@code local[workers]} on the loopback interface unless {@code spark-submit}
 * set {@code spark.master}. Prints both accuracy matrices of every run and a comparison table (final class-IL and
 * task-IL accuracy, local versus Spark), and writes each run's JSON/CSV and the table under {@code --out}.
 */
@Command(name = "spark-split-mnist", description = "Split-MNIST class-IL (DER protocol) on one machine and on Spark "
        + "(parameter averaging) with the same configuration, and a comparison table.")
public final class SparkSplitMnistExample extends Options.Command {
    @Mixin
    Options.DataDir data;
    @Option(names = "--strategies", split = ",", paramLabel = "NAME", defaultValue = "er,ewc",
            description = "Comma-separated strategies (StrategyRegistry, DER protocol; er: buffer 500 at DER's "
                    + "learning rate, the others lr 0.03).")
    List<String> strategies;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1, 2, 3);
    @Option(names = "--workers", defaultValue = "2", description = "Spark workers (local[workers] unless "
            + "spark-submit set spark.master).")
    int workers;
    @Option(names = "--averaging", defaultValue = "5", description = "Parameter averaging every this many "
            + "minibatches.")
    int averaging;
    @Mixin
    Options.Out outOption = new Options.Out("results/spark-split-mnist");
    @Mixin
    Options.Quiet quiet;

    @Override
    public void run() {
        strategies("--strategies", strategies, StrategyRegistry.Protocol.DER);
        atLeast("--workers", workers, 1);
        atLeast("--averaging", averaging, 1);
        DataDirectory dir = data.resolve();
        Scenario scenario = new ClassIncrementalScenario.Builder()
                .train(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN))
                .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).name("split-mnist").build();
        File out = outOption.dir();
        SparkConf sparkConf = new SparkConf().setAppName("dl4j-continual spark-split-mnist");
        if (!sparkConf.contains("spark.master")) {
            sparkConf.setMaster("local[" + workers + "]").set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.enabled", "false");
        }
        sparkConf.set("spark.ui.showConsoleProgress", "false");
        List<String[]> rows = new ArrayList<>();
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf)) {
            for (String strategy : strategies) {
                for (long seed : seeds.get()) {
                    ContinualResult[] r = new ContinualResult[2];
                    long[] millis = new long[2];
                    for (int mode = 0; mode < 2; mode++) {
                        String where = mode == 0 ? "local" : "spark";
                        double lr = strategy.equals("er") ? DerTargets.get("er/500").lr() : 0.03;
                        List<PluginConfiguration> plugins = StrategyRegistry.plugins(strategy,
                                new StrategyRegistry.Params(StrategyRegistry.Protocol.DER).batch(10).buffer(500));
                        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10)
                                .epochsPerExperience(1).seed(seed).progress(quiet.progress())
                                .plugins(plugins.toArray(new PluginConfiguration[0])).build();
                        int replay = 0;
                        for (PluginConfiguration p : plugins) {
                            if (p instanceof RehearsalConfiguration) {
                                replay += ((RehearsalConfiguration) p).getReplayBatch();
                            }
                        }
                        MultiLayerNetwork net = new Mlp.Builder(784, 10).hidden(100, 100).updater(new Sgd(lr))
                                .seed(seed).build();
                        int perWorker = conf.getBatchSize() + replay;
                        ContinualTrainer<MultiLayerNetwork> trainer = mode == 0 ? ContinualTrainer.wrap(net, conf)
                                : SparkContinualTrainer.wrap(sc, net, conf,
                                SparkContinualTrainer.parameterAveraging(perWorker, averaging, workers));
                        System.out.println("== " + strategy + ", seed " + seed + ", " + where
                                + (mode == 1 ? " (" + sc.master() + ", parameter averaging every " + averaging
                                + " minibatches of " + perWorker + ")" : ""));
                        long t0 = System.currentTimeMillis();
                        r[mode] = trainer.fit(scenario);
                        millis[mode] = System.currentTimeMillis() - t0;
                        System.out.println(r[mode].report());
                        try {
                            r[mode].writeTo(new File(out, strategy + "-seed" + seed + "-" + where));
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        BenchmarksMain.releaseMemory();
                    }
                    rows.add(new String[]{strategy, Long.toString(seed),
                            pct(r[0].classIncremental().finalAverageAccuracy()),
                            pct(r[1].classIncremental().finalAverageAccuracy()),
                            String.format(Locale.ROOT, "%+.2f", 100 * (r[1].classIncremental().finalAverageAccuracy()
                                    - r[0].classIncremental().finalAverageAccuracy())),
                            pct(r[0].taskIncremental().finalAverageAccuracy()),
                            pct(r[1].taskIncremental().finalAverageAccuracy()),
                            Long.toString(millis[0] / 1000), Long.toString(millis[1] / 1000)});
                    System.out.println(table(rows));
                }
            }
        }
        String t = table(rows);
        System.out.println(t);
        try {
            Files.createDirectories(out.toPath());
            Files.write(new File(out, "comparison.md").toPath(), t.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("Results written to " + out.getAbsolutePath());
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.2f", 100 * v);
    }

    /**
     * @param rows strategy, seed, local class-IL, spark class-IL, difference, local task-IL, spark task-IL, seconds
     * @return a markdown table with one line per run pair and a mean line per strategy
     */
    static String table(List<String[]> rows) {
        StringBuilder sb = new StringBuilder("| strategy | seed | class-IL local | class-IL spark | Δ (points) | "
                + "task-IL local | task-IL spark | time local (s) | time spark (s) |\n|---|---|---|---|---|---|---|---|---|\n");
        for (String[] r : rows) {
            sb.append("| ").append(String.join(" | ", r)).append(" |\n");
        }
        rows.stream().map(r -> r[0]).distinct().forEach(s -> {
            double[] loc = rows.stream().filter(r -> r[0].equals(s)).mapToDouble(r -> Double.parseDouble(r[2]))
                    .toArray();
            double[] spk = rows.stream().filter(r -> r[0].equals(s)).mapToDouble(r -> Double.parseDouble(r[3]))
                    .toArray();
            double d = java.util.Arrays.stream(spk).average().orElse(Double.NaN)
                    - java.util.Arrays.stream(loc).average().orElse(Double.NaN);
            sb.append(String.format(Locale.ROOT, "| %s | mean of %d | %s | %s | %+.2f (%s) | | | | |%n", s, loc.length,
                    SplitMnistExample.meanStd(loc), SplitMnistExample.meanStd(spk), d,
                    Math.abs(d) <= 3 ? "within 3" : "NOT within 3"));
        });
        return sb.toString();
    }
}
