package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.model.Mlp;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
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
 * {@code split-mnist}: Split-MNIST (or Split-Fashion-MNIST) class-IL with the DER protocol: MLP 784-100-100-10,
 * plain SGD (lr 0.03, Mammoth's selected value for SGD on seq-mnist), batch 10, 1 epoch per experience, 5
 * experiences of 2 classes in natural order. Strategies come from {@link StrategyRegistry} (DER protocol). Prints
 * both accuracy matrices and the summary metrics per strategy and seed, and writes JSON/CSV results under
 * {@code --out}.
 */
@Command(name = "split-mnist", description = "Split-MNIST / Split-Fashion-MNIST class-IL, DER protocol (MLP "
        + "784-100-100-10, SGD, batch 10), one run per strategy and seed.")
public final class SplitMnistExample extends Options.Command {
    private static final Map<String, Double> DER_CLASS_IL = Map.of("naive", 19.60, "joint", 95.57);
    private static final Map<String, Double> DER_TASK_IL = Map.of("naive", 94.94, "joint", 99.51);

    /** The datasets of {@code --dataset}. */
    enum Dataset {
        MNIST, FASHION_MNIST
    }

    @Mixin
    Options.DataDir data;
    @Option(names = "--dataset", paramLabel = "mnist|fashion-mnist", defaultValue = "mnist",
            description = "The dataset: mnist or fashion-mnist.")
    Dataset dataset;
    @Option(names = "--strategies", split = ",", paramLabel = "NAME", defaultValue = "naive,joint",
            description = "Comma-separated strategies (StrategyRegistry, DER protocol): naive, joint, cumulative, er, "
                    + "der++, ewc, oewc, si, mas, rwalk, lwf.")
    List<String> strategies;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1);
    @Option(names = "--epochs", defaultValue = "1", description = "Epochs per experience.")
    int epochs;
    @Option(names = "--batch", defaultValue = "10", description = "Minibatch size.")
    int batch;
    @Option(names = "--lr", defaultValue = "0.03", description = "SGD learning rate.")
    double lr;
    @Option(names = "--head", paramLabel = "fixed|expanding", defaultValue = "fixed",
            description = "The output layer: fixed (10 classes) or expanding.")
    HeadPolicy head;
    @Mixin
    Options.Out out = new Options.Out(null);
    @Mixin
    Options.Quiet quiet;
    @Mixin
    Options.NoReport report;
    @Mixin
    CheckpointOptions checkpoints;
    @Mixin
    Options.Ui ui;

    @Override
    public void run() {
        checkpoints.check();
        strategies("--strategies", strategies, StrategyRegistry.Protocol.DER);
        atLeast("--epochs", epochs, 1);
        atLeast("--batch", batch, 1);
        DataDirectory dir = data.resolve();
        String name = dataset.name().toLowerCase(Locale.ROOT).replace('_', '-');
        DataSet train;
        DataSet test;
        if (dataset == Dataset.MNIST) {
            train = IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN);
            test = IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        } else {
            train = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN);
            test = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST);
        }
        System.out.println("Data: " + dir);
        Scenario scenario = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                .name("split-" + name).build();
        File outDir = new File(out.out != null ? out.out : "results/split-" + name);
        ReportOutput reports = report.output();
        Map<String, List<ContinualResult>> byStrategy = new LinkedHashMap<>();
        for (String strategy : strategies) {
            for (long seed : seeds.get()) {
                ContinualConfiguration.Builder cb = new ContinualConfiguration.Builder()
                        .epochsPerExperience(epochs).batchSize(batch).seed(seed)
                        .headPolicy(head).progress(quiet.progress());
                StrategyRegistry.plugins(strategy, new StrategyRegistry.Params(StrategyRegistry.Protocol.DER)
                        .batch(batch)).forEach(cb::plugin);
                int nOut = head == HeadPolicy.EXPANDING ? 2 : 10;
                MultiLayerNetwork net = new Mlp.Builder(784, nOut).hidden(100, 100)
                        .updater(new Sgd(lr)).seed(seed).build();
                System.out.println("== " + strategy + ", seed " + seed);
                String run = strategy + "-seed" + seed;
                ContinualResult r = ui.record(net, run, () -> checkpoints.fit(net, cb.build(), scenario, run));
                System.out.println(r.report());
                reports.write(r, new File(outDir, run));
                byStrategy.computeIfAbsent(strategy, k -> new ArrayList<>()).add(r);
            }
        }
        System.out.println(summaryTable(byStrategy));
        reports.compare(outDir);
        System.out.println("Results written to " + outDir.getAbsolutePath());
    }

    /**
     * @param byStrategy results per strategy (one per seed)
     * @return a markdown table: mean ± std over seeds beside the DER paper's numbers
     */
    static String summaryTable(Map<String, List<ContinualResult>> byStrategy) {
        StringBuilder sb = new StringBuilder();
        sb.append("| strategy | seeds | class-IL final acc (%) | DER paper | task-IL final acc (%) | DER paper | "
                + "class-IL forgetting |\n|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<ContinualResult>> e : byStrategy.entrySet()) {
            double[] c = e.getValue().stream().mapToDouble(r -> 100 * r.classIncremental().finalAverageAccuracy())
                    .toArray();
            double[] t = e.getValue().stream().mapToDouble(r -> 100 * r.taskIncremental().finalAverageAccuracy())
                    .toArray();
            double[] f = e.getValue().stream().mapToDouble(r -> 100 * r.classIncremental().averageForgetting())
                    .toArray();
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s |%n", e.getKey(), c.length,
                    meanStd(c), paper(DER_CLASS_IL.get(e.getKey())), meanStd(t), paper(DER_TASK_IL.get(e.getKey())),
                    meanStd(f)));
        }
        return sb.toString();
    }

    private static String paper(Double v) {
        return v == null ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    /**
     * @param v values (one per seed)
     * @return "mean ± sample standard deviation" with two decimals
     */
    public static String meanStd(double[] v) {
        double m = 0;
        for (double x : v) {
            m += x;
        }
        m /= v.length;
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        s = v.length > 1 ? Math.sqrt(s / (v.length - 1)) : 0;
        return String.format(Locale.ROOT, "%.2f ± %.2f", m, s);
    }
}
