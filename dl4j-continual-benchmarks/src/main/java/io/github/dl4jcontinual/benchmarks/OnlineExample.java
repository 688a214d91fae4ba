package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.ExampleSource;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.OnlineStreams;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code online}: online (one pass, boundary-free) Split-MNIST, or its i-Blurry form, with the MIR paper's protocol
 * (Aljundi et al. 2019, the released {@code Scripts/ER_experiments.sh}): 5 tasks of 2 classes, 1 000 training
 * images per task, MLP 784-400-400-10, plain SGD lr 0.1, batch 10, replay 10, MIR's 50 candidates, memories of
 * 20 / 50 / 100 per class (a reservoir of 10× that). Prints, per strategy and memory, the class-IL accuracy after
 * the stream (mean over the tasks), the forgetting and the anytime A_AUC as mean ± sd over the seeds.
 */
@Command(name = "online", description = "Online continual learning: boundary-free strategies on online Split-MNIST "
        + "(--stream online, the MIR paper's protocol) or i-Blurry Split-MNIST (--stream blurry), with anytime "
        + "evaluation.")
final class OnlineExample extends Options.Command {
    /**
     * The MIR paper's MNIST Split accuracies (%) as recalled from its Table 1, taken to be at 100 memories per class:
     * neither the figures nor the memory setting could be re-checked against stored material (docs/online.md).
     */
    static final Map<String, Double> PUBLISHED = Map.of("rand-replay/100", 82.1, "mir/100", 87.6);

    @Mixin
    Options.DataDir data;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1, 2, 3, 4, 5);
    @Mixin
    Options.Out out = new Options.Out("results/online");
    @Mixin
    Options.Quiet quiet;
    @Mixin
    Options.Markdown markdown;
    @Mixin
    Options.NoReport report;
    @Option(names = "--stream", defaultValue = "online", description = "online (class-incremental, disjoint tasks) "
            + "or blurry (i-Blurry-N-M, see --disjoint and --blurry).")
    String stream;
    @Option(names = "--strategies", split = ",", defaultValue = "rand-replay,mir", description = "Among: naive, er, "
            + "rand-replay, mir, der++, gdumb, oewc-stream.")
    List<String> strategies;
    @Option(names = "--mem-per-class", split = ",", defaultValue = "20,50,100", description = "Memories per class; "
            + "the buffer holds this times the number of classes.")
    List<Integer> memPerClass;
    @Option(names = "--per-task", defaultValue = "1000", description = "Training images per experience (a seeded "
            + "random draw).")
    int perTask;
    @Option(names = "--lr", defaultValue = "0.1", description = "SGD learning rate (also MIR's virtual step).")
    double lr;
    @Option(names = "--batch", defaultValue = "10", description = "Training minibatch (and replay) size.")
    int batch;
    @Option(names = "--subsample", defaultValue = "50", description = "MIR's candidates per minibatch.")
    int subsample;
    @Option(names = "--hidden", defaultValue = "400", description = "Width of the MLP's two hidden layers.")
    int hidden;
    @Option(names = "--anytime-every", defaultValue = "100", description = "Anytime evaluation every N training "
            + "images (0: none).")
    int anytimeEvery;
    @Option(names = "--exclude-current-task", description = "The released MIR code's rule for mir and rand-replay: "
            + "candidates only from earlier tasks (so no replay in the first task). Uses task ids: the run is not "
            + "boundary-free.")
    boolean excludeCurrentTask;
    @Option(names = "--disjoint", defaultValue = "50", description = "Blurry stream: N, the percentage of disjoint "
            + "classes.")
    int disjoint;
    @Option(names = "--blurry", defaultValue = "10", description = "Blurry stream: M, the percentage of a blurry "
            + "class's images spread over the other experiences.")
    int blurry;

    @Override
    public void run() {
        oneOf("--stream", List.of(stream), List.of("online", "blurry"));
        strategies("--strategies", strategies, StrategyRegistry.Protocol.ONLINE);
        atLeast("--per-task", perTask, 1);
        atLeast("--batch", batch, 1);
        atLeast("--subsample", subsample, 1);
        atLeast("--hidden", hidden, 1);
        atLeast("--anytime-every", anytimeEvery, 0);
        memPerClass.forEach(m -> atLeast("--mem-per-class", m, 1));
        if (!(lr > 0)) {
            throw invalid("--lr", lr, "a learning rate > 0");
        }
        if (disjoint < 0 || disjoint > 100 || blurry < 0 || blurry >= 100) {
            throw invalid("--disjoint/--blurry", disjoint + "/" + blurry, "N in [0, 100] and M in [0, 100)");
        }
        io.github.dl4jcontinual.data.DataDirectory dir = data.resolve();
        DataSet train = IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN);
        DataSet test = IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        ReportOutput reports = report.output();
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        for (long seed : seeds.get()) {
            Scenario s = scenario(train, test, seed);
            for (int mem : memPerClass) {
                for (String name : strategies) {
                    long t0 = System.currentTimeMillis();
                    ContinualResult r = run(s, name, mem, seed);
                    double secs = (System.currentTimeMillis() - t0) / 1000.0;
                    double acc = 100 * r.classIncremental().finalAverageAccuracy();
                    double forgetting = 100 * r.classIncremental().averageForgetting();
                    double auc = r.anytime() == null ? Double.NaN : 100 * r.anytime().areaUnderCurve();
                    System.out.printf(Locale.ROOT, "%s %s mem %d/class seed %d: accuracy %.2f, forgetting %.2f, "
                            + "A_AUC %.2f (%.0f s)%n", stream, name, mem, seed, acc, forgetting, auc, secs);
                    rows.computeIfAbsent(name + "/" + mem, k -> new ArrayList<>())
                            .add(new double[]{acc, forgetting, auc, secs});
                    reports.write(r, new File(out.dir(), stream + "-" + name + "-mem" + mem + "-seed" + seed));
                    BenchmarksMain.releaseMemory();
                }
            }
        }
        reports.compare(out.dir());
        String table = table(rows, seeds.get().length);
        System.out.println(table);
        markdown.write(table);
    }

    /** @return the stream of this seed: online Split-MNIST or i-Blurry, each experience cut to --per-task images */
    Scenario scenario(DataSet train, DataSet test, long seed) {
        Scenario s = stream.equals("blurry")
                ? OnlineStreams.blurry(ExampleSource.of(train), ExampleSource.of(test), 5, disjoint / 100.0,
                blurry / 100.0, seed)
                : new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                .name("split-mnist").build();
        return OnlineStreams.limitTraining(s, perTask, seed);
    }

    /** @return one boundary-free run of a strategy */
    ContinualResult run(Scenario s, String name, int mem, long seed) {
        StrategyRegistry.Params p = new StrategyRegistry.Params(StrategyRegistry.Protocol.ONLINE).batch(batch)
                .buffer(mem * s.numClasses()).mir(lr, subsample).excludeCurrent(excludeCurrentTask);
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(batch).seed(seed)
                .boundaryFree(!excludeCurrentTask).anytimeEvaluationEvery(anytimeEvery).progress(quiet.progress())
                .plugins(StrategyRegistry.plugins(name, p).toArray(new io.github.dl4jcontinual.plugin
                        .PluginConfiguration[0])).build();
        return ContinualTrainer.wrap(new Mlp.Builder(784, 10).hidden(hidden, hidden).updater(new Sgd(lr)).seed(seed)
                .build(), conf).fit(s);
    }

    /** @return one markdown row per strategy and memory: accuracy, forgetting, A_AUC as mean ± sd, seconds per run */
    static String table(Map<String, List<double[]>> rows, int seeds) {
        StringBuilder sb = new StringBuilder("| strategy | memories per class | seeds | accuracy (%) | MIR paper | "
                + "forgetting (points) | A_AUC (%) | s per run |\n|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<double[]>> e : rows.entrySet()) {
            String[] k = e.getKey().split("/");
            Double pub = PUBLISHED.get(e.getKey());
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s | %.0f |%n", k[0], k[1],
                    e.getValue().size(), column(e.getValue(), 0), pub == null ? "–" : String.format(Locale.ROOT,
                            "%.1f (recalled)", pub), column(e.getValue(), 1), column(e.getValue(), 2),
                    e.getValue().stream().mapToDouble(v -> v[3]).average().orElse(Double.NaN)));
        }
        return sb.toString();
    }

    private static String column(List<double[]> v, int i) {
        return SplitMnistExample.meanStd(v.stream().mapToDouble(x -> x[i]).toArray());
    }
}
