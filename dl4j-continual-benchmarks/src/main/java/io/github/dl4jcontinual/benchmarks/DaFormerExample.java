package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataSets;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.daformer.DaFormerConfiguration;
import io.github.dl4jcontinual.zoo.transformer.Vit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.DataInputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * DAFormer (S and M) against the same ViT trained with plain experience replay, class-incremental, all through
 * {@link ContinualTrainer}: the network is the zoo's {@link Vit} (patch embedding, transformer blocks, mean pooling,
 * OutputLayer) built with its builder, and DAFormer is the {@link DaFormerConfiguration} plugin, which turns the last
 * block into the dual-attention block.
 *
 * <ul>
 *   <li>{@code daformer [--config fashion]}: Split-Fashion-MNIST, 5 experiences of 2 classes (natural order),
 *   a CPU-sized ViT (patch 7 → 16 tokens, width 64, depth 3 = 2 shared blocks + the dual block, 4 heads, MLP
 *   ratio 2), {@code --train-per-class} training images per class (default 300; the full test set), Adam 1e-3,
 *   batch 64, 1 epoch per task, 500 exemplars, 10 epochs of balanced fine-tuning at 1e-3 (chosen on
 *   {@code --validation}, a split of the training set, never on the test set). Methods ({@code --methods}): {@code er}
 *   (the ViT with an expanding head and core's ER plugin with the same budget), {@code daformer-s},
 *   {@code daformer-m}, {@code daformer-s-noknn}, {@code daformer-m-noknn} (the KNN ablation; DAFormer runs with a
 *   FIXED head of 10 outputs). Prints a markdown table of final class-IL accuracy (mean ± std over
 *   {@code --seeds}).</li>
 *   <li>{@code daformer --config cifar100}: the paper's CIFAR-100 10-10 architecture (32×32×3, patch 4, width
 *   384, depth 6, 12 heads, MLP ratio 4, 2000 exemplars, batch 128), meant for a GPU backend; it needs the
 *   CIFAR-100 binary files in {@code <data-dir>/cifar-100-binary/} and otherwise throws core's
 *   {@code MissingDataFileException} naming the file, where to put it and where to get it.</li>
 * </ul>
 */
@Command(name = "daformer", description = "DAFormer (S / M editions, with or without the k-NN term) against ER on "
        + "the same ViT: Split-Fashion-MNIST or CIFAR-100.")
public final class DaFormerExample extends Options.Command {
    static final String CIFAR_SOURCE = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz (unpack it there: "
            + "the archive's folder cifar-100-binary/ holds train.bin and test.bin)";

    /** The network and the trainer's budget of a run (the DAFormer recipe is the plugin's configuration). */
    static final class Setting {
        int height = 28;
        int width = 28;
        int channels = 1;
        int patch = 7;
        int embed = 64;
        int depth = 3;
        int heads = 4;
        double mlpRatio = 2.0;
        int epochs = 1;
        int batch = 64;
        double lr = 1e-3;
        int evalBatch = 500;

        static Setting cifar100() {
            Setting s = new Setting();
            s.height = 32;
            s.width = 32;
            s.channels = 3;
            s.patch = 4;
            s.embed = 384;
            s.depth = 6;
            s.heads = 12;
            s.mlpRatio = 4.0;
            s.batch = 128;
            return s;
        }

        /** @return the ViT classifier of {@code classes} outputs */
        ComputationGraph vit(int classes, long seed) {
            return new Vit.Builder(classes).image(height, width, channels).patchSize(patch).embedDim(embed)
                    .depth(depth).heads(heads).mlpRatio(mlpRatio).updater(new Adam(lr)).seed(seed).build();
        }
    }

    /** A DAFormer variant of {@code --methods}: the edition, and whether the k-NN term is on. */
    static final class Variant {
        final DaFormerConfiguration.Edition edition;
        final boolean knn;

        Variant(DaFormerConfiguration.Edition edition, boolean knn) {
            this.edition = edition;
            this.knn = knn;
        }
    }

    /** The DAFormer variants by name (beside {@code er}, the registry's). */
    static final Map<String, Variant> DAFORMER = new LinkedHashMap<>();

    static {
        DAFORMER.put("daformer-s", new Variant(DaFormerConfiguration.Edition.S, true));
        DAFORMER.put("daformer-m", new Variant(DaFormerConfiguration.Edition.M, true));
        DAFORMER.put("daformer-s-noknn", new Variant(DaFormerConfiguration.Edition.S, false));
        DAFORMER.put("daformer-m-noknn", new Variant(DaFormerConfiguration.Edition.M, false));
    }

    @Mixin
    Options.DataDir data;
    @Option(names = "--config", paramLabel = "fashion|cifar100", defaultValue = "fashion",
            description = "fashion: Split-Fashion-MNIST 5 x 2 on a small ViT; cifar100: CIFAR-100 10 x 10 "
                    + "(cifar-100-binary in the data directory) on a ViT-S-like one.")
    String config;
    @Option(names = "--methods", split = ",", paramLabel = "NAME", defaultValue = "daformer-m",
            description = "Comma-separated methods: er (StrategyRegistry), daformer-s, daformer-m, daformer-s-noknn, "
                    + "daformer-m-noknn.")
    List<String> methods;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1);
    @Option(names = "--train-per-class", defaultValue = "300", description = "fashion: training images per class.")
    int trainPerClass;
    @Option(names = "--epochs", description = "Epochs per experience (default 1).")
    Integer epochs;
    @Option(names = "--batch", description = "Minibatch size (default: fashion 64, cifar100 128).")
    Integer batch;
    @Option(names = "--lr", description = "Adam learning rate (default 1e-3).")
    Double lr;
    @Option(names = "--memory", description = "DAFormer's memory and ER's buffer (default: fashion 500, cifar100 "
            + "2000).")
    Integer memory;
    @Option(names = "--patch", description = "ViT patch size (default: fashion 7, cifar100 4).")
    Integer patch;
    @Option(names = "--width", description = "ViT width (default: fashion 64, cifar100 384).")
    Integer width;
    @Option(names = "--depth", description = "ViT depth (default: fashion 3, cifar100 6).")
    Integer depth;
    @Option(names = "--heads", description = "ViT attention heads (default: fashion 4, cifar100 12).")
    Integer heads;
    @Option(names = "--ft-epochs", description = "Fine-tuning epochs (default: DaFormerConfiguration's).")
    Integer ftEpochs;
    @Option(names = "--ft-lr", description = "Fine-tuning learning rate (default: DaFormerConfiguration's).")
    Double ftLr;
    @Option(names = "--knn-weight", description = "Weight of the k-NN term (default: DaFormerConfiguration's).")
    Double knnWeight;
    @Option(names = "--knn-k", description = "k of the k-NN term (default: DaFormerConfiguration's).")
    Integer knnK;
    @Option(names = "--knn-t", description = "Temperature of the k-NN term (default: DaFormerConfiguration's).")
    Double knnT;
    @Option(names = "--div-weight", description = "Weight of the divergence term (default: DaFormerConfiguration's).")
    Double divWeight;
    @Option(names = "--distill", arity = "1", paramLabel = "true|false", description = "Distillation (default: "
            + "DaFormerConfiguration's).")
    Boolean distill;
    @Option(names = "--validation", description = "fashion: evaluate on the last 500 training images per class, not "
            + "the test set (model selection).")
    boolean validation;
    @Mixin
    Options.Out outOption = new Options.Out("results/daformer");
    @Mixin
    Options.Markdown markdown;
    @Mixin
    Options.Quiet quiet;
    @Mixin
    Options.NoReport report;

    @Override
    public void run() {
        if (!config.equals("fashion") && !config.equals("cifar100")) {
            throw invalid("--config", config, "fashion or cifar100");
        }
        List<String> known = new ArrayList<>(List.of("er"));
        known.addAll(DAFORMER.keySet());
        oneOf("--methods", methods, known);
        DataDirectory dir = data.resolve();
        Scenario scenario;
        Setting set;
        int memory;
        if (config.equals("fashion")) {
            int perClass = atLeast("--train-per-class", trainPerClass, 1);
            DataSet full = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN);
            DataSet train = DataSets.perClass(full, 0, perClass);
            DataSet test;
            if (validation) {
                // model selection without the test set: the last 500 training images of every class
                test = DataSets.perClass(full, 6000 - 500, 500);
                System.out.println("Evaluating on a validation split (the last 500 training images per class), "
                        + "not on the test set");
            } else {
                test = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST);
            }
            scenario = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                    .name("split-fashion-mnist").build();
            set = new Setting();
            memory = 500;
        } else {
            File trainFile = dir.require("cifar-100-binary/train.bin", CIFAR_SOURCE);
            File testFile = dir.require("cifar-100-binary/test.bin", CIFAR_SOURCE);
            scenario = new ClassIncrementalScenario.Builder().train(readCifar100(trainFile))
                    .test(readCifar100(testFile)).numExperiences(10).name("cifar100-10-10").build();
            set = Setting.cifar100();
            memory = 2000;
        }
        set.epochs = atLeast("--epochs", or(epochs, set.epochs), 1);
        set.batch = atLeast("--batch", or(batch, set.batch), 1);
        set.lr = lr != null ? lr : set.lr;
        set.patch = atLeast("--patch", or(patch, set.patch), 1);
        set.embed = atLeast("--width", or(width, set.embed), 1);
        set.depth = atLeast("--depth", or(depth, set.depth), 1);
        set.heads = atLeast("--heads", or(heads, set.heads), 1);
        DaFormerConfiguration defaults = new DaFormerConfiguration.Builder().build();
        DaFormerConfiguration conf = new DaFormerConfiguration.Builder()
                .memorySize(atLeast("--memory", or(this.memory, memory), 1))
                .fineTuneEpochs(or(ftEpochs, defaults.getFineTuneEpochs()))
                .fineTuneLearningRate(ftLr != null ? ftLr : defaults.getFineTuneLearningRate())
                .knnWeight(knnWeight != null ? knnWeight : defaults.getKnnWeight())
                .knnK(or(knnK, defaults.getKnnK()))
                .knnTemperature(knnT != null ? knnT : defaults.getKnnTemperature())
                .divergenceWeight(divWeight != null ? divWeight : defaults.getDivergenceWeight())
                .distillation(distill != null ? distill : defaults.isDistillation())
                .build();
        System.out.println("Data: " + dir + "; ViT patch " + set.patch + ", width " + set.embed + ", depth "
                + set.depth + ", heads " + set.heads + ", Adam " + set.lr + ", batch " + set.batch + ", epochs "
                + set.epochs + "; " + conf);
        File out = outOption.dir();
        ReportOutput reports = report.output();
        Map<String, List<ContinualResult>> results = new LinkedHashMap<>();
        Map<String, List<Long>> seconds = new LinkedHashMap<>();
        for (long seed : seeds.get()) {
            for (String method : methods) {
                long t0 = System.currentTimeMillis();
                ContinualResult r = runOne(method, set, conf, seed, scenario, quiet.progress());
                record(method, seed, r, t0, quiet.progress(), reports, out, results, seconds);
            }
        }
        reports.compare(out);
        String table = table(results, seconds);
        System.out.println(table);
        markdown.write(table);
    }

    private static int or(Integer value, int otherwise) {
        return value != null ? value : otherwise;
    }

    /**
     * Prints one run's summary line (and its class-IL matrix when {@code verbose}), writes the result and its
     * report under {@code out/<method>-seed<seed>} and adds it and its wall time (since {@code t0}) to the maps.
     */
    static void record(String method, long seed, ContinualResult r, long t0, boolean verbose, ReportOutput reports,
                       File out, Map<String, List<ContinualResult>> results, Map<String, List<Long>> seconds) {
        long s = (System.currentTimeMillis() - t0) / 1000;
        System.out.printf(Locale.ROOT, "%s seed %d: final class-IL %.2f %%, task-IL %.2f %%, forgetting "
                        + "%.2f, %d s%n", method, seed, 100 * r.classIncremental().finalAverageAccuracy(),
                100 * r.taskIncremental().finalAverageAccuracy(), 100 * r.classIncremental().averageForgetting(), s);
        if (verbose) {
            System.out.println(r.classIncremental());
        }
        reports.write(r, new File(out, method + "-seed" + seed));
        results.computeIfAbsent(method, k -> new ArrayList<>()).add(r);
        seconds.computeIfAbsent(method, k -> new ArrayList<>()).add(s);
    }

    /**
     * Runs one method on the scenario through the trainer.
     *
     * @param method   er, daformer-s, daformer-m, daformer-s-noknn or daformer-m-noknn
     * @param set      the ViT and the trainer's budget
     * @param conf     the DAFormer recipe (its memory size is ER's buffer too)
     * @param seed     the seed (network, trainer)
     * @param scenario the scenario
     * @param progress print progress lines
     * @return the result
     */
    static ContinualResult runOne(String method, Setting set, DaFormerConfiguration conf, long seed,
                                  Scenario scenario, boolean progress) {
        ContinualConfiguration.Builder cc = new ContinualConfiguration.Builder().epochsPerExperience(set.epochs)
                .batchSize(set.batch).evalBatchSize(set.evalBatch).seed(seed).progress(progress);
        if (method.equals("er")) {
            int first = scenario.trainStream().get(0).classArray().length;
            cc.headPolicy(HeadPolicy.EXPANDING).plugins(StrategyRegistry.plugins("er",
                    new StrategyRegistry.Params(StrategyRegistry.Protocol.DEFAULT).buffer(conf.getMemorySize())
                            .batch(set.batch)).toArray(new PluginConfiguration[0]));
            return ContinualTrainer.wrap(set.vit(first, seed), cc.build()).fit(scenario);
        }
        Variant variant = DAFORMER.get(method);
        if (variant == null) {
            throw new IllegalArgumentException("Unknown method '" + method + "': expected er, "
                    + String.join(", ", DAFORMER.keySet()));
        }
        DaFormerConfiguration.Builder b = conf.toBuilder().edition(variant.edition);
        if (!variant.knn) {
            b.knnWeight(0);
        }
        cc.headPolicy(HeadPolicy.FIXED).plugin(b.build());
        return ContinualTrainer.wrap(set.vit(scenario.numClasses(), seed), cc.build()).fit(scenario);
    }

    /**
     * @param results results per method
     * @param seconds wall time per run
     * @return markdown table: final class-IL, task-IL, average incremental accuracy, forgetting, time
     */
    static String table(Map<String, List<ContinualResult>> results, Map<String, List<Long>> seconds) {
        StringBuilder sb = new StringBuilder();
        sb.append("| method | seeds | final class-IL % | final task-IL % | avg incremental class-IL % | "
                + "forgetting % | time per run (s) |\n|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<ContinualResult>> e : results.entrySet()) {
            List<ContinualResult> rs = e.getValue();
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s | %s | %s |%n", e.getKey(), rs.size(),
                    SplitMnistExample.meanStd(rs.stream().mapToDouble(r -> 100 * r.classIncremental()
                            .finalAverageAccuracy()).toArray()),
                    SplitMnistExample.meanStd(rs.stream().mapToDouble(r -> 100 * r.taskIncremental()
                            .finalAverageAccuracy()).toArray()),
                    SplitMnistExample.meanStd(rs.stream().mapToDouble(r -> 100 * r.classIncremental()
                            .averageIncrementalAccuracy()).toArray()),
                    SplitMnistExample.meanStd(rs.stream().mapToDouble(r -> 100 * r.classIncremental()
                            .averageForgetting()).toArray()),
                    SplitMnistExample.meanStd(seconds.get(e.getKey()).stream().mapToDouble(Long::doubleValue)
                            .toArray())));
        }
        return sb.toString();
    }

    /**
     * Reads a CIFAR-100 binary file: records of 1 coarse-label byte, 1 fine-label byte and 3072 pixel bytes
     * (red, green, blue planes of 32×32, row-major).
     *
     * @param f train.bin or test.bin
     * @return features [n, 3072] in [0, 1] (channels-first) and one-hot fine labels [n, 100]
     */
    static DataSet readCifar100(File f) {
        long len = f.length();
        if (len % 3074 != 0) {
            throw new IllegalArgumentException(f + " is not a CIFAR-100 binary file: its length " + len
                    + " is not a multiple of 3074 bytes");
        }
        int n = (int) (len / 3074);
        float[] x = new float[n * 3072];
        float[] y = new float[n * 100];
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(new FileInputStream(f)))) {
            byte[] rec = new byte[3074];
            for (int i = 0; i < n; i++) {
                in.readFully(rec);
                y[i * 100 + (rec[1] & 0xff)] = 1f;
                for (int k = 0; k < 3072; k++) {
                    x[i * 3072 + k] = (rec[k + 2] & 0xff) / 255f;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new DataSet(Nd4j.create(x, new long[]{n, 3072}), Nd4j.create(y, new long[]{n, 100}));
    }
}
