package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
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
public final class SparkSplitMnistExample {

    private SparkSplitMnistExample() {
    }

    /**
     * @param argv options: --data-dir, --strategies er,ewc, --seeds 1,2,3, --workers 2, --averaging 5,
     *             --out, --quiet
     */
    public static void run(String[] argv) {
        Args a = new Args(argv, "data-dir", "strategies", "seeds", "workers", "averaging", "out", "quiet");
        if (a.has("help")) {
            System.out.println("spark-split-mnist [--data-dir DIR] [--strategies er,ewc] [--seeds 1,2,3] "
                    + "[--workers 2] [--averaging 5] [--out results/spark-split-mnist] [--quiet]");
            return;
        }
        DataDirectory dir = DataDirectory.resolve(a.get("data-dir", null));
        Scenario scenario = new ClassIncrementalScenario.Builder()
                .train(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN))
                .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).name("split-mnist").build();
        int workers = a.getInt("workers", 2);
        int averaging = a.getInt("averaging", 5);
        File out = new File(a.get("out", "results/spark-split-mnist"));
        SparkConf sparkConf = new SparkConf().setAppName("dl4j-continual spark-split-mnist");
        if (!sparkConf.contains("spark.master")) {
            sparkConf.setMaster("local[" + workers + "]").set("spark.driver.host", "127.0.0.1")
                    .set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.enabled", "false");
        }
        sparkConf.set("spark.ui.showConsoleProgress", "false");
        List<String[]> rows = new ArrayList<>();
        try (JavaSparkContext sc = new JavaSparkContext(sparkConf)) {
            for (String strategy : a.getList("strategies", "er,ewc")) {
                for (long seed : a.getLongs("seeds", "1,2,3")) {
                    ContinualResult[] r = new ContinualResult[2];
                    long[] millis = new long[2];
                    for (int mode = 0; mode < 2; mode++) {
                        String where = mode == 0 ? "local" : "spark";
                        double lr = strategy.equals("er") ? DerTargets.get("er/500").lr() : 0.03;
                        PluginConfiguration plugin = plugin(strategy);
                        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10)
                                .epochsPerExperience(1).seed(seed).progress(!a.has("quiet")).plugin(plugin).build();
                        MultiLayerNetwork net = new Mlp.Builder(784, 10).hidden(100, 100).updater(new Sgd(lr))
                                .seed(seed).build();
                        int perWorker = conf.getBatchSize() + (plugin instanceof RehearsalConfiguration
                                ? ((RehearsalConfiguration) plugin).getReplayBatch() : 0);
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

    private static PluginConfiguration plugin(String strategy) {
        switch (strategy) {
            case "er":
                return DerTargets.get("er/500").plugin();
            case "ewc":
                return new RegularizationConfiguration.Builder(RegularizationMethod.EWC).lambda(90).build();
            default:
                throw new IllegalArgumentException("Unknown strategy '" + strategy + "'; this command knows er, ewc");
        }
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
