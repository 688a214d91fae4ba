package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.Gem;
import io.github.dl4jcontinual.scenario.DomainIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.TestScope;
import io.github.dl4jcontinual.zoo.model.Mlp;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code reproduce-gem}: GEM on MNIST permutations or rotations with the released code's protocol (Lopez-Paz &amp;
 * Ranzato 2017, {@code run_experiments.sh}): 20 tasks of 1 000 training images (all 10 000 test images), each a
 * fixed random pixel permutation, or a rotation drawn uniformly in [9t, 9(t+1)) degrees for task t
 * ({@code mnist_rotations.py --min_rot 0 --max_rot 180}); MLP 784-100-100-10, plain SGD, batch 10, one pass;
 * "single" (fine-tuning, lr 0.03 on permutations, 0.003 on rotations) and GEM (lr 0.1, 256 memories per task,
 * memory strength 0.5). Accuracy after the last task, averaged over the tasks (ACC), and backward transfer (BWT).
 * Deviation: the 1 000 training images are one random draw shared by the tasks (the released code draws them per
 * task).
 */
@Command(name = "reproduce-gem", description = "GEM and fine-tuning ('single') on MNIST permutations or rotations, "
        + "the GEM paper's released protocol (20 tasks x 1000 images, MLP 2x100, SGD, batch 10, 256 memories per task).")
final class GemReproduction extends Options.Command {
    /** The reference ACC for GEM on MNIST permutations (the GEM paper shows it as a bar of its Figure 1; ≈ 83 is the
     *  reference value Avalanche's continual-learning-baselines give), see docs/rehearsal.md. */
    static final Map<String, Double> PUBLISHED = Map.of("gem", 83.0);

    @Mixin
    Options.DataDir data;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(0, 1, 2);
    @Mixin
    Options.Out out = new Options.Out("results/gem-permutations");
    @Mixin
    Options.Quiet quiet;
    @Mixin
    Options.Markdown markdown;
    @Option(names = "--methods", split = ",", defaultValue = "single,gem", description = "single, gem.")
    List<String> methods;
    @Option(names = "--tasks", defaultValue = "20", description = "Permutations or rotations (tasks).")
    int tasks;
    @Option(names = "--benchmark", defaultValue = "permutations", paramLabel = "permutations|rotations",
            description = "permutations or rotations (0-180 degrees, one 9-degree band per task of 20).")
    String benchmark;
    @Option(names = "--per-task", defaultValue = "1000", description = "Training images per task.")
    int perTask;
    @Option(names = "--memories", defaultValue = "256", description = "GEM's memories per task.")
    int memories;

    @Override
    public void run() {
        oneOf("--methods", methods, List.of("single", "gem"));
        oneOf("--benchmark", List.of(benchmark), List.of("permutations", "rotations"));
        boolean rotations = benchmark.equals("rotations");
        atLeast("--tasks", tasks, 2);
        atLeast("--per-task", perTask, 10);
        atLeast("--memories", memories, 1);
        DataSet trainAll = IdxDatasets.mnist(data.resolve(), IdxDatasets.Split.TRAIN);
        DataSet test = IdxDatasets.mnist(data.resolve(), IdxDatasets.Split.TEST);
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        for (long seed : seeds.get()) {
            DataSet train = DataSets.splitStratified(trainAll, perTask / (double) trainAll.numExamples(), seed)[1];
            Scenario s = rotations ? DomainIncrementalScenario.rotated(train, test, angles(tasks, seed), 1, 28, 28)
                    : DomainIncrementalScenario.permuted(train, test, tasks, seed);
            for (String m : methods) {
                boolean gem = m.equals("gem");
                ContinualConfiguration.Builder conf = new ContinualConfiguration.Builder().batchSize(10).seed(seed)
                        .testScope(TestScope.SEEN).progress(quiet.progress());
                if (gem) {
                    conf.plugin(new Gem.Builder().memoriesPerExperience(memories).replayBatch(memories)
                            .memoryStrength(0.5).build());
                }
                long t0 = System.currentTimeMillis();
                ContinualResult r = ContinualTrainer.wrap(new Mlp.Builder(784, 10).hidden(100, 100)
                        .updater(new Sgd(gem ? 0.1 : rotations ? 0.003 : 0.03)).seed(seed).build(), conf.build())
                        .fit(s);
                double acc = 100 * r.classIncremental().finalAverageAccuracy();
                double bwt = 100 * r.classIncremental().backwardTransfer();
                System.out.printf(Locale.ROOT, "%s seed %d: ACC %.2f, BWT %.2f (%d s)%n", m, seed, acc, bwt,
                        (System.currentTimeMillis() - t0) / 1000);
                rows.computeIfAbsent(m, k -> new ArrayList<>()).add(new double[]{acc, bwt});
                try {
                    r.writeTo(new File(out.dir(), benchmark + "-" + m + "-seed" + seed));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                BenchmarksMain.releaseMemory();
            }
        }
        String table = table(rows, rotations ? Map.of() : PUBLISHED);
        System.out.println(table);
        markdown.write(table);
    }

    /**
     * @param tasks the number of tasks
     * @param seed  the seed of the draws
     * @return task t's rotation, uniform in [t, t + 1) · 180 / tasks degrees, as the released
     *         {@code mnist_rotations.py}
     */
    static double[] angles(int tasks, long seed) {
        java.util.Random r = new java.util.Random(seed);
        double[] a = new double[tasks];
        for (int t = 0; t < tasks; t++) {
            a[t] = (t + r.nextDouble()) * 180.0 / tasks;
        }
        return a;
    }

    /** @return one markdown row per method: ACC and BWT as mean ± sd over the seeds, the published ACC */
    static String table(Map<String, List<double[]>> rows, Map<String, Double> published) {
        StringBuilder sb = new StringBuilder("| method | seeds | ACC (%) | GEM paper | BWT (points) |\n|---|---|---|---|---|\n");
        for (Map.Entry<String, List<double[]>> e : rows.entrySet()) {
            double[] acc = e.getValue().stream().mapToDouble(v -> v[0]).toArray();
            double[] bwt = e.getValue().stream().mapToDouble(v -> v[1]).toArray();
            Double p = published.get(e.getKey());
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s |%n", e.getKey(), acc.length,
                    SplitMnistExample.meanStd(acc), p == null ? "–" : String.format(Locale.ROOT, "≈ %.0f", p),
                    SplitMnistExample.meanStd(bwt)));
        }
        return sb.toString();
    }
}
