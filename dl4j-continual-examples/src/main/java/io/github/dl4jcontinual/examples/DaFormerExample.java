package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.daformer.DaFormerConfiguration;
import io.github.dl4jcontinual.zoo.daformer.DaFormerLearner;
import io.github.dl4jcontinual.zoo.transformer.DaFormer;
import io.github.dl4jcontinual.zoo.transformer.Vit;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

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
 * DAFormer (S and M) against the same ViT trained with plain experience replay, class-incremental.
 *
 * <ul>
 *   <li>{@code daformer [--config fashion]}: Split-Fashion-MNIST, 5 experiences of 2 classes (natural order),
 *   a CPU-sized ViT (patch 7 → 16 tokens, width 64, depth 3 = 2 shared blocks + the dual block, 4 heads, MLP
 *   ratio 2), {@code --train-per-class} training images per class (default 300; the full test set), Adam 1e-3,
 *   batch 64, 1 epoch per task, 500 exemplars, 10 epochs of balanced fine-tuning at 1e-3 (chosen on
 *   {@code --validation}, a split of the training set, never on the test set). Methods ({@code --methods}): {@code er} (the ViT of
 *   {@link Vit} with the core trainer, an expanding head and core's ER plugin with the same budget),
 *   {@code daformer-s}, {@code daformer-m}, {@code daformer-s-noknn}, {@code daformer-m-noknn} (the KNN
 *   ablation). Prints a markdown table of final class-IL accuracy (mean ± std over {@code --seeds}).</li>
 *   <li>{@code daformer --config cifar100}: the paper's CIFAR-100 10-10 architecture (32×32×3, patch 4, width
 *   384, depth 6, 12 heads, MLP ratio 4, 2000 exemplars, batch 128), meant for a GPU backend; it needs the
 *   CIFAR-100 binary files in {@code <data-dir>/cifar-100-binary/} and otherwise throws core's
 *   {@code MissingDataFileException} naming the file, where to put it and where to get it.</li>
 * </ul>
 */
public final class DaFormerExample {
    static final String CIFAR_SOURCE = "https://www.cs.toronto.edu/~kriz/cifar-100-binary.tar.gz (unpack it there: "
            + "the archive's folder cifar-100-binary/ holds train.bin and test.bin)";

    private DaFormerExample() {
    }

    /**
     * @param argv options, see {@code --help}
     */
    public static void run(String[] argv) {
        Args a = new Args(argv, "data-dir", "config", "methods", "seeds", "train-per-class", "epochs", "batch", "lr",
                "memory", "patch", "width", "depth", "heads", "ft-epochs", "ft-lr", "knn-weight", "knn-k", "knn-t", "div-weight",
                "distill", "validation", "out", "markdown",
                "quiet");
        if (a.has("help")) {
            System.out.println("daformer [--data-dir DIR] [--config fashion|cifar100] "
                    + "[--methods er,daformer-s,daformer-m,daformer-s-noknn,daformer-m-noknn] [--seeds 1] "
                    + "[--train-per-class 300] [--epochs 1] [--batch 64] [--lr 1e-3] [--memory 500] [--patch 7] "
                    + "[--width 64] [--depth 3] [--heads 4] [--ft-epochs 10] [--ft-lr 1e-3] [--knn-weight 1] [--knn-k 5] "
                    + "[--knn-t 0.1] [--div-weight 0.1] [--distill true] "
                    + "[--validation] [--out results/daformer] [--markdown FILE] [--quiet]");
            return;
        }
        DataDirectory dir = DataDirectory.resolve(a.get("data-dir", null));
        String config = a.get("config", "fashion");
        Scenario scenario;
        DaFormerConfiguration.Builder base;
        if (config.equals("fashion")) {
            int perClass = a.getInt("train-per-class", 300);
            DataSet full = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN);
            DataSet train = perClass(full, 0, perClass);
            DataSet test;
            if (a.has("validation")) {
                // model selection without the test set: the last 500 training images of every class
                test = perClass(full, 6000 - 500, 500);
                System.out.println("Evaluating on a validation split (the last 500 training images per class), "
                        + "not on the test set");
            } else {
                test = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST);
            }
            scenario = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                    .name("split-fashion-mnist").build();
            base = new DaFormerConfiguration.Builder();
        } else if (config.equals("cifar100")) {
            File trainFile = dir.require("cifar-100-binary/train.bin", CIFAR_SOURCE);
            File testFile = dir.require("cifar-100-binary/test.bin", CIFAR_SOURCE);
            scenario = new ClassIncrementalScenario.Builder().train(readCifar100(trainFile))
                    .test(readCifar100(testFile)).numExperiences(10).name("cifar100-10-10").build();
            base = DaFormerConfiguration.cifar100();
        } else {
            throw new IllegalArgumentException("--config should be fashion or cifar100 (got: " + config + ")");
        }
        DaFormerConfiguration defaults = base.build();
        DaFormerConfiguration.Builder b = defaults.toBuilder()
                .epochs(a.getInt("epochs", defaults.getEpochs())).batchSize(a.getInt("batch", defaults.getBatchSize()))
                .learningRate(a.getDouble("lr", defaults.getLearningRate()))
                .memorySize(a.getInt("memory", defaults.getMemorySize()))
                .patchSize(a.getInt("patch", defaults.getPatchSize())).embedDim(a.getInt("width", defaults.getEmbedDim()))
                .depth(a.getInt("depth", defaults.getDepth())).heads(a.getInt("heads", defaults.getHeads()))
                .fineTuneEpochs(a.getInt("ft-epochs", defaults.getFineTuneEpochs()))
                .knnWeight(a.getDouble("knn-weight", defaults.getKnnWeight()))
                .knnK(a.getInt("knn-k", defaults.getKnnK()))
                .knnTemperature(a.getDouble("knn-t", defaults.getKnnTemperature()))
                .fineTuneLearningRate(a.getDouble("ft-lr", defaults.getFineTuneLearningRate()))
                .divergenceWeight(a.getDouble("div-weight", defaults.getDivergenceWeight()))
                .distillation(Boolean.parseBoolean(a.get("distill", String.valueOf(defaults.isDistillation()))));
        DaFormerConfiguration conf = b.build();
        System.out.println("Data: " + dir + "; configuration: " + conf.toJson().replaceAll("\\s+", " "));
        File out = new File(a.get("out", "results/daformer"));
        ReportOutput reports = new ReportOutput(a);
        Map<String, List<ContinualResult>> results = new LinkedHashMap<>();
        Map<String, List<Long>> seconds = new LinkedHashMap<>();
        for (long seed : a.getLongs("seeds", "1")) {
            for (String method : a.getList("methods", "daformer-m")) {
                long t0 = System.currentTimeMillis();
                ContinualResult r = runOne(method, conf.toBuilder().seed(seed).build(), scenario, !a.has("quiet"));
                record(method, seed, r, t0, !a.has("quiet"), reports, out, results, seconds);
            }
        }
        reports.compare(out);
        String table = table(results, seconds);
        System.out.println(table);
        a.writeIfGiven("markdown", table);
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
     * Runs one method on the scenario.
     *
     * @param method   er, daformer-s, daformer-m, daformer-s-noknn or daformer-m-noknn
     * @param conf     the DAFormer configuration (its architecture, budget and schedule are used for ER too)
     * @param scenario the scenario
     * @param progress print progress lines
     * @return the result
     */
    static ContinualResult runOne(String method, DaFormerConfiguration conf, Scenario scenario, boolean progress) {
        switch (method) {
            case "er":
                return er(conf, scenario, progress);
            case "daformer-s":
            case "daformer-m":
            case "daformer-s-noknn":
            case "daformer-m-noknn":
                DaFormerConfiguration.Builder b = conf.toBuilder().edition(method.startsWith("daformer-s")
                        ? DaFormer.Edition.S : DaFormer.Edition.M);
                if (method.endsWith("-noknn")) {
                    b.knnWeight(0);
                }
                return new DaFormerLearner(b.build()).progress(progress ? System.out : null).fit(scenario);
            default:
                throw new IllegalArgumentException("Unknown method '" + method + "': expected er, daformer-s, "
                        + "daformer-m, daformer-s-noknn or daformer-m-noknn");
        }
    }

    /** The same ViT (depth blocks, mean pooling, linear head) with core's trainer and ER plugin. */
    private static ContinualResult er(DaFormerConfiguration conf, Scenario scenario, boolean progress) {
        int first = scenario.trainStream().get(0).classArray().length;
        ComputationGraph vit = new Vit.Builder(first).image(conf.getImageHeight(), conf.getImageWidth(),
                        conf.getChannels()).patchSize(conf.getPatchSize()).embedDim(conf.getEmbedDim())
                .depth(conf.getDepth()).heads(conf.getHeads()).mlpRatio(conf.getMlpRatio())
                .updater(new Adam(conf.getLearningRate())).seed(conf.getSeed()).build();
        ContinualConfiguration cc = new ContinualConfiguration.Builder().epochsPerExperience(conf.getEpochs())
                .batchSize(conf.getBatchSize()).evalBatchSize(conf.getEvalBatchSize()).seed(conf.getSeed())
                .headPolicy(HeadPolicy.EXPANDING).progress(progress)
                .plugin(new ExperienceReplay.Builder().bufferSize(conf.getMemorySize())
                        .replayBatch(conf.getBatchSize()).build())
                .build();
        return ContinualTrainer.wrap(vit, cc).fit(scenario);
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
     * @param ds       a labelled set (one-hot)
     * @param skip     examples of each class skipped first (file order)
     * @param perClass examples kept per class after those
     * @return the subset
     */
    static DataSet perClass(DataSet ds, int skip, int perClass) {
        if (perClass <= 0) {
            throw new IllegalArgumentException("--train-per-class should be > 0 (got: " + perClass + ")");
        }
        INDArray cls = ds.getLabels().argMax(1);
        int numClasses = (int) ds.getLabels().size(1);
        int[] count = new int[numClasses];
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < ds.numExamples(); i++) {
            int c = cls.getInt(i);
            if (count[c] >= skip && count[c] < skip + perClass) {
                keep.add(i);
            }
            count[c]++;
        }
        INDArray idx = Nd4j.createFromArray(keep.stream().mapToInt(Integer::intValue).toArray());
        return new DataSet(ds.getFeatures().get(idx), ds.getLabels().get(idx));
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
