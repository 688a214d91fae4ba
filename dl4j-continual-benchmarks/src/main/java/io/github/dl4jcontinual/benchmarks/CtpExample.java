package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.eval.CumulativeRetrieval;
import io.github.dl4jcontinual.eval.RetrievalMatrix;
import io.github.dl4jcontinual.zoo.ctp.CachedTextFeatures;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
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
public final class CtpExample {
    private CtpExample() {
    }

    /**
     * @param argv options, see {@code --help}
     */
    public static void run(String[] argv) {
        Args a = new Args(argv, "data-dir", "pairs", "image-size", "methods", "seeds", "train-per-domain",
                "test-per-domain", "epochs", "batch", "memory", "queue", "ctp-weights", "text-trainable-layers", "out",
                "markdown", "quiet", "image-pretrain", "stream", "train-drawings");
        if (a.has("help")) {
            System.out.println("ctp [--data-dir DIR | --pairs DIR [--image-size 28]] [--methods ctp,seqf,er,...|all] "
                    + "[--stream mnist-fashion|omniglot (default mnist-fashion)] "
                    + "[--seeds 1,2,3] [--train-per-domain 1000] [--test-per-domain 300] "
                    + "[--train-drawings 15 (omniglot: training drawings per character)] [--epochs 5] [--batch 32] "
                    + "[--memory 200] [--queue 1024] [--ctp-weights ita,cmc,md,tpx,tps (default 1,1,1,1,1)] "
                    + "[--text-trainable-layers 0 (top MiniLM layers trained in the graph; 0: MiniLM frozen)] "
                    + "[--image-pretrain none|omniglot] [--out results/ctp] [--markdown FILE] [--quiet]");
            return;
        }
        List<String> w = a.getList("ctp-weights", "1,1,1,1,1");
        if (w.size() != 5) {
            throw new IllegalArgumentException("--ctp-weights needs 5 comma-separated weights ita,cmc,md,tpx,tps (got: "
                    + w + ")");
        }
        String pretrain = a.get("image-pretrain", "none");
        if (!pretrain.equals("none") && !pretrain.equals("omniglot")) {
            throw new IllegalArgumentException("--image-pretrain should be none or omniglot (got: " + pretrain + ")");
        }
        String streamName = a.get("stream", "mnist-fashion");
        if (!streamName.equals("mnist-fashion") && !streamName.equals("omniglot")) {
            throw new IllegalArgumentException("--stream should be mnist-fashion or omniglot (got: " + streamName + ")");
        }
        PairStream stream;
        if (a.has("pairs")) {
            if (a.has("stream")) {
                throw new IllegalArgumentException("--stream and --pairs exclude each other (got both: --stream "
                        + streamName + ", --pairs " + a.get("pairs", null) + ")");
            }
            int s = a.getInt("image-size", 28);
            stream = new PairCsvLoader(s, s).readStream(Paths.get(a.get("pairs", null)));
        } else if (streamName.equals("omniglot")) {
            stream = TemplatedPairStream.omniglot(DataDirectory.resolve(a.get("data-dir", null)),
                    a.getInt("train-drawings", 15));
        } else {
            stream = TemplatedPairStream.load(DataDirectory.resolve(a.get("data-dir", null)),
                    a.getInt("train-per-domain", 1000), a.getInt("test-per-domain", 300));
        }
        List<String> methods = a.getList("methods", "all");
        List<String> ms = new ArrayList<>();
        for (String m : methods.size() == 1 && methods.get(0).equals("all") ? METHODS : methods) {
            String k = m.toLowerCase(Locale.ROOT).replace('-', '_');
            if (!METHODS.contains(k)) {
                throw new IllegalArgumentException("--methods: " + m + " is not one of " + METHODS);
            }
            ms.add(k);
        }
        if (a.getInt("text-trainable-layers", 0) != 0) {
            throw new IllegalArgumentException("--text-trainable-layers: the partly trainable MiniLM tower ran on the "
                    + "removed CtpLearner and is not ported to the plugin yet; use 0 (frozen MiniLM)");
        }
        File out = new File(a.get("out", "results/ctp"));
        if (!out.isDirectory() && !out.mkdirs()) {
            throw new IllegalStateException("cannot create " + out);
        }
        boolean quiet = a.has("quiet");
        Map<String, List<double[]>> rows = new LinkedHashMap<>();
        BertTextEncoder encoder = BertTextEncoder.allMiniLmL6V2();
        try (WordPieceTokenizer tokenizer = WordPieceTokenizer.allMiniLmL6V2()) {
            Scenario pairs = PairScenarios.of(stream, new CachedTextFeatures(encoder, tokenizer));
            int pixels = (int) stream.train(0).images().size(1);
            StringBuilder pretrainCsv = new StringBuilder("seed,omniglot_train_accuracy,omniglot_heldout_accuracy,seconds\n");
            for (long seed : a.getLongs("seeds", "1,2,3")) {
                OmniglotPretraining.Result tower = null;
                if (pretrain.equals("omniglot")) {
                    long p0 = System.currentTimeMillis();
                    tower = OmniglotPretraining.pretrain(DataDirectory.resolve(a.get("data-dir", null)), seed);
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
                    ContinualConfiguration conf = trainer(m, seed, a, w);
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
        a.writeIfGiven("markdown", table);
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
    static ContinualConfiguration trainer(String method, long seed, Args a, List<String> w) {
        boolean ctp = method.startsWith("ctp");
        CtpConfiguration.Builder c = new CtpConfiguration.Builder().queueSize(a.getInt("queue", 1024));
        if (ctp) {
            c.weights(Double.parseDouble(w.get(0)), Double.parseDouble(w.get(1)), Double.parseDouble(w.get(2)),
                    Double.parseDouble(w.get(3)), Double.parseDouble(w.get(4)));
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
        if (method.equals("joint")) {
            // core's Joint baseline: no training until the last experience, then once on the union of all domains
            plugins.add(new JointTraining());
        }
        plugins.add(c.build());
        int memory = a.getInt("memory", 200);
        int batch = a.getInt("batch", 32);
        // importance from minibatch gradients at the training batch size (as the removed CtpLearner did): the
        // contrastive loss has no per-example form
        switch (method) {
            case "ewc":
                plugins.add(new RegularizationConfiguration.Builder(RegularizationMethod.EWC).lambda(5000)
                        .importanceBatchSize(batch).build());
                break;
            case "mas":
                plugins.add(new RegularizationConfiguration.Builder(RegularizationMethod.MAS).lambda(1)
                        .importanceBatchSize(batch).build());
                break;
            case "rwalk":
                plugins.add(new RegularizationConfiguration.Builder(RegularizationMethod.RWALK).lambda(1000)
                        .importanceBatchSize(batch).build());
                break;
            case "er":
            case "ctp_er":
                // about the share of memory in a minibatch of the old protocol (memory appended to 1000 pairs)
                plugins.add(new ExperienceReplay.Builder().bufferSize(memory)
                        .replayBatch(replayBatch(batch, memory)).build());
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
        return new ContinualConfiguration.Builder().epochsPerExperience(a.getInt("epochs", 5)).batchSize(batch)
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
