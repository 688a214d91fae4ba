package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.metalearning.BlockBinaryCrossEntropy;
import io.github.dl4jcontinual.metalearning.ItamlConfiguration;
import io.github.dl4jcontinual.metalearning.ItamlPlugin;
import io.github.dl4jcontinual.metalearning.MetaUpdateRule;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.selection.FirstSelection;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.zoo.model.Mlp;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * iTAML on Split-MNIST / Split-Fashion-MNIST 5 × 2 with the paper's MNIST configuration (docs/itaml.md): MLP
 * 784-400-400 (ReLU) → 10 bias-free logits, SGD with momentum 0.9 (DL4J's {@link Nesterovs}, the only momentum SGD
 * it has) and weight decay 1e-3 (DL4J {@code l2}), batch 256, 5 epochs in session 0 and 20 after, learning rate
 * 0.1 (0.05 in session 4) halved after epochs 5, 10, 15, β = 0.5, r = 1, memory 2000 (first examples of each class,
 * or herding), continuum 20, test-time adaptation 1 epoch of Adam(1e-3), batch 64. iTAML runs as a plugin of the
 * one trainer: {@code ContinualTrainer.wrap(net, ItamlConfiguration.splitMnistTrainer(itaml).seed(s).build())
 * .fit(scenario)}; {@code --head softmax} gives the network an ordinary softmax classifier instead of logits.
 *
 * <p>Beside it, Experience Replay with the same memory (reservoir of 2000) on the same MLP with a softmax head,
 * trained with the DER protocol's ER settings (plain SGD lr 0.1, batch 10 + 10 replayed, 1 epoch per experience;
 * Mammoth's selected values for ER on seq-mnist). Prints a markdown table (mean ± std over seeds) and writes each
 * run's results under {@code --out}.</p>
 */
@Command(name = "itaml", description = "iTAML on Split-MNIST / Split-Fashion-MNIST 5 x 2 with the paper's MNIST "
        + "configuration, beside Experience Replay with the same memory (DER protocol).")
public final class ItamlExample extends Options.Command {
    /** The values of {@code --rule}. */
    enum Rule {
        PAPER, RELEASED, BOTH, NONE
    }

    /** The values of {@code --selection}. */
    enum Selection {
        FIRST, HERDING
    }

    /** The values of {@code --head}. */
    enum Head {
        LOGITS, SOFTMAX
    }

    @Mixin
    Options.DataDir data;
    @Option(names = "--dataset", paramLabel = "mnist|fashion", defaultValue = "mnist",
            description = "mnist or fashion (fashion-mnist is read as fashion).")
    String datasetName;
    @Mixin
    Options.Seeds seedOption = new Options.Seeds(1, 2, 3);
    @Option(names = "--rule", paramLabel = "paper|released|both|none", defaultValue = "paper",
            description = "iTAML's meta-update rule: paper, released, both, or none (the ER baseline alone).")
    Rule rule;
    @Option(names = "--selection", paramLabel = "first|herding", defaultValue = "first",
            description = "iTAML's memory: the first examples of each class, or herding.")
    Selection selection;
    @Option(names = "--memory", defaultValue = "2000", description = "Memory size (iTAML and ER).")
    int memory;
    @Option(names = "--er", arity = "1", paramLabel = "true|false", defaultValue = "true",
            description = "Run the ER baseline.")
    boolean er;
    @Option(names = "--epochs", defaultValue = "20", description = "iTAML epochs per session after the first.")
    int epochs;
    @Option(names = "--first-epochs", defaultValue = "5", description = "iTAML epochs of session 0.")
    int firstEpochs;
    @Option(names = "--head", paramLabel = "logits|softmax", defaultValue = "logits",
            description = "The network's output: bias-free logits (the paper) or a softmax classifier.")
    Head headOption;
    @Mixin
    Options.Out outOption = new Options.Out("results/itaml");
    @Mixin
    Options.Markdown markdown;
    @Mixin
    Options.Quiet quietOption;
    @Mixin
    Options.NoReport report;

    @Override
    public void run() {
        String dataset = datasetName;
        if (dataset.equals("fashion-mnist")) {
            dataset = "fashion";
        }
        if (!dataset.equals("mnist") && !dataset.equals("fashion")) {
            throw invalid("--dataset", datasetName, "mnist or fashion");
        }
        atLeast("--memory", memory, 1);
        atLeast("--epochs", epochs, 1);
        atLeast("--first-epochs", firstEpochs, 1);
        DataDirectory dir = data.resolve();
        DataSet train;
        DataSet test;
        if (dataset.equals("mnist")) {
            train = IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN);
            test = IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        } else {
            train = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN);
            test = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST);
        }
        List<MetaUpdateRule> rules = new ArrayList<>();
        if (rule == Rule.BOTH) {
            rules.addAll(Arrays.asList(MetaUpdateRule.values()));
        } else if (rule != Rule.NONE) { // none: only the ER baseline (--er true)
            rules.add(MetaUpdateRule.valueOf(rule.name()));
        }
        if (rules.isEmpty() && !er) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--rule none with --er false runs "
                    + "nothing: use --er true for the ER baseline alone");
        }
        Scenario scenario = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                .name("split-" + dataset).build();
        String sel = selection.name().toLowerCase(Locale.ROOT);
        long[] seeds = seedOption.get();
        File out = outOption.dir();
        ReportOutput reports = report.output();
        boolean quiet = !quietOption.progress();
        String head = headOption.name().toLowerCase(Locale.ROOT);
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        for (MetaUpdateRule rule : rules) {
            String key = "iTAML " + rule.name().toLowerCase(Locale.ROOT) + " rule, " + sel
                    + (head.equals("softmax") ? ", softmax head" : "");
            for (long seed : seeds) {
                ItamlConfiguration itaml = ItamlConfiguration.splitMnist().rule(rule).memorySize(memory)
                        .selection(sel.equals("herding") ? new HerdingSelection() : new FirstSelection())
                        .firstSessionEpochs(firstEpochs).build();
                ContinualConfiguration conf = ItamlConfiguration.splitMnistTrainer(itaml)
                        .epochsPerExperience(epochs).seed(seed).progress(!quiet).build();
                MultiLayerNetwork net = itamlMlp(seed, head.equals("softmax"));
                long t0 = System.currentTimeMillis();
                ContinualResult r = ContinualTrainer.wrap(net, conf).fit(scenario);
                long secs = (System.currentTimeMillis() - t0) / 1000;
                System.out.println(r.report());
                AccuracyMatrix with = r.matrix(ItamlPlugin.METRIC + "." + ItamlPlugin.WITH_TASK_PREDICTION);
                AccuracyMatrix tp = r.matrix(ItamlPlugin.METRIC + "." + ItamlPlugin.TASK_PREDICTION);
                AccuracyMatrix adapted = r.matrix(ItamlPlugin.METRIC + "." + ItamlPlugin.ADAPTED_TASK_AWARE);
                int last = with.rows() - 1;
                double[] v = {100 * with.finalAverageAccuracy(), 100 * with.seenAccuracy(last),
                        100 * tp.seenAccuracy(last), 100 * r.classIncremental().finalAverageAccuracy(),
                        100 * r.taskIncremental().finalAverageAccuracy(), 100 * adapted.finalAverageAccuracy(), secs};
                StringBuilder perTask = new StringBuilder();
                for (int j = 0; j < tp.columns(); j++) {
                    perTask.append(j == 0 ? "" : ", ")
                            .append(String.format(Locale.ROOT, "%.1f", 100 * tp.get(last, j)));
                }
                System.out.printf(Locale.ROOT, "%s seed %d: with task prediction %.2f (all samples %.2f), task "
                                + "prediction %.2f (per task %s), plain class-IL %.2f, task-IL %.2f, adapted "
                                + "task-aware %.2f (%d s)%n", key, seed, v[0], v[1], v[2], perTask, v[3], v[4], v[5],
                        secs);
                rows.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
                reports.write(r, new File(out, dataset + "/itaml-" + rule.name().toLowerCase(Locale.ROOT) + "-"
                        + sel + (head.equals("softmax") ? "-softmax" : "") + "-seed" + seed));
                BenchmarksMain.releaseMemory();
            }
        }
        if (er) {
            String key = "ER, reservoir " + memory + " (DER protocol)";
            for (long seed : seeds) {
                ContinualConfiguration cc = new ContinualConfiguration.Builder().batchSize(10).epochsPerExperience(1)
                        .seed(seed).progress(!quiet).plugin(new ExperienceReplay.Builder()
                                .buffer(new BufferConfiguration.Builder().capacity(memory).build()).replayBatch(10)
                                .build())
                        .build();
                MultiLayerNetwork net = new Mlp.Builder(784, 10).hidden(400, 400).updater(new Sgd(0.1)).seed(seed)
                        .build();
                long t0 = System.currentTimeMillis();
                ContinualResult r = ContinualTrainer.wrap(net, cc).fit(scenario);
                long secs = (System.currentTimeMillis() - t0) / 1000;
                System.out.printf(Locale.ROOT, "%s seed %d: class-IL %.2f, task-IL %.2f (%d s)%n", key, seed,
                        100 * r.classIncremental().finalAverageAccuracy(),
                        100 * r.taskIncremental().finalAverageAccuracy(), secs);
                rows.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[]{Double.NaN, Double.NaN,
                        Double.NaN, 100 * r.classIncremental().finalAverageAccuracy(),
                        100 * r.taskIncremental().finalAverageAccuracy(), Double.NaN, secs});
                reports.write(r, new File(out, dataset + "/er-" + memory + "-seed" + seed));
                BenchmarksMain.releaseMemory();
            }
        }
        reports.compare(new File(out, dataset));
        String table = table(dataset, seeds, rows);
        System.out.println(table);
        markdown.write(table);
    }

    /**
     * The paper's MNIST network: 784-400-400 ReLU, bias-free 10-way output, PyTorch-like uniform initialisation
     * U(±1/√fanIn) ({@link WeightInit#UNIFORM}), Nesterov momentum 0.9, lr 0.1, l2 1e-3. The output layer is
     * IDENTITY logits with {@link BlockBinaryCrossEntropy} (as the paper's linear head) or an ordinary SOFTMAX +
     * MCXENT classifier: iTAML swaps the loss while it trains and reads the logits, so both train alike.
     *
     * @param seed    initialisation seed
     * @param softmax whether the output layer is a softmax classifier
     * @return an initialised network
     */
    static MultiLayerNetwork itamlMlp(long seed, boolean softmax) {
        OutputLayer.Builder out = softmax
                ? new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).activation(Activation.SOFTMAX)
                : new OutputLayer.Builder(new BlockBinaryCrossEntropy()).activation(Activation.IDENTITY);
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(seed).updater(new Nesterovs(0.1, 0.9))
                .weightInit(WeightInit.UNIFORM).l2(1e-3).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(400).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(400).nOut(400).activation(Activation.RELU).build())
                .layer(out.nIn(400).nOut(10).hasBias(false).build())
                .build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
    }

    static String table(String dataset, long[] seeds, Map<String, List<double[]>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("Split-").append(dataset).append(" 5 x 2, seeds ").append(Arrays.toString(seeds))
                .append(", final accuracies in % (mean ± std over seeds)\n\n");
        sb.append("| method | with task prediction (mean over tasks) | with task prediction (all samples) "
                + "| task-prediction accuracy | plain class-IL | task-IL | adapted, true task | seconds per run |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<double[]>> e : rows.entrySet()) {
            sb.append("| ").append(e.getKey());
            for (int c = 0; c < 7; c++) {
                final int col = c;
                double[] v = e.getValue().stream().mapToDouble(x -> x[col]).toArray();
                sb.append(" | ").append(Double.isNaN(v[0]) ? "–" : c == 6
                        ? String.format(Locale.ROOT, "%.0f", Arrays.stream(v).average().orElse(Double.NaN))
                        : SplitMnistExample.meanStd(v));
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }
}
