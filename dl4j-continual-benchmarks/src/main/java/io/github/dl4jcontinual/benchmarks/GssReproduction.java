package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.replay.strategy.Gss;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
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
 * {@code reproduce-gss}: GSS-Greedy on disjoint MNIST with the released code's protocol (Aljundi et al. 2019,
 * {@code Disjoint_Mnist.sh}): 5 tasks of 2 classes, 1 000 training images per task (all 10 000 test images), MLP
 * 784-100-100-10, plain SGD at lr 0.05, batch 10, one pass with 3 update steps per incoming minibatch, a buffer of
 * 300, 10 replayed rows per step, 10 stored candidates per minibatch, one head over the 10 classes. Methods:
 * "single" (fine-tuning), "reservoir" (ER on a reservoir buffer, the same steps) and "gss". Accuracy after the last
 * task averaged over the tasks. The deviations from the released code are listed in docs/rehearsal.md.
 */
@Command(name = "reproduce-gss", description = "GSS-Greedy, reservoir replay and fine-tuning ('single') on "
        + "disjoint MNIST, the GSS paper's released protocol (5 tasks x 1000 images, MLP 2x100, SGD lr 0.05, batch 10, "
        + "3 steps per minibatch, buffer 300).")
final class GssReproduction extends Options.Command {
    /** The reference accuracy of GSS-Greedy on disjoint MNIST (about 82 %, see docs/rehearsal.md). */
    static final Map<String, Double> PUBLISHED = Map.of("gss", 82.0);

    @Mixin
    Options.DataDir data;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1, 2, 3, 4, 5);
    @Mixin
    Options.Out out = new Options.Out("results/gss-disjoint-mnist");
    @Mixin
    Options.Quiet quiet;
    @Mixin
    Options.Markdown markdown;
    @Option(names = "--methods", split = ",", defaultValue = "single,reservoir,gss",
            description = "single, reservoir, gss.")
    List<String> methods;
    @Option(names = "--per-task", defaultValue = "1000", description = "Training images per task.")
    int perTask;
    @Option(names = "--buffer", defaultValue = "300", description = "Buffer size.")
    int buffer;
    @Option(names = "--steps", defaultValue = "3", description = "Update steps per incoming minibatch (n_iter).")
    int steps;
    @Option(names = "--candidates", defaultValue = "10", description = "GSS: stored candidates per minibatch (n).")
    int candidates;

    @Override
    public void run() {
        oneOf("--methods", methods, List.of("single", "reservoir", "gss"));
        atLeast("--per-task", perTask, 10);
        atLeast("--buffer", buffer, 1);
        atLeast("--steps", steps, 1);
        atLeast("--candidates", candidates, 1);
        DataSet trainAll = IdxDatasets.mnist(data.resolve(), IdxDatasets.Split.TRAIN);
        DataSet test = IdxDatasets.mnist(data.resolve(), IdxDatasets.Split.TEST);
        Map<String, List<Double>> rows = new LinkedHashMap<>();
        for (long seed : seeds.get()) {
            // 5 tasks of 2 classes: perTask images per task, stratified (perTask / 2 per class)
            DataSet train = DataSets.splitStratified(trainAll, 5.0 * perTask / trainAll.numExamples(), seed)[1];
            Scenario s = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                    .name("disjoint-mnist").build();
            for (String m : methods) {
                ContinualConfiguration.Builder conf = new ContinualConfiguration.Builder().batchSize(10).seed(seed)
                        .progress(quiet.progress());
                PluginConfiguration p = plugin(m);
                if (p != null) {
                    conf.plugin(p);
                }
                long t0 = System.currentTimeMillis();
                ContinualResult r = ContinualTrainer.wrap(new Mlp.Builder(784, 10).hidden(100, 100)
                        .updater(new Sgd(0.05)).seed(seed).build(), conf.build()).fit(s);
                double acc = 100 * r.classIncremental().finalAverageAccuracy();
                System.out.printf(Locale.ROOT, "%s seed %d: ACC %.2f (%d s)%n", m, seed, acc,
                        (System.currentTimeMillis() - t0) / 1000);
                rows.computeIfAbsent(m, k -> new ArrayList<>()).add(acc);
                try {
                    r.writeTo(new File(out.dir(), m + "-seed" + seed));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                BenchmarksMain.releaseMemory();
            }
        }
        String table = table(rows);
        System.out.println(table);
        markdown.write(table);
    }

    /** @return the method's plugin on this command's settings, or null for "single" */
    PluginConfiguration plugin(String method) {
        switch (method) {
            case "single":
                return null;
            case "reservoir":
                return new ExperienceReplay.Builder().bufferSize(buffer).replayBatch(10).stepsPerBatch(steps).build();
            default:
                return new Gss.Builder().bufferSize(buffer).replayBatch(10).stepsPerBatch(steps)
                        .candidates(candidates).build();
        }
    }

    /** @return one markdown row per method: ACC as mean ± sd over the seeds and the reference */
    static String table(Map<String, List<Double>> rows) {
        StringBuilder sb = new StringBuilder("| method | seeds | ACC (%) | reference |\n|---|---|---|---|\n");
        for (Map.Entry<String, List<Double>> e : rows.entrySet()) {
            double[] acc = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
            Double p = PUBLISHED.get(e.getKey());
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", e.getKey(), acc.length,
                    SplitMnistExample.meanStd(acc), p == null ? "–" : String.format(Locale.ROOT, "≈ %.0f", p)));
        }
        return sb.toString();
    }
}
