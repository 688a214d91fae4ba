package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.multihead.TaskHeads;
import io.github.dl4jcontinual.plugin.impl.IterationBudget;
import io.github.dl4jcontinual.regularization.Importance;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.model.Mlp;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
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
 * Reproduces the memory-free baselines (naive, EWC, online EWC, SI, MAS, RWalk, LwF) on real Split MNIST in two
 * protocols, with the published hyper-parameters:
 * <ul>
 * <li>{@code --protocol der}: Buzzega et al. 2020 (Mammoth): MLP 784-100-100-10, plain SGD, batch 10, one
 * epoch per experience, one shared head; class-IL and task-IL (masked single head) from the same run.
 * oEWC lr 0.03 λ 90 γ 1; SI lr 0.1 c 1 ξ 0.9; LwF lr 0.03 α 1 T 2 weight decay 5e-4; naive lr 0.03.</li>
 * <li>{@code --protocol vdv --scenario task|class}: van de Ven &amp; Tolias 2019: MLP 784-400-400, Adam 1e-3,
 * 2000 iterations of batch 128 per experience; task-IL with one head per task
 * ({@link TaskHeads}), class-IL with a head growing over the seen classes. λ from the {@code preprints}
 * branch defaults, halved because this library's penalty has no ½ (EWC 1e7/1e8, online EWC 1e8/1e9 with
 * γ 0.8, SI c 50/0.5 with ξ 0.1 for task/class); LwF α 1, T 2 with T² scaling, distillation weighted by
 * the number of previous tasks (van de Ven's {@code (1/t)·loss + (1 − 1/t)·KD}).</li>
 * </ul>
 * MAS (λ 1) and RWalk (λ 0.1, α 0.9) use untuned defaults in both protocols (no published values for these
 * protocols). {@code --cost} instead measures the cost of the importance computations against one experience's
 * training for the 784-400-400-10 MLP.
 */
@Command(name = "reproduce-regularization", description = "The memory-free baselines on Split MNIST in the DER "
        + "(Mammoth) or van de Ven & Tolias protocol, with the published hyper-parameters; --cost times the "
        + "importance computations instead.")
public final class RegularizationReproduction extends Options.Command {
    private static final Map<String, double[]> DER = Map.of("naive", new double[]{19.60, 94.94},
            "oewc", new double[]{20.46, 98.39}, "si", new double[]{19.27, 96.00}, "lwf", new double[]{19.62, 94.11});
    private static final Map<String, double[]> VDV = Map.of("naive", new double[]{19.90, 87.2},
            "ewc", new double[]{20.01, 98.6}, "oewc", new double[]{19.96, 99.1}, "si", new double[]{19.99, 99.1},
            "lwf", new double[]{23.85, 99.6});

    /** The protocols of {@code --protocol}. */
    enum Protocol {
        DER, VDV
    }

    /** The scenarios of {@code --scenario} (van de Ven protocol). */
    enum ScenarioKind {
        TASK, CLASS
    }

    @Option(names = "--protocol", paramLabel = "der|vdv", defaultValue = "der",
            description = "der: Buzzega et al. 2020 (MLP 784-100-100-10, SGD, batch 10); vdv: van de Ven & Tolias "
                    + "2019 (MLP 784-400-400, Adam, --iterations of batch 128).")
    Protocol protocol;
    @Option(names = "--scenario", paramLabel = "task|class", defaultValue = "task",
            description = "With --protocol vdv: task-IL (one head per task) or class-IL (expanding head).")
    ScenarioKind scenarioKind;
    @Option(names = "--methods", split = ",", paramLabel = "NAME", description = "Comma-separated methods "
            + "(StrategyRegistry): naive, ewc, oewc, si, mas, rwalk, lwf (default: der naive,oewc,si,lwf,mas,rwalk; "
            + "vdv naive,ewc,oewc,si,mas,rwalk,lwf).")
    List<String> methods;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1, 2, 3, 4, 5);
    @Option(names = "--iterations", defaultValue = "2000", description = "Minibatches per experience (vdv, --cost).")
    int iterations;
    @Mixin
    Options.Out out = new Options.Out("results/regularization");
    @Mixin
    Options.Quiet quiet;
    @Option(names = "--cost", description = "Time the importance computations against one experience's training "
            + "(the first seed) instead of reproducing.")
    boolean cost;
    @Mixin
    Options.DataDir data;
    @Mixin
    Options.NoReport report;
    @Mixin
    CheckpointOptions checkpoints;
    @Mixin
    Options.Ui ui;

    @Override
    public void run() {
        checkpoints.check();
        atLeast("--iterations", iterations, 1);
        boolean vdv = protocol == Protocol.VDV;
        List<String> ms = methods != null ? methods : vdv ? List.of("naive", "ewc", "oewc", "si", "mas", "rwalk", "lwf")
                : List.of("naive", "oewc", "si", "lwf", "mas", "rwalk");
        strategies("--methods", ms, vdv ? StrategyRegistry.Protocol.VDV : StrategyRegistry.Protocol.DER);
        DataDirectory dir = data.resolve();
        DataSet train = IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN);
        DataSet test = IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        Scenario scenario = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                .name("split-mnist").build();
        if (cost) {
            cost(scenario, iterations, seeds.get()[0]);
            return;
        }
        String sc = scenarioKind.name().toLowerCase(Locale.ROOT);
        boolean task = scenarioKind == ScenarioKind.TASK;
        File outDir = new File(out.dir(), vdv ? "vdv-" + sc : "der");
        ReportOutput reports = report.output();
        Map<String, List<ContinualResult>> byMethod = new LinkedHashMap<>();
        for (String method : ms) {
            for (long seed : seeds.get()) {
                String run = (vdv ? "vdv-" + sc : "der") + "/" + method + "-seed" + seed;
                ContinualResult r = vdv ? vdv(scenario, method, seed, task, iterations, quiet.progress(), checkpoints,
                        ui, run) : der(scenario, method, seed, quiet.progress(), checkpoints, ui, run);
                System.out.println("== " + protocol.name().toLowerCase(Locale.ROOT) + " " + method + ", seed " + seed);
                System.out.println(r.report());
                reports.write(r, new File(outDir, method + "-seed" + seed));
                byMethod.computeIfAbsent(method, k -> new ArrayList<>()).add(r);
                BenchmarksMain.releaseMemory();
            }
        }
        System.out.println(table(byMethod, vdv ? VDV : DER, vdv ? "van de Ven" : "DER"));
        reports.compare(outDir);
        System.out.println("Results written to " + outDir.getAbsolutePath());
    }

    /** One run of the DER protocol. */
    static ContinualResult der(Scenario scenario, String method, long seed, boolean progress) {
        return der(scenario, method, seed, progress, CheckpointOptions.NONE, new Options.Ui(), null);
    }

    /**
     * One run of the DER protocol, checkpointed as {@code checkpoints} say and recorded as {@code ui} says under the
     * name {@code run}.
     */
    static ContinualResult der(Scenario scenario, String method, long seed, boolean progress,
                               CheckpointOptions checkpoints, Options.Ui ui, String run) {
        double lr = method.equals("si") ? 0.1 : 0.03;
        Mlp.Builder mb = new Mlp.Builder(784, 10).hidden(100, 100).updater(new Sgd(lr)).seed(seed);
        if (method.equals("lwf")) {
            // Mammoth: loss + wd·Σθ², i.e. DL4J l2 = 2·wd
            mb.l2(2 * 5e-4);
        }
        ContinualConfiguration.Builder cb = new ContinualConfiguration.Builder().batchSize(10).epochsPerExperience(1)
                .seed(seed).progress(progress);
        StrategyRegistry.plugins(method, new StrategyRegistry.Params(StrategyRegistry.Protocol.DER).batch(10))
                .forEach(cb::plugin);
        MultiLayerNetwork net = mb.build();
        return ui.record(net, run, () -> checkpoints.fit(net, cb.build(), scenario, run));
    }

    /** One run of the van de Ven protocol. */
    static ContinualResult vdv(Scenario scenario, String method, long seed, boolean task, int iterations,
                               boolean progress) {
        return vdv(scenario, method, seed, task, iterations, progress, CheckpointOptions.NONE, new Options.Ui(), null);
    }

    /**
     * One run of the van de Ven protocol, checkpointed as {@code checkpoints} say and recorded as {@code ui} says
     * under the name {@code run}.
     */
    static ContinualResult vdv(Scenario scenario, String method, long seed, boolean task, int iterations,
                               boolean progress, CheckpointOptions checkpoints, Options.Ui ui, String run) {
        Mlp.Builder mb = new Mlp.Builder(784, task ? 10 : 2).hidden(400, 400).updater(new Adam(1e-3)).seed(seed);
        ContinualConfiguration.Builder cb = new ContinualConfiguration.Builder().batchSize(128).epochsPerExperience(1)
                .seed(seed).progress(progress).headPolicy(task ? HeadPolicy.FIXED : HeadPolicy.EXPANDING);
        StrategyRegistry.plugins(method, new StrategyRegistry.Params(StrategyRegistry.Protocol.VDV).batch(128)
                .taskIl(task)).forEach(cb::plugin);
        cb.plugin(new IterationBudget(iterations));
        MultiLayerNetwork net = task ? TaskHeads.attach(mb.build(), scenario) : mb.build();
        return ui.record(net, run, () -> checkpoints.fit(net, cb.build(), scenario, run));
    }

    /** Times one experience's training (vdV protocol) against the importance computations. */
    static void cost(Scenario scenario, int iterations, long seed) {
        MultiLayerNetwork net = TaskHeads.attach(new Mlp.Builder(784, 10).hidden(400, 400).updater(new Adam(1e-3))
                .seed(seed).build(), scenario);
        Experience e = scenario.trainStream().get(0);
        ContinualModel model = ContinualModel.of(net);
        long t0 = System.nanoTime();
        model.fit(new IterationBudget.Budgeted(e.iterator(128, true, seed), iterations), 1);
        long train = System.nanoTime() - t0;
        t0 = System.nanoTime();
        Importance.empiricalFisher(model, e, 1, 0, seed);
        long fisher = System.nanoTime() - t0;
        t0 = System.nanoTime();
        Importance.outputSensitivity(model, e, 1, 0, seed);
        long mas = System.nanoTime() - t0;
        System.out.printf(Locale.ROOT, "MLP 784-400-400-10, experience 0 (%d examples): training %d iterations of "
                        + "batch 128: %.1f s%n", e.numExamples(), iterations, train / 1e9);
        System.out.printf(Locale.ROOT, "empirical Fisher (per example, all examples): %.1f s = %.1f %% of training%n",
                fisher / 1e9, 100.0 * fisher / train);
        System.out.printf(Locale.ROOT, "MAS (per example, all examples): %.1f s = %.1f %% of training%n", mas / 1e9,
                100.0 * mas / train);
        cnnCost(e, seed);
    }

    /**
     * Times one epoch of the benchmark's LeNet (batch 128) on an experience against the ways of computing its
     * Fisher and MAS importance, and measures how far the cheap ones are from the exact value over all examples.
     */
    static void cnnCost(Experience e, long seed) {
        ContinualModel model = ContinualModel.of(Benchmark.lenet());
        long t0 = System.nanoTime();
        model.fit(e.iterator(128, true, seed), 1);
        long train = System.nanoTime() - t0;
        System.out.printf(Locale.ROOT, "LeNet, experience 0 (%d examples): training 1 epoch of batch 128: %.1f s%n",
                e.numExamples(), train / 1e9);
        for (boolean fisher : new boolean[]{true, false}) {
            INDArray exact = null;
            for (int[] way : new int[][]{{1, 0}, {1, Importance.AUTO}, {128, 0}}) {
                t0 = System.nanoTime();
                INDArray imp = fisher ? Importance.empiricalFisher(model, e, way[0], way[1], seed)
                        : Importance.outputSensitivity(model, e, way[0], way[1], seed);
                long took = System.nanoTime() - t0;
                String what = way[0] == 1 ? (way[1] == 0 ? "per example, all examples"
                        : "per example, " + Importance.PER_EXAMPLE_SAMPLE + "-example sample (default)")
                        : "minibatch estimate, batch " + way[0];
                String err = "";
                if (exact == null) {
                    exact = imp;
                } else {
                    double rel = Transforms.abs(imp.sub(exact), false).sumNumber().doubleValue()
                            / exact.sumNumber().doubleValue();
                    err = String.format(Locale.ROOT, "; L1 error vs all examples %.1f %%, Pearson r %.3f", 100 * rel,
                            pearson(imp, exact));
                }
                System.out.printf(Locale.ROOT, "%s (%s): %.1f s = %.1f %% of training%s%n",
                        fisher ? "empirical Fisher" : "MAS", what, took / 1e9, 100.0 * took / train, err);
            }
        }
    }

    private static double pearson(INDArray a, INDArray b) {
        INDArray x = a.castTo(DataType.DOUBLE).sub(a.meanNumber());
        INDArray y = b.castTo(DataType.DOUBLE).sub(b.meanNumber());
        return x.mul(y).sumNumber().doubleValue()
                / Math.sqrt(x.mul(x).sumNumber().doubleValue() * y.mul(y).sumNumber().doubleValue());
    }

    /**
     * @param byMethod results per method (one per seed)
     * @param paper    published {class-IL, task-IL} per method
     * @param source   the paper's name for the header
     * @return a markdown table of mean ± std over seeds
     */
    static String table(Map<String, List<ContinualResult>> byMethod, Map<String, double[]> paper, String source) {
        StringBuilder sb = new StringBuilder();
        sb.append("| method | seeds | class-IL (%) | ").append(source).append(" | task-IL (%) | ").append(source)
                .append(" | per-seed task-IL |\n|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<ContinualResult>> en : byMethod.entrySet()) {
            double[] c = en.getValue().stream().mapToDouble(r -> 100 * r.classIncremental().finalAverageAccuracy())
                    .toArray();
            double[] t = en.getValue().stream().mapToDouble(r -> 100 * r.taskIncremental().finalAverageAccuracy())
                    .toArray();
            double[] p = paper.get(en.getKey());
            StringBuilder per = new StringBuilder();
            for (double v : t) {
                per.append(per.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", v));
            }
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s |%n", en.getKey(), c.length,
                    SplitMnistExample.meanStd(c), p == null ? "–" : String.format(Locale.ROOT, "%.2f", p[0]),
                    SplitMnistExample.meanStd(t), p == null ? "–" : String.format(Locale.ROOT, "%.2f", p[1]), per));
        }
        return sb.toString();
    }
}
