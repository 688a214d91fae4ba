package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.impl.CumulativeTraining;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.model.Mlp;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Split-MNIST (or Split-Fashion-MNIST) class-IL with the DER protocol: MLP 784-100-100-10, plain SGD
 * (lr 0.03, Mammoth's selected value for SGD on seq-mnist), batch 10, 1 epoch per experience, 5 experiences of
 * 2 classes in natural order. Prints both accuracy matrices and the summary metrics per strategy and seed, and
 * writes JSON/CSV results under {@code --out}.
 */
public final class SplitMnistExample {
    private static final Map<String, Double> DER_CLASS_IL = Map.of("naive", 19.60, "joint", 95.57);
    private static final Map<String, Double> DER_TASK_IL = Map.of("naive", 94.94, "joint", 99.51);

    private SplitMnistExample() {
    }

    /**
     * @param argv options: --data-dir, --dataset mnist|fashion-mnist, --strategies naive,joint,cumulative,
     *             --seeds 1,2,..., --epochs, --batch, --lr, --head fixed|expanding, --out, --quiet,
     *             --checkpoint-dir, --resume, --stop-after (see {@link CheckpointOptions})
     */
    public static void run(String[] argv) {
        Args a = new Args(argv, CheckpointOptions.with("data-dir", "dataset", "strategies", "seeds", "epochs", "batch",
                "lr", "head", "out", "quiet"));
        if (a.has("help")) {
            System.out.println("split-mnist [--data-dir DIR] [--dataset mnist|fashion-mnist] "
                    + "[--strategies naive,joint,cumulative] [--seeds 1] [--epochs 1] [--batch 10] [--lr 0.03] "
                    + "[--head fixed|expanding] [--out results/split-mnist] [--quiet] " + CheckpointOptions.USAGE);
            return;
        }
        CheckpointOptions checkpoints = new CheckpointOptions(a);
        DataDirectory dir = DataDirectory.resolve(a.get("data-dir", null));
        String dataset = a.get("dataset", "mnist");
        DataSet train;
        DataSet test;
        if (dataset.equals("mnist")) {
            train = IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN);
            test = IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        } else if (dataset.equals("fashion-mnist")) {
            train = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN);
            test = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST);
        } else {
            throw new IllegalArgumentException("--dataset should be mnist or fashion-mnist (got: " + dataset + ")");
        }
        System.out.println("Data: " + dir);
        Scenario scenario = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                .name("split-" + dataset).build();
        HeadPolicy head = HeadPolicy.valueOf(a.get("head", "fixed").toUpperCase(Locale.ROOT));
        File out = new File(a.get("out", "results/split-" + dataset));
        ReportOutput reports = new ReportOutput(a);
        Map<String, List<ContinualResult>> byStrategy = new LinkedHashMap<>();
        for (String strategy : a.getList("strategies", "naive,joint")) {
            for (long seed : a.getLongs("seeds", "1")) {
                ContinualConfiguration.Builder cb = new ContinualConfiguration.Builder()
                        .epochsPerExperience(a.getInt("epochs", 1)).batchSize(a.getInt("batch", 10)).seed(seed)
                        .headPolicy(head).progress(!a.has("quiet"));
                switch (strategy) {
                    case "naive":
                        break;
                    case "joint":
                        cb.plugin(new JointTraining());
                        break;
                    case "cumulative":
                        cb.plugin(new CumulativeTraining());
                        break;
                    default:
                        throw new IllegalArgumentException("Unknown strategy '" + strategy
                                + "'; this command knows naive, joint, cumulative");
                }
                int nOut = head == HeadPolicy.EXPANDING ? 2 : 10;
                MultiLayerNetwork net = new Mlp.Builder(784, nOut).hidden(100, 100)
                        .updater(new Sgd(a.getDouble("lr", 0.03))).seed(seed).build();
                System.out.println("== " + strategy + ", seed " + seed);
                ContinualResult r = checkpoints.fit(net, cb.build(), scenario, strategy + "-seed" + seed);
                System.out.println(r.report());
                reports.write(r, new File(out, strategy + "-seed" + seed));
                byStrategy.computeIfAbsent(strategy, k -> new ArrayList<>()).add(r);
            }
        }
        System.out.println(summaryTable(byStrategy));
        reports.compare(out);
        System.out.println("Results written to " + out.getAbsolutePath());
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
