package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.zoo.model.Mlp;
import io.github.dl4jcontinual.zoo.transformer.Vit;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code benchmark}: what continual learning costs on top of plain DL4J training, as ratios measured in one run.
 *
 * <pre>
 * benchmark [--data-dir DIR] [--models mlp100,mlp400,lenet,vit] [--strategies naive,er,der++,ewc,lwf]
 *           [--per-experience 2000] [--test 2000] [--repeats 3] [--selection] [--ui FILE]
 * </pre>
 *
 * <p>For every model, Split-MNIST (5 experiences of 2 classes, the first {@code per-experience × 5} training images
 * and the first {@code test} test images of real MNIST) is trained once per repeat with a plain {@code fit} of each
 * experience's iterator (the reference) and once through {@link ContinualTrainer} per strategy, back to back, from
 * the same initialisation. Reported per strategy (medians over repeats of per-repeat ratios, so that load drifting
 * on a shared machine hits numerator and denominator alike):</p>
 * <ul>
 *   <li>samples/s of training (current and replayed rows alike, {@link ExperienceResult#examplesSeen()}), including
 *       everything the strategy does around {@code fit} (selection, importance, teacher copies);</li>
 *   <li>the ratio of the trainer's time per sample to the plain fit's at the same minibatch width (Naive, EWC,
 *       LwF: the batch; ER: batch + replay batch; DER++: batch + two replay batches, the rows of its joined step),
 *       so "the same number of samples";</li>
 *   <li>the evaluation after every experience, as a share of training time;</li>
 *   <li>the process CPU time of the whole run (training and evaluation, every thread) per trained row against that
 *       of the plain
 *       reference, which fits each experience and scores every test experience with DL4J's {@code evaluate} before
 *       training and after each experience — CPU time is far less sensitive than wall time to other processes on a
 *       shared machine;</li>
 *   <li>the peak heap and the JavaCPP off-heap bytes at the end of an experience.</li>
 * </ul>
 * <p>Models: {@code mlp100} MLP 784-100-100-10, SGD 0.03, batch 10 (the DER protocol); {@code mlp400} MLP
 * 784-400-400-10, Adam 1e-3, batch 128; {@code lenet} LeNet-5-size CNN (conv 5×5×20, max-pool, conv 5×5×50, max-pool,
 * dense 500, softmax), Adam 1e-3, batch 128; {@code vit} the zoo ViT (patch 7, width 64, depth 3, 4 heads), Adam 1e-3,
 * batch 64. {@code --selection} adds the rehearsal benchmark's selection costs (random, herding, k-means).</p>
 */
@Command(name = "benchmark", description = "What continual learning costs on top of plain DL4J training, as ratios "
        + "measured in one run (Split-MNIST on the first images of real MNIST).")
public final class Benchmark extends Options.Command {
    /** One benchmarked model: how to build it and its minibatch. */
    static final class ModelSpec {
        final String name;
        final int batch;
        final Supplier<Model> build;

        ModelSpec(String name, int batch, Supplier<Model> build) {
            this.name = name;
            this.batch = batch;
            this.build = build;
        }
    }

    /** The models of {@code --models}. */
    static final List<String> MODELS = List.of("mlp100", "mlp400", "lenet", "vit");

    @Mixin
    Options.DataDir data;
    @Option(names = "--models", split = ",", paramLabel = "NAME", defaultValue = "mlp100,mlp400,lenet,vit",
            description = "Comma-separated models: mlp100, mlp400, lenet, vit.")
    List<String> models;
    @Option(names = "--strategies", split = ",", paramLabel = "NAME", defaultValue = "naive,er,der++,ewc,lwf",
            description = "Comma-separated strategies (StrategyRegistry, default protocol): naive, joint, cumulative, "
                    + "er, der++, ewc, lwf.")
    List<String> strategies;
    @Option(names = "--per-experience", defaultValue = "2000", description = "Training images per experience.")
    int perExperience;
    @Option(names = "--test", defaultValue = "2000", description = "Test images.")
    int testSize;
    @Option(names = "--repeats", defaultValue = "3", description = "Timed repeats (after one warm-up).")
    int repeats;
    @Option(names = "--selection", description = "Add the rehearsal benchmark's selection costs (random, herding, "
            + "k-means).")
    boolean selection;
    @Mixin
    Options.Ui ui;

    @Override
    public void run() {
        atLeast("--per-experience", perExperience, 1);
        atLeast("--test", testSize, 1);
        atLeast("--repeats", repeats, 1);
        oneOf("--models", models, MODELS);
        strategies("--strategies", strategies, StrategyRegistry.Protocol.DEFAULT);
        DataDirectory dir = data.resolve();
        Scenario scenario = scenario(dir, perExperience, testSize);
        System.out.printf(Locale.ROOT, "Machine: %d cores, max heap %d MB, %s %s; Split-MNIST %d x %d training images, "
                        + "%d test images; %d repeats%n", Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() >> 20, System.getProperty("java.vm.name"),
                System.getProperty("java.version"), scenario.trainStream().size(), perExperience, testSize, repeats);
        if (ui.file != null) {
            System.out.println("--ui: the statistics listener is on every trainer run (not on the plain fits): the "
                    + "ratios include its cost");
        }
        for (String m : models) {
            ModelSpec spec = model(m);
            System.out.println(table(spec, measure(spec, scenario, strategies, repeats, ui)));
        }
        if (selection) {
            RehearsalExample.benchmark(dir, repeats, 6000, RehearsalExample.Part.SELECTION, this.spec);
        }
    }

    /**
     * @param dir           the data directory
     * @param perExperience training images per experience (about: the first {@code 5 × perExperience} images are
     *                      split by class)
     * @param testSize      test images
     * @return Split-MNIST on the first images of real MNIST
     */
    static Scenario scenario(DataDirectory dir, int perExperience, int testSize) {
        DataSet train = IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN);
        DataSet test = IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        int n = Math.min(5 * perExperience, train.numExamples());
        return new ClassIncrementalScenario.Builder().train((DataSet) train.getRange(0, n))
                .test((DataSet) test.getRange(0, Math.min(testSize, test.numExamples()))).numExperiences(5)
                .name("split-mnist-benchmark").build();
    }

    /**
     * @param name mlp100, mlp400, lenet or vit
     * @return the model's builder and minibatch
     */
    static ModelSpec model(String name) {
        switch (name) {
            case "mlp100":
                return new ModelSpec(name, 10, () -> new Mlp.Builder(784, 10).hidden(100, 100).updater(new Sgd(0.03))
                        .seed(1).build());
            case "mlp400":
                return new ModelSpec(name, 128, () -> new Mlp.Builder(784, 10).hidden(400, 400)
                        .updater(new Adam(1e-3)).seed(1).build());
            case "lenet":
                return new ModelSpec(name, 128, Benchmark::lenet);
            case "vit":
                return new ModelSpec(name, 64, () -> new Vit.Builder(10).patchSize(7).embedDim(64).depth(3).heads(4)
                        .updater(new Adam(1e-3)).seed(1).build());
            default:
                throw new IllegalArgumentException("Unknown model '" + name + "'; models are " + String.join(", ",
                        MODELS));
        }
    }

    /** @return the benchmark's LeNet-5-size CNN (Adam 1e-3), also timed by {@code reproduce-regularization --cost} */
    static MultiLayerNetwork lenet() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(20).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(500).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        net.init();
        return net;
    }

    /**
     * @param name  a strategy of {@link StrategyRegistry} (default protocol)
     * @param batch the minibatch (the replay batch of ER and DER++ equals it; buffer 500)
     * @return the plugins (none for naive)
     */
    static List<PluginConfiguration> plugins(String name, int batch) {
        return StrategyRegistry.plugins(name, new StrategyRegistry.Params(StrategyRegistry.Protocol.DEFAULT)
                .batch(batch).buffer(500));
    }

    /**
     * Per strategy, per repeat: {trainer s/sample ÷ plain s/sample (wall, training only), samples/s, eval share,
     * peak heap, off-heap, process CPU of the whole run per trained row ÷ the same for plain fit + DL4J
     * evaluation}.
     */
    static Map<String, List<double[]>> measure(ModelSpec spec, Scenario scenario, List<String> strategies,
                                                       int repeats) {
        return measure(spec, scenario, strategies, repeats, new Options.Ui());
    }

    /** {@link #measure(ModelSpec, Scenario, List, int)}, every trainer run recorded as {@code ui} says. */
    static Map<String, List<double[]>> measure(ModelSpec spec, Scenario scenario, List<String> strategies,
                                                       int repeats, Options.Ui ui) {
        Map<String, List<double[]>> out = new LinkedHashMap<>();
        for (int r = -1; r < repeats; r++) { // r = -1 warms every code path up
            double[] plain1 = plain(spec, scenario, spec.batch, r);
            double[] plain2 = plain(spec, scenario, 2 * spec.batch, r);
            double[] plain3 = strategies.contains("der++") ? plain(spec, scenario, 3 * spec.batch, r) : null;
            for (String s : strategies) {
                ContinualConfiguration.Builder cb = new ContinualConfiguration.Builder().batchSize(spec.batch)
                        .epochsPerExperience(1).seed(Math.max(r, 0)).progress(false);
                plugins(s, spec.batch).forEach(cb::plugin);
                Model net = spec.build.get();
                ContinualTrainer<?> t = net instanceof MultiLayerNetwork
                        ? ContinualTrainer.wrap((MultiLayerNetwork) net, cb.build())
                        : ContinualTrainer.wrap((ComputationGraph) net, cb.build());
                ContinualResult res;
                long cpu = processCpuNanos();
                try {
                    res = ui.record(net, spec.name + "-" + s + "-repeat" + r, () -> t.fit(scenario));
                } catch (IllegalStateException e) {
                    throw new IllegalStateException(spec.name + " with " + s + ": " + e.getMessage(), e);
                }
                cpu = processCpuNanos() - cpu;
                long samples = 0;
                long trainMs = 0;
                long evalMs = 0;
                long heap = 0;
                long offHeap = 0;
                for (ExperienceResult e : res.experiences()) {
                    samples += e.examplesSeen();
                    trainMs += e.trainMillis();
                    evalMs += e.evalMillis();
                    heap = Math.max(heap, e.peakHeapBytes());
                    offHeap = Math.max(offHeap, e.offHeapBytes());
                }
                double perSample = trainMs / 1e3 / samples;
                double[] ref = s.equals("er") ? plain2 : s.equals("der++") ? plain3 : plain1;
                if (r >= 0) {
                    out.computeIfAbsent(s, k -> new ArrayList<>()).add(new double[]{perSample / ref[0],
                            samples / (trainMs / 1e3), (double) evalMs / trainMs, heap, offHeap,
                            (cpu / (double) samples) / ref[1]});
                }
            }
            if (r >= 0) {
                out.computeIfAbsent("plain fit, batch " + spec.batch, k -> new ArrayList<>())
                        .add(new double[]{1, 1 / plain1[0], Double.NaN, Double.NaN, Double.NaN, 1});
                out.computeIfAbsent("plain fit, batch " + 2 * spec.batch, k -> new ArrayList<>())
                        .add(new double[]{plain2[0] / plain1[0], 1 / plain2[0], Double.NaN, Double.NaN, Double.NaN,
                                plain2[1] / plain1[1]});
                if (plain3 != null) {
                    out.computeIfAbsent("plain fit, batch " + 3 * spec.batch, k -> new ArrayList<>())
                            .add(new double[]{plain3[0] / plain1[0], 1 / plain3[0], Double.NaN, Double.NaN,
                                    Double.NaN, plain3[1] / plain1[1]});
                }
            }
        }
        return out;
    }

    /**
     * Plain DL4J, what a user would write without this library: a fresh model fits each experience's iterator once,
     * and DL4J's {@code evaluate} scores every test experience before training and after each experience (the
     * accuracy matrix the trainer reports).
     *
     * @return {wall seconds of training per training sample, process CPU nanoseconds of training and evaluation per
     *         training sample}
     */
    private static double[] plain(ModelSpec spec, Scenario scenario, int batch, int repeat) {
        Model net = spec.build.get();
        long samples = 0;
        long cpu = processCpuNanos();
        long trainNanos = 0;
        evaluateAll(net, scenario);
        for (Experience e : scenario.trainStream()) {
            MultiDataSetIterator it = e.iterator(batch, true, Math.max(repeat, 0));
            long t = System.nanoTime();
            if (net instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) net).fit(it);
            } else {
                ((ComputationGraph) net).fit(it);
            }
            trainNanos += System.nanoTime() - t;
            samples += e.numExamples();
            evaluateAll(net, scenario);
        }
        return new double[]{trainNanos / 1e9 / samples, (processCpuNanos() - cpu) / (double) samples};
    }

    private static void evaluateAll(Model net, Scenario scenario) {
        for (Experience e : scenario.testStream()) {
            MultiDataSetIterator it = e.iterator(256, false, 0);
            if (net instanceof MultiLayerNetwork) {
                ((MultiLayerNetwork) net).evaluate(it);
            } else {
                ((ComputationGraph) net).evaluate(it);
            }
        }
    }

    /** @return CPU time of the whole process (every thread: ND4J's, GC, JIT), in nanoseconds */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean) {
            return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
        }
        throw new UnsupportedOperationException("This JVM does not report the process CPU time ("
                + os.getClass().getName() + ")");
    }

    private static String table(ModelSpec spec, Map<String, List<double[]>> rows) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%n%s (batch %d)%n", spec.name, spec.batch));
        sb.append("| run | training time per sample ÷ plain fit, wall (median) | per repeat | samples/s | eval ÷ train "
                + "| whole run, process CPU per sample ÷ plain fit + DL4J evaluate (median) | per repeat | peak heap MB "
                + "| off-heap MB |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<double[]>> e : rows.entrySet()) {
            List<double[]> v = e.getValue();
            sb.append(String.format(Locale.ROOT, "| %s | %.3f | %s | %.0f | %s | %.3f | %s | %s | %s |%n", e.getKey(),
                    median(v, 0), perRepeat(v, 0), median(v, 1), pct(median(v, 2)), median(v, 5), perRepeat(v, 5),
                    mb(median(v, 3)), mb(median(v, 4))));
        }
        return sb.toString();
    }

    private static String perRepeat(List<double[]> v, int col) {
        StringBuilder per = new StringBuilder();
        for (double[] x : v) {
            per.append(per.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", x[col]));
        }
        return per.toString();
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f %%", 100 * v);
    }

    private static String mb(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.0f", v / (1 << 20));
    }

    static double median(List<double[]> rows, int col) {
        double[] s = rows.stream().mapToDouble(x -> x[col]).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
