package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.cil.CosineOutputLayer;
import io.github.dl4jcontinual.data.Cifar100Datasets;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.data.OmniglotDatasets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.IterationBudget;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.ClassOrder;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
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
 * {@code reproduce-cil}: the class-incremental family (iCaRL, WA, BiC, LUCIR) beside plain ER at the same memory,
 * on the van de Ven Split-MNIST protocol and the protocols defined in {@code docs/class-incremental.md}.
 *
 * <pre>
 * reproduce-cil --dataset mnist|fashion --methods icarl,er,wa,bic --seeds 1,2,3 [--iterations 2000]
 *               [--per-class 100] [--data-dir DIR] [--out results/cil] [--markdown FILE] [--quiet]
 * </pre>
 *
 * <p>Split-MNIST / Split-Fashion-MNIST: 5 experiences of 2 classes in natural order; MLP 784-400-400 (ReLU) with an
 * expanding head, Adam (lr 0.001, β 0.9/0.999), minibatch 128, {@code --iterations} minibatches per experience
 * (van de Ven &amp; Tolias 2019: 2000); memory {@code --per-class} exemplars per class chosen by herding. Methods:
 * {@code er} (Mammoth-style) joins 128 replayed exemplars to every minibatch; {@code replay} (PyCIL's "Replay")
 * trains on the union of the experience and the exemplars; {@code wa} is replay plus weight aligning; {@code wa-kd}
 * adds PyCIL's WA distillation (softmax over the old classes, T = 2, weight old / new classes); {@code bic}
 * is replay with {@code per-class − 10} exemplars plus bias correction fitted on 10 held-out examples per class
 * (equal memory);
 * {@code icarl} trains on the union of the experience and the exemplars with a sigmoid/BCE head and distillation
 * at temperature 2 (van de Ven's and PyCIL's implementations) and reports both the network's (CNN) and the
 * nearest-mean-of-exemplars (NME) accuracy; {@code lucir} uses the cosine classifier with LUCIR's losses. Herding
 * runs on L2-normalised features for every method.</p>
 *
 * <p>Reported per method (mean ± sample std over seeds, in %): final class-IL accuracy (mean over experiences after
 * the last one), its NME counterpart where there is one, and the accuracy on the old classes (experiences 0..T−2,
 * pooled over their test examples) and on the new classes (experience T−1) after the last experience.</p>
 */
@Command(name = "reproduce-cil", description = "Class-incremental methods with exemplar memories (iCaRL, LUCIR, ER, "
        + "Replay, WA, BiC) on Split-MNIST / Split-Fashion-MNIST / Split-Omniglot / CIFAR-100 B0-10.")
public final class CilReproduction extends Options.Command {
    /** Split-Omniglot: characters kept, training drawings per character, seed of the character order. */
    static final int OMNIGLOT_CLASSES = 200;
    static final int OMNIGLOT_TRAIN = 15;
    static final long CLASS_ORDER_SEED = 1993;


    /** One method's numbers over the seeds. */
    static final class Row {
        final List<Double> cnn = new ArrayList<>();
        final List<Double> nme = new ArrayList<>();
        final List<Double> oldAcc = new ArrayList<>();
        final List<Double> newAcc = new ArrayList<>();
        final List<Long> seconds = new ArrayList<>();
    }

    /** The datasets of {@code --dataset}. */
    enum Dataset {
        MNIST, FASHION, OMNIGLOT, CIFAR100
    }

    /** The optimisers of {@code --optimizer}, see {@link #updater(String)}. */
    enum Optimizer {
        ADAM, SGD
    }

    @Mixin
    Options.DataDir data;
    @Option(names = "--dataset", paramLabel = "mnist|fashion|omniglot|cifar100", defaultValue = "mnist",
            description = "mnist, fashion, omniglot or cifar100 (needs cifar-100-binary/train.bin and test.bin in the "
                    + "data directory and uses its own schedule: --iterations and --per-class do not apply).")
    Dataset dataset;
    @Option(names = "--methods", split = ",", paramLabel = "NAME", defaultValue = "icarl,er,wa,bic",
            description = "Comma-separated methods (StrategyRegistry, CIL protocol): icarl, lucir, er, replay, wa, "
                    + "wa-kd, bic, der-expansion, der-no-wa, memo.")
    List<String> methods;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1, 2, 3);
    @Option(names = "--iterations", description = "Minibatches per experience (default: 2000, omniglot 200).")
    Integer iterations;
    @Option(names = "--per-class", description = "Exemplars per class (default: 100, omniglot 5).")
    Integer perClass;
    @Option(names = "--optimizer", paramLabel = "adam|sgd", defaultValue = "adam",
            description = "adam: Adam 0.001; sgd: SGD with Nesterov momentum 0.9, lr 0.01, weight decay 5e-4.")
    Optimizer optimizer;
    @Option(names = "--no-head-bias", description = "Output layer without biases.")
    boolean noHeadBias;
    @Mixin
    Options.Out out = new Options.Out("results/cil");
    @Mixin
    Options.Markdown markdown;
    @Mixin
    Options.Quiet quiet;
    @Mixin
    Options.NoReport report;
    @Mixin
    Options.Ui ui;

    @Override
    public void run() {
        strategies("--methods", methods, StrategyRegistry.Protocol.CIL);
        String dataset = this.dataset.name().toLowerCase(Locale.ROOT);
        boolean omniglot = this.dataset == Dataset.OMNIGLOT;
        int iterations = atLeast("--iterations", this.iterations != null ? this.iterations : omniglot ? 200 : 2000,
                1);
        int perClass = atLeast("--per-class", this.perClass != null ? this.perClass : omniglot ? 5 : 100, 1);
        Scenario scenario = scenario(data.resolve(), dataset);
        long[] seedList = seeds.get();
        ReportOutput reports = report.output();
        File outDir = out.dir();
        IUpdater updater = updater(optimizer.name().toLowerCase(Locale.ROOT));
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String m : methods) {
            for (long seed : seedList) {
                int first = scenario.trainStream().get(0).classArray().length;
                long t0 = System.currentTimeMillis();
                String run = dataset + "-" + m + "-seed" + seed;
                ContinualResult r;
                if (this.dataset == Dataset.CIFAR100) {
                    ComputationGraph net = CifarResNet.resnet32(head(m, 64, first, true), seed);
                    r = ui.record(net, run, () -> ContinualTrainer.wrap(net,
                            cifarConfiguration(m, seed, quiet.progress())).fit(scenario));
                } else if (m.equals("der-expansion") || m.equals("der-no-wa") || m.equals("memo")) {
                    // DER grows a graph: the same MLP as a ComputationGraph (DL4J's own conversion)
                    ComputationGraph net = network(m, first, seed, updater, !noHeadBias).toComputationGraph();
                    r = ui.record(net, run, () -> ContinualTrainer.wrap(net,
                            configuration(m, perClass, iterations, seed, quiet.progress())).fit(scenario));
                } else {
                    MultiLayerNetwork net = network(m, first, seed, updater, !noHeadBias);
                    r = ui.record(net, run, () -> ContinualTrainer.wrap(net,
                            configuration(m, perClass, iterations, seed, quiet.progress())).fit(scenario));
                }
                long s = (System.currentTimeMillis() - t0) / 1000;
                Row row = rows.computeIfAbsent(m, k -> new Row());
                row.cnn.add(100 * r.classIncremental().finalAverageAccuracy());
                if (r.heads().contains("nme")) {
                    row.nme.add(100 * r.classIncremental("nme").finalAverageAccuracy());
                }
                double[] on = oldNew(r.classIncremental());
                row.oldAcc.add(100 * on[0]);
                row.newAcc.add(100 * on[1]);
                row.seconds.add(s);
                System.out.printf(Locale.ROOT, "%s %s seed %d: class-IL CNN %.2f%s, old %.2f, new %.2f (%d s)%n",
                        dataset, m, seed, row.cnn.get(row.cnn.size() - 1),
                        r.heads().contains("nme") ? String.format(Locale.ROOT, ", NME %.2f",
                                row.nme.get(row.nme.size() - 1)) : "", 100 * on[0], 100 * on[1], s);
                reports.write(r, new File(outDir, run));
            }
        }
        reports.compare(outDir);
        List<String> argv = spec.commandLine().getParseResult() == null ? List.of()
                : spec.commandLine().getParseResult().originalArgs();
        String args = String.join(" ", argv.subList(argv.indexOf(spec.name()) + 1, argv.size()));
        String table = table(dataset, rows, seedList, iterations, perClass, args);
        System.out.println(table);
        markdown.write(table);
    }

    /**
     * @param dir     data directory
     * @param dataset mnist or fashion
     * @return the scenario
     */
    static Scenario scenario(DataDirectory dir, String dataset) {
        switch (dataset) {
            case "mnist":
                return new ClassIncrementalScenario.Builder().train(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN))
                        .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).name("split-mnist")
                        .build();
            case "fashion":
                return new ClassIncrementalScenario.Builder()
                        .train(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN))
                        .test(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST)).numExperiences(5)
                        .name("split-fashion-mnist").build();
            case "omniglot": {
                DataSet[] o = OmniglotDatasets.load(dir, OMNIGLOT_CLASSES, OMNIGLOT_TRAIN, 28, CLASS_ORDER_SEED);
                return new ClassIncrementalScenario.Builder().train(o[0]).test(o[1]).numExperiences(10)
                        .name("split-omniglot").build();
            }
            case "cifar100":
                return new ClassIncrementalScenario.Builder()
                        .train(Cifar100Datasets.load(dir, IdxDatasets.Split.TRAIN))
                        .test(Cifar100Datasets.load(dir, IdxDatasets.Split.TEST)).numExperiences(10)
                        .classOrder(ClassOrder.fixed(CifarResNet.PYCIL_ORDER_1993)).name("cifar100-b0-10").build();
            default:
                throw new IllegalArgumentException("--dataset should be mnist, fashion, omniglot or cifar100 (got: "
                        + dataset + ")");
        }
    }

    /**
     * @param method     er, wa, bic or icarl
     * @param perClass   memory per class
     * @param iterations minibatches per experience
     * @param seed       the seed
     * @param progress   progress lines
     * @return the trainer configuration
     */
    static ContinualConfiguration configuration(String method, int perClass, int iterations, long seed,
                                                boolean progress) {
        ContinualConfiguration.Builder b = new ContinualConfiguration.Builder().batchSize(128).epochsPerExperience(1)
                .seed(seed).headPolicy(HeadPolicy.EXPANDING).progress(progress);
        for (PluginConfiguration p : plugins(method, herding(perClass), perClass)) {
            b.plugin(p);
        }
        return b.plugin(new IterationBudget(iterations)).build();
    }

    /**
     * The CIFAR-100 B0-10 configuration (PyCIL's schedule, see {@link CifarResNet}): 2000 exemplars in all, SGD
     * with momentum, 200 epochs on the first experience and {@code laterEpochs} on the others with step decays.
     *
     * @param method   the method
     * @param seed     the seed
     * @param progress progress lines
     * @return the trainer configuration
     */
    static ContinualConfiguration cifarConfiguration(String method, long seed, boolean progress) {
        ContinualConfiguration.Builder b = new ContinualConfiguration.Builder().batchSize(128)
                .epochsPerExperience(CifarResNet.FIRST_EPOCHS).seed(seed).headPolicy(HeadPolicy.EXPANDING)
                .progress(progress);
        BufferConfiguration memory = new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED)
                .capacity(CifarResNet.MEMORY).selection(new HerdingSelection(null, true)).build();
        for (PluginConfiguration p : plugins(method, memory, CifarResNet.MEMORY / 100)) {
            b.plugin(p);
        }
        return b.plugin(CifarResNet.schedule(method)).build();
    }

    private static BufferConfiguration herding(int perClass) {
        return new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED).perClass(perClass)
                .selection(new HerdingSelection(null, true)).build();
    }

    /** The method's plugins from {@link StrategyRegistry} (CIL protocol), replaying 128 exemplars per minibatch. */
    private static List<PluginConfiguration> plugins(String method, BufferConfiguration memory, int perClass) {
        return StrategyRegistry.plugins(method, new StrategyRegistry.Params(StrategyRegistry.Protocol.CIL).batch(128)
                .replayBatch(128).memory(memory, perClass));
    }

    /**
     * @param name {@code adam}: Adam 0.001 (β 0.9/0.999), van de Ven &amp; Tolias' optimiser, the default; {@code sgd}:
     *             SGD with Nesterov momentum 0.9, lr 0.01 and weight decay 5e-4, the kind of optimiser WA and PyCIL
     *             train with (their lr 0.1 is for a BatchNorm ResNet)
     * @return the updater
     */
    static IUpdater updater(String name) {
        switch (name) {
            case "adam":
                return new Adam(0.001, 0.9, 0.999, 1e-8);
            case "sgd":
                return new Nesterovs(0.01, 0.9);
            default:
                throw new IllegalArgumentException("--optimizer should be adam or sgd (got: " + name + ")");
        }
    }

    /**
     * @param method  the method (icarl gets a sigmoid/BCE head)
     * @param seed    initialisation seed
     * @param updater the optimiser ({@link #updater(String)}); SGD gets weight decay 5e-4
     * @param bias    whether the output layer has biases
     * @return MLP 784-400-400-2 (the head expands)
     */
    static MultiLayerNetwork network(String method, int firstClasses, long seed, IUpdater updater, boolean bias) {
        NeuralNetConfiguration.Builder nb = new NeuralNetConfiguration.Builder().seed(seed).updater(updater)
                .weightInit(WeightInit.XAVIER);
        if (updater instanceof Nesterovs) {
            nb.weightDecay(5e-4);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(nb.list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(400).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(400).nOut(400).activation(Activation.RELU).build())
                .layer(head(method, 400, firstClasses, bias))
                .build());
        net.init();
        return net;
    }

    /**
     * @param method the method: icarl gets a sigmoid/BCE layer, lucir the cosine layer, the others softmax
     * @param nIn    features
     * @param nOut   classes of the first experience
     * @param bias   whether a softmax/sigmoid output layer has biases ({@code --no-head-bias}: WA's premise that
     *               the bias toward new classes lives in the weight norms)
     * @return the output layer
     */
    static org.deeplearning4j.nn.conf.layers.Layer head(String method, int nIn, int nOut, boolean bias) {
        if (method.equals("lucir")) {
            return new CosineOutputLayer.Builder().nIn(nIn).nOut(nOut).build();
        }
        boolean sigmoid = method.equals("icarl");
        return new OutputLayer.Builder(sigmoid ? LossFunctions.LossFunction.XENT : LossFunctions.LossFunction.MCXENT)
                .nIn(nIn).nOut(nOut).hasBias(bias).activation(sigmoid ? Activation.SIGMOID : Activation.SOFTMAX).build();
    }

    /**
     * Pooled accuracy on the old experiences' test examples and on the last experience's, after the last one.
     *
     * @param m class-IL matrix
     * @return {old, new}
     */
    static double[] oldNew(AccuracyMatrix m) {
        int last = m.rows() - 1;
        long oc = 0;
        long ot = 0;
        for (int j = 0; j < last; j++) {
            oc += m.correct(last, j);
            ot += m.total(j);
        }
        return new double[]{(double) oc / ot, (double) m.correct(last, last) / m.total(last)};
    }

    private static double[] arr(List<? extends Number> v) {
        return v.stream().mapToDouble(Number::doubleValue).toArray();
    }

    static String table(String dataset, Map<String, Row> rows, long[] seeds, int iterations, int perClass,
                        String args) {
        StringBuilder sb = new StringBuilder();
        if (dataset.equals("cifar100")) {
            iterations = 0;
        }
        sb.append("Dataset ").append(dataset).append(", seeds ").append(Arrays.toString(seeds)).append(", ")
                .append(iterations).append(" iterations per experience, ").append(perClass)
                .append(" exemplars per class. Command: `bin/benchmarks reproduce-cil ").append(args).append("`\n\n");
        sb.append("| method | class-IL CNN | class-IL NME | old classes | new classes | new − old | s/run |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row r = e.getValue();
            double[] gap = new double[r.oldAcc.size()];
            for (int i = 0; i < gap.length; i++) {
                gap[i] = r.newAcc.get(i) - r.oldAcc.get(i);
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %.0f |%n", e.getKey(),
                    SplitMnistExample.meanStd(arr(r.cnn)), r.nme.isEmpty() ? "–" : SplitMnistExample.meanStd(arr(r.nme)),
                    SplitMnistExample.meanStd(arr(r.oldAcc)), SplitMnistExample.meanStd(arr(r.newAcc)),
                    SplitMnistExample.meanStd(gap), Arrays.stream(arr(r.seconds)).average().orElse(0)));
        }
        return sb.toString();
    }
}
