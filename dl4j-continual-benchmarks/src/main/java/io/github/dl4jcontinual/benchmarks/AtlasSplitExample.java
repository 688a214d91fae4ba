package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.zoo.atlas.AtlasConfiguration;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.WordPieceTokenizer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code atlas --stream split-fashion|split-mnist} mode: ATLAS on Split-Fashion-MNIST (the real class names) or
 * Split-MNIST (the digit names), 5 tasks of 2 classes in natural order, every task an image-text matching task
 * (pick the right "a photo of a {name}." caption among the task's 2 classes). Task-incremental: ATLAS needs the
 * task id at test time (it selects the task's queries and candidates), so the accuracies are task-IL.
 *
 * <p>Protocol (the {@code prompts} command's where it applies, fixed before the runs): the first
 * {@code --train-per-class} (200) training images per class, the full test set, a budget of 3 epochs per task:
 * ATLAS 1 stage-1 + 2 stage-2 epochs (the first task has no stage 1 and gets 3 epochs of stage 2, the learner's
 * budget rule), sequential fine-tuning of one adapter set 3 epochs; batch 32 and the other
 * {@link AtlasConfiguration} defaults; {@code --weighting whole|dimension} picks the adapters' gates (whole by
 * default; ATLAS rows of a dimension run are named {@code atlas (dimension)}). Frozen towers as in the
 * upstream mode: all-MiniLM-L6-v2, and the prompts example's CNN aligned with the digit-name captions on the UCI
 * optical digits ({@code --align-epochs} 5), which has seen none of the stream's images. Methods: {@code atlas}
 * (per-task queries), {@code atlas-shared} (one query per adapter, re-learned by later tasks, as released) and
 * {@code sequential} ({@link AtlasConfiguration.Method#SEQUENTIAL}) and {@code zero-shot} (the frozen towers with no
 * adapter and no training, {@code adapters(false)} with every experience untrained: image embedding against the
 * task's caption embeddings). The seed changes the
 * alignment, the initialisations and the minibatch order.
 */
final class AtlasSplitExample {
    /** The accepted values of {@code --stream}; the first is the upstream/downstream measurement. */
    static final List<String> STREAMS = List.of("upstream", "split-fashion", "split-mnist");
    /** The accepted values of {@code --methods} in the split modes. */
    static final List<String> METHODS = List.of("zero-shot", "atlas", "atlas-shared", "sequential");
    /** Options of the upstream/downstream measurement only. */
    static final List<String> UPSTREAM_ONLY = List.of("down-stage1", "down-stage2", "omniglot-classes",
            "omniglot-train", "skip-upstream-baselines");
    /** Options of the split modes only. */
    static final List<String> SPLIT_ONLY = List.of("methods", "out");

    private AtlasSplitExample() {
    }

    /**
     * The value of {@code --stream} (default {@code upstream}), checked together with the options that only one
     * mode accepts.
     *
     * @throws IllegalArgumentException for an unknown stream, or an option of the other mode
     */
    static String stream(AtlasExample a) {
        String s = a.stream;
        if (!STREAMS.contains(s)) {
            throw a.invalid("--stream", s, "one of " + String.join(", ", STREAMS));
        }
        for (String o : s.equals("upstream") ? SPLIT_ONLY : UPSTREAM_ONLY) {
            if (a.given("--" + o)) {
                throw new picocli.CommandLine.ParameterException(a.spec.commandLine(), "--" + o
                        + " does not apply to --stream " + s);
            }
        }
        return s;
    }

    /**
     * The methods of {@code --methods} (default all), checked.
     *
     * @throws picocli.CommandLine.ParameterException for an unknown or repeated method, or none
     */
    static List<String> methods(AtlasExample a) {
        List<String> m = a.methods != null ? a.methods : METHODS;
        if (m.isEmpty()) {
            throw a.invalid("--methods", "", "at least one of " + METHODS);
        }
        for (String x : m) {
            if (!METHODS.contains(x) || m.indexOf(x) != m.lastIndexOf(x)) {
                throw a.invalid("--methods", x, "distinct values among " + String.join(", ", METHODS));
            }
        }
        return m;
    }

    /**
     * Runs the split mode {@code stream} and prints / writes its table.
     *
     * @return per method (in the order of {@code --methods}), the task-IL accuracy matrix of every seed
     */
    static Map<String, List<AccuracyMatrix>> run(AtlasExample a, String stream) {
        List<String> methods = methods(a);
        DataDirectory dir = a.data.resolve();
        int perClass = a.atLeast("--train-per-class", a.trainPerClass != null ? a.trainPerClass : 200, 1);
        int testPerClass = a.atLeast("--test-per-class", a.testPerClass, 0);
        int s1 = a.atLeast("--stage1", a.stage1 != null ? a.stage1 : 1, 0);
        int s2 = a.atLeast("--stage2", a.stage2 != null ? a.stage2 : 2, 0);
        int alignEpochs = a.atLeast("--align-epochs", a.alignEpochs, 1);
        AtlasConfiguration.Weighting weighting = a.weighting;
        boolean quiet = !a.quietOption.progress();
        boolean fashion = stream.equals("split-fashion");
        File out = new File(a.out.out != null ? a.out.out : "results/atlas-" + stream);
        DataSet train = DataSets.perClass(fashion ? IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN)
                : IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN), 0, perClass);
        DataSet test = fashion ? IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST)
                : IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        if (testPerClass > 0) {
            test = DataSets.perClass(test, 0, testPerClass);
        }
        List<String> names = fashion ? AltaExample.FASHION : AltaExample.DIGITS;
        DataSet digits = AtlasExample.sklearnDigits(dir);
        BertTextEncoder encoder = BertTextEncoder.allMiniLmL6V2();
        Map<String, List<AccuracyMatrix>> results = new LinkedHashMap<>();
        Map<String, List<Double>> seconds = new LinkedHashMap<>();
        StringBuilder matrices = new StringBuilder();
        AtlasConfiguration shown = null;
        int[][] groups = new int[5][];
        for (int k = 0; k < 5; k++) {
            groups[k] = new int[]{2 * k, 2 * k + 1};
        }
        Scenario scenario = AtlasExample.scenario(train, test, groups, stream);
        try (WordPieceTokenizer tokenizer = WordPieceTokenizer.allMiniLmL6V2()) {
            INDArray digitText = AtlasExample.digitCaptions(encoder, tokenizer);
            Map<Integer, String> classNames = new LinkedHashMap<>();
            for (int c = 0; c < 10; c++) {
                classNames.put(c, names.get(c));
            }
            AtlasConfiguration texts = new AtlasConfiguration.Builder()
                    .classTexts(encoder, tokenizer, classNames, "a photo of a %s.").build();
            for (long seed : a.seeds.get()) {
                MultiLayerNetwork tower = AtlasExample.alignedTower(digits, digitText, alignEpochs, seed);
                AtlasConfiguration atlas = texts.toBuilder().stage1Epochs(s1).stage2Epochs(s2).weighting(weighting)
                        .build();
                for (String m : methods) {
                    AtlasConfiguration conf = m.equals("atlas") ? atlas
                            : m.equals("atlas-shared") ? atlas.toBuilder().queryPerTask(false).build()
                            : m.equals("zero-shot") ? atlas.toBuilder().adapters(false).untrained(0, 1, 2, 3, 4).build()
                            : atlas.toBuilder().method(AtlasConfiguration.Method.SEQUENTIAL).stage1Epochs(0)
                            .stage2Epochs(s1 + s2).build();
                    String label = weighting == AtlasConfiguration.Weighting.DIMENSION && m.startsWith("atlas")
                            ? m + " (dimension)" : m;
                    if (shown == null) {
                        shown = atlas;
                        System.out.println(atlas);
                    }
                    long t0 = System.currentTimeMillis();
                    AccuracyMatrix r = AtlasExample.fit(tower, 10, conf, scenario, seed, quiet);
                    double sec = (System.currentTimeMillis() - t0) / 1000.0;
                    results.computeIfAbsent(label, k -> new ArrayList<>()).add(r);
                    seconds.computeIfAbsent(label, k -> new ArrayList<>()).add(sec);
                    String line = String.format(Locale.ROOT, "%s %s seed %d: final task-IL %.2f %%, forgetting "
                                    + "%.2f, %.0f s%n%s", stream, label, seed, 100 * r.finalAverageAccuracy(),
                            100 * r.averageForgetting(), sec, r.toCsv());
                    System.out.print(line);
                    matrices.append(line);
                    write(new File(out, label.replace(" (dimension)", "-dimension") + "-seed" + seed + ".csv"),
                            r.toCsv());
                }
            }
        }
        String table = table(stream, results, seconds);
        System.out.println(table);
        a.markdown.write(table + "\n```\n" + matrices + "```\n");
        return results;
    }

    /** The markdown table: final average task-IL accuracy and forgetting (in %) per method over the seeds. */
    static String table(String stream, Map<String, List<AccuracyMatrix>> results, Map<String, List<Double>> seconds) {
        StringBuilder sb = new StringBuilder("| stream | method | seeds | final task-IL % | forgetting % | "
                + "final per seed | time per run (s) |\n|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<AccuracyMatrix>> e : results.entrySet()) {
            double[] acc = e.getValue().stream().mapToDouble(r -> 100 * r.finalAverageAccuracy()).toArray();
            double[] fgt = e.getValue().stream().mapToDouble(r -> 100 * r.averageForgetting()).toArray();
            double[] sec = seconds.get(e.getKey()).stream().mapToDouble(Double::doubleValue).toArray();
            StringBuilder each = new StringBuilder();
            for (double x : acc) {
                each.append(each.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", x));
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s |%n", stream, e.getKey(),
                    acc.length, SplitMnistExample.meanStd(acc), SplitMnistExample.meanStd(fgt), each,
                    SplitMnistExample.meanStd(sec)));
        }
        return sb.toString();
    }

    private static void write(File f, String text) {
        try {
            Files.createDirectories(f.getParentFile().toPath());
            Files.write(f.toPath(), text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
