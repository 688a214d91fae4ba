package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.eval.CumulativeRetrieval;
import io.github.dl4jcontinual.eval.RetrievalMatrix;
import io.github.dl4jcontinual.zoo.ctp.CachedTextFeatures;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.replay.selection.KMeansSelection;
import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.zoo.ctp.CtpPlugin;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.zoo.ctp.CtpConfiguration;
import io.github.dl4jcontinual.zoo.ctp.CtpResults;
import io.github.dl4jcontinual.zoo.ctp.PairCsvLoader;
import io.github.dl4jcontinual.zoo.ctp.PairScenarios;
import io.github.dl4jcontinual.zoo.ctp.PairStream;
import io.github.dl4jcontinual.zoo.ctp.TemplatedPairStream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.WordPieceTokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Vision-language continual pretraining ({@code ctp} command): CTP and the VL baselines of docs/ctp.md §5 on a
 * domain stream of image–caption pairs, evaluated by image→text / text→image R@1/5/10 per domain after every
 * experience. By default the stream is {@link TemplatedPairStream} (real MNIST / Fashion-MNIST images, templated
 * captions); {@code --stream omniglot} takes four Omniglot alphabets as domains instead
 * ({@link TemplatedPairStream#omniglot}); {@code --pairs DIR} reads {@code DIR/train.csv} and {@code DIR/test.csv} instead
 * ({@link PairCsvLoader}, images resized to {@code --image-size}). Text: the pretrained all-MiniLM-L6-v2 (frozen,
 * cached per caption; {@code --text-trainable-layers} other than 0 is refused: the plugin does not train MiniLM's
 * top layers yet) + trainable adapter and projection; image: an MLP tower trained from scratch, or with
 * {@code --image-pretrain omniglot} whose hidden layer starts from a character classifier pre-trained on Omniglot
 * ({@link OmniglotPretraining}, once per seed, its held-out accuracy printed and written to
 * {@code omniglot-pretrain.csv}). Prints a
 * markdown table (mean ± sd over seeds) and writes each run's retrieval matrix as CSV under {@code --out}.
 */
@Command(name = "ctp", description = "Vision-language continual pretraining: CTP and the VL baselines on a domain "
        + "stream of image-caption pairs, image->text / text->image R@1/5/10 per domain after every experience.")
public final class CtpExample extends Options.Command {
    /** The values of {@code --stream}. */
    enum Stream {
        MNIST_FASHION, OMNIGLOT
    }

    /** The values of {@code --image-pretrain}. */
    enum Pretrain {
        NONE, OMNIGLOT
    }

    @Mixin
    Options.DataDir data = new Options.DataDir();
    @Option(names = "--pairs", paramLabel = "DIR", description = "Read DIR/train.csv and DIR/test.csv (PairCsvLoader) "
            + "instead of a templated stream.")
    String pairs;
    @Option(names = "--image-size", description = "With --pairs: images resized to this size.")
    int imageSize = 28;
    @Option(names = "--methods", split = ",", paramLabel = "NAME", description = "Comma-separated methods, or all: "
            + "seqf, joint, ewc, mas, rwalk, lwf, er, mof, kmeans, icarl, lucir, ctp, ctp_er ('-' reads as '_').")
    List<String> methods = List.of("all");
    @Option(names = "--stream", paramLabel = "mnist-fashion|omniglot", description = "The templated stream: "
            + "mnist-fashion (MNIST / Fashion-MNIST images) or omniglot (four alphabets as domains).")
    Stream stream = Stream.MNIST_FASHION;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1, 2, 3);
    @Option(names = "--train-per-domain", description = "mnist-fashion: training pairs per domain.")
    int trainPerDomain = 1000;
    @Option(names = "--test-per-domain", description = "mnist-fashion: test pairs per domain.")
    int testPerDomain = 300;
    @Option(names = "--train-drawings", description = "omniglot: training drawings per character.")
    int trainDrawings = 15;
    @Option(names = "--epochs", description = "Epochs per domain.")
    int epochs = 5;
    @Option(names = "--batch", description = "Minibatch size (and the importance batch of ewc, mas, rwalk).")
    int batch = 32;
    @Option(names = "--memory", description = "Replay memory of the rehearsal methods.")
    int memory = 200;
    @Option(names = "--queue", description = "CTP's feature queue size.")
    int queue = 1024;
    @Option(names = "--ctp-weights", split = ",", paramLabel = "W", description = "CTP's 5 loss weights "
            + "ita,cmc,md,tpx,tps.")
    List<Double> weights = List.of(1.0, 1.0, 1.0, 1.0, 1.0);
    @Option(names = "--text-trainable-layers", description = "Top MiniLM layers trained in the graph; only 0 (MiniLM "
            + "frozen) is supported by the plugin.")
    int textTrainableLayers;
    @Option(names = "--image-pretrain", paramLabel = "none|omniglot", description = "none: image tower from scratch; "
            + "omniglot: its hidden layer from a character classifier pre-trained on Omniglot.")
    Pretrain pretrain = Pretrain.NONE;
    @Mixin
    Options.Out outOption = new Options.Out("results/ctp");
    @Mixin
    Options.Markdown markdown = new Options.Markdown();
    @Mixin
    Options.Quiet quietOption = new Options.Quiet();

    @Override
    public void run() {
        if (weights.size() != 5) {
            throw invalid("--ctp-weights", weights.stream().map(String::valueOf).collect(
                    java.util.stream.Collectors.joining(",")), "5 comma-separated weights ita,cmc,md,tpx,tps");
        }
        PairStream stream;
        if (pairs != null) {
            if (given("--stream")) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--stream and --pairs exclude "
                        + "each other (got both: --stream " + this.stream.name().toLowerCase(Locale.ROOT)
                        .replace('_', '-') + ", --pairs " + pairs + ")");
            }
            int s = atLeast("--image-size", imageSize, 1);
            stream = new PairCsvLoader(s, s).readStream(Paths.get(pairs));
        } else if (this.stream == Stream.OMNIGLOT) {
            stream = TemplatedPairStream.omniglot(data.resolve(), atLeast("--train-drawings", trainDrawings, 1));
        } else {
            stream = TemplatedPairStream.load(data.resolve(), atLeast("--train-per-domain", trainPerDomain, 1),
                    atLeast("--test-per-domain", testPerDomain, 1));
        }
        List<String> ms = new ArrayList<>();
        for (String m : methods.size() == 1 && methods.get(0).equals("all") ? METHODS : methods) {
            String k = m.toLowerCase(Locale.ROOT).replace('-', '_');
            if (!METHODS.contains(k)) {
                throw invalid("--methods", m, "all or comma-separated names among " + String.join(", ", METHODS));
            }
            ms.add(k);
        }
        if (textTrainableLayers != 0) {
            throw invalid("--text-trainable-layers", textTrainableLayers, "0 (frozen MiniLM): the partly trainable "
                    + "MiniLM tower ran on the removed CtpLearner and is not ported to the plugin yet");
        }
        File out = outOption.dir();
        if (!out.isDirectory() && !out.mkdirs()) {
            throw new IllegalStateException("cannot create " + out);
        }
        boolean quiet = !quietOption.progress();
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        BertTextEncoder encoder = BertTextEncoder.allMiniLmL6V2();
        try (WordPieceTokenizer tokenizer = WordPieceTokenizer.allMiniLmL6V2()) {
            Scenario pairs = PairScenarios.of(stream, new CachedTextFeatures(encoder, tokenizer));
            int pixels = (int) stream.train(0).images().size(1);
            StringBuilder pretrainCsv = new StringBuilder("seed,omniglot_train_accuracy,omniglot_heldout_accuracy,seconds\n");
            for (long seed : seeds.get()) {
                OmniglotPretraining.Result tower = null;
                if (pretrain == Pretrain.OMNIGLOT) {
                    long p0 = System.currentTimeMillis();
                    tower = OmniglotPretraining.pretrain(data.resolve(), seed);
                    double ps = (System.currentTimeMillis() - p0) / 1000.0;
                    System.out.printf(Locale.ROOT, "omniglot pre-training seed %d: held-out accuracy %.2f %% "
                            + "(train %.2f %%), %.0f s%n", seed, 100 * tower.heldOutAccuracy,
                            100 * tower.trainAccuracy, ps);
                    pretrainCsv.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.1f%n", seed, tower.trainAccuracy,
                            tower.heldOutAccuracy, ps));
                    write(new File(out, "omniglot-pretrain.csv"), pretrainCsv.toString());
                }
                for (String m : ms) {
                    long t0 = System.currentTimeMillis();
                    ContinualConfiguration conf = trainer(m, seed);
                    ComputationGraph net = tower != null ? tower.net.toComputationGraph() : imageNetwork(pixels, seed);
                    ContinualTrainer<ComputationGraph> trainer = ContinualTrainer.wrap(net, conf);
                    if (quiet) {
                        trainer.setProgressStream(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                    }
                    ContinualResult result = trainer.fit(pairs);
                    RetrievalMatrix r = CtpResults.retrieval(result);
                    double secs = (System.currentTimeMillis() - t0) / 1000.0;
                    int last = r.rows() - 1;
                    CumulativeRetrieval cum = CtpResults.cumulative(result);
                    double[] row = new double[FIRST_DOMAIN + stream.size()];
                    row[0] = r.finalMeanRecall();
                    double tr1 = 0;
                    double ir1 = 0;
                    for (int j = 0; j < stream.size(); j++) {
                        tr1 += r.cell(last, j)[0] / stream.size();
                        ir1 += r.cell(last, j)[3] / stream.size();
                        row[FIRST_DOMAIN + j] = r.meanRecall(last, j);
                    }
                    row[1] = tr1;
                    row[2] = ir1;
                    // joint trains once, after the last domain: its earlier rows are the untrained model, so it
                    // has no forgetting or backward transfer ("–" in the table)
                    boolean joint = m.equals("joint");
                    row[3] = joint ? Double.NaN : r.forgetting();
                    row[4] = joint ? Double.NaN : r.backwardTransfer();
                    row[5] = secs;
                    row[6] = joint ? Double.NaN : cum.backwardTransfer();
                    rows.computeIfAbsent(m, k -> new ArrayList<>()).add(row);
                    String file = m + "-seed" + seed;
                    write(new File(out, file + ".csv"), r.toCsv());
                    write(new File(out, file + "-cumulative.csv"), cum.toCsv());
                    System.out.printf(Locale.ROOT, "%s seed %d: final R_m %.2f %%, forgetting %.2f, BWT %.2f, %.0f s%n%s%s",
                            m, seed, 100 * row[0], 100 * row[3], 100 * row[4], secs, r, cum);
                    BenchmarksMain.releaseMemory();
                }
            }
        }
        String table = table(rows, stream.names());
        System.out.println(table);
        markdown.write(table);
    }

    /** The methods of the command, on the trainer: the CTP plugin (plain = SeqF) with core's plugins. */
    static final List<String> METHODS = List.of("seqf", "joint", "ewc", "mas", "rwalk", "lwf", "er", "mof", "kmeans",
            "icarl", "lucir", "ctp", "ctp_er");

    /** k-means iterations of the {@code kmeans} memory (the removed CtpLearner's default). */
    static final int KMEANS_ITERATIONS = 100;

    /** The image network of docs/ctp.md §3, built with DL4J's builders: pixels → 256 ReLU (→ a head CTP drops). */
    static ComputationGraph imageNetwork(int pixels, long seed) {
        ComputationGraph g = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(seed).graphBuilder()
                .addInputs("img")
                .addLayer("img_fc", new DenseLayer.Builder().nIn(pixels).nOut(256).activation(Activation.RELU)
                        .weightInit(WeightInit.UNIFORM).build(), "img")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(256).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "img_fc")
                .setOutputs("out").build());
        g.init();
        return g;
    }

    /** The trainer configuration of one method (docs/ctp.md §4–5). */
    ContinualConfiguration trainer(String method, long seed) {
        boolean ctp = method.startsWith("ctp");
        CtpConfiguration.Builder c = new CtpConfiguration.Builder().queueSize(queue);
        if (ctp) {
            c.weights(weights.get(0), weights.get(1), weights.get(2), weights.get(3), weights.get(4));
        } else {
            c.plain();
        }
        // the removed CtpLearner's weights (1) for LwF (lwf, icarl) and LUCIR's feature distillation (lucir)
        if (method.equals("lwf") || method.equals("icarl")) {
            c.lwf(1);
        }
        if (method.equals("lucir")) {
            c.cosineProjections(true).featureDistillation(1);
        }
        List<PluginConfiguration> plugins = new ArrayList<>();
        // core's strategies (StrategyRegistry, CTP protocol): joint (no training until the last experience, then once
        // on the union of all domains) before the CTP plugin; ewc, mas, rwalk (importance from minibatch gradients
        // at the training batch size, as the removed CtpLearner did: the contrastive loss has no per-example form)
        // and er after it
        StrategyRegistry.Params core = new StrategyRegistry.Params(StrategyRegistry.Protocol.CTP).batch(batch)
                .buffer(memory).replayBatch(replayBatch(batch, memory));
        if (method.equals("joint")) {
            plugins.addAll(StrategyRegistry.plugins("joint", core));
        }
        plugins.add(c.build());
        switch (method) {
            case "ewc":
            case "mas":
            case "rwalk":
            case "er":
                plugins.addAll(StrategyRegistry.plugins(method, core));
                break;
            case "ctp_er":
                plugins.addAll(StrategyRegistry.plugins("er", core));
                break;
            case "mof":
            case "icarl":
            case "lucir":
            case "kmeans":
                // exemplars chosen at the end of each domain on the image projection's features (herding on the
                // L2-normalised ones; k-means++ on the raw ones), an equal share per domain, replayed like ER
                SelectionPolicy sel = method.equals("kmeans")
                        ? new KMeansSelection(CtpPlugin.IMG_PROJ, KMEANS_ITERATIONS, true)
                        : new HerdingSelection(CtpPlugin.IMG_PROJ, true);
                plugins.add(new ExperienceReplay.Builder().buffer(new BufferConfiguration.Builder()
                        .type(BufferConfiguration.Type.EXPERIENCE_BALANCED).capacity(memory).selection(sel).build())
                        .replayBatch(replayBatch(batch, memory)).build());
                break;
            default:
                break;
        }
        return new ContinualConfiguration.Builder().epochsPerExperience(epochs).batchSize(batch)
                .seed(seed).progress(false).plugins(plugins.toArray(new PluginConfiguration[0])).build();
    }

    /** About the share of memory in a minibatch of the old protocol (memory appended to 1000 pairs). */
    private static int replayBatch(int batch, int memory) {
        return Math.max(1, Math.round(batch * memory / 1000f));
    }

    private static void write(File f, String text) {
        try {
            Files.write(f.toPath(), text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Index of the first per-domain value in a result row. */
    static final int FIRST_DOMAIN = 7;

    /**
     * Markdown table: mean ± sd over seeds of the final metrics, in percent. A row holds final R_m, TR@1, IR@1,
     * forgetting, BWT, seconds, eval.py's BWT, then the final R_m per domain from {@link #FIRST_DOMAIN}.
     */
    static String table(Map<String, List<double[]>> rows, List<String> domains) {
        StringBuilder sb = new StringBuilder("| method | seeds | final R_m % | final TR@1 % | final IR@1 % | forgetting | BWT |"
                + " BWT (eval.py) |");
        for (String d : domains) {
            sb.append(" R_m ").append(d).append(" |");
        }
        sb.append(" time (s) |\n|---|---|---|---|---|---|---|---|");
        sb.append("---|".repeat(domains.size())).append("---|\n");
        for (Map.Entry<String, List<double[]>> e : rows.entrySet()) {
            List<double[]> rs = e.getValue();
            sb.append("| ").append(e.getKey()).append(" | ").append(rs.size()).append(" |");
            int[] base = {0, 1, 2, 3, 4, 6};
            for (int c : base) {
                sb.append(' ').append(meanSd(rs, c, 100)).append(" |");
            }
            for (int j = 0; j < domains.size(); j++) {
                sb.append(' ').append(meanSd(rs, FIRST_DOMAIN + j, 100)).append(" |");
            }
            sb.append(' ').append(meanSd(rs, 5, 1)).append(" |\n");
        }
        return sb.toString();
    }

    private static String meanSd(List<double[]> rs, int c, double scale) {
        double s = 0;
        int n = 0;
        for (double[] r : rs) {
            if (!Double.isNaN(r[c])) {
                s += r[c] * scale;
                n++;
            }
        }
        if (n == 0) {
            return "–";
        }
        double mean = s / n;
        double v = 0;
        for (double[] r : rs) {
            if (!Double.isNaN(r[c])) {
                v += Math.pow(r[c] * scale - mean, 2);
            }
        }
        return String.format(Locale.ROOT, "%.2f ± %.2f", mean, n > 1 ? Math.sqrt(v / (n - 1)) : 0);
    }
}
