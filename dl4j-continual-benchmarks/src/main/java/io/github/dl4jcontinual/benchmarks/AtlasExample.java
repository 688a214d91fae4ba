package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.data.OmniglotDatasets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.multihead.MultiHeadSoftmaxCrossEntropy;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.zoo.atlas.AtlasConfiguration;
import io.github.dl4jcontinual.zoo.atlas.AtlasHeadLayer;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.WordPieceTokenizer;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.zip.GZIPInputStream;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The ATLAS measurement of issue 10 ({@code atlas} command), on the continual trainer with the ATLAS plugin
 * ({@link AtlasConfiguration}): upstream generalisation and forgetting on real images with real class names.
 *
 * <p>Frozen towers: all-MiniLM-L6-v2 (text; its embeddings of the class captions are the image-text tasks'
 * constants) and the prompts example's CNN with a projection into MiniLM's space, aligned with the embeddings of
 * "a photo of a zero." ... "a photo of a nine." on the UCI optical digits of scikit-learn (1 797 images, 8×8
 * upsampled bilinearly to 20×20 and centred in 28×28; {@code --align-epochs} epochs, Adam 1e-3, scale 30; the
 * alignment head is an {@link AtlasHeadLayer} with one matching task): a stand-in for a pretrained image-text model,
 * trained on none of the stream's images. The user's network for the trainer is that tower with a fresh output
 * layer; ATLAS puts its sites after the CNN's dense layer and after the projection.
 *
 * <p>Upstream stream (task-incremental, mixed modalities, {@code --train-per-class} training images per class,
 * the full test sets of the task's classes): MNIST 0–4 as image-text matching with the digit names, MNIST 5–9
 * image-only, Fashion-MNIST 0–4 image-only, Fashion-MNIST 5–9 image-text matching with the real class names; the
 * downstream task ({@code --omniglot-classes} Omniglot characters, image-only, {@code --omniglot-train} drawings
 * each for training and the other 20 − k for testing) is the fifth experience, with {@code --down-stage1} +
 * {@code --down-stage2} epochs.
 *
 * <p>Compared: (1) downstream accuracy of ATLAS after the upstream stream against adapters trained from the original
 * towers (a run on the downstream task alone, down-stage1 + down-stage2 epochs of stage 2: the same number of
 * steps); (2) upstream forgetting of ATLAS against sequential fine-tuning of one adapter set (stage1 + stage2 epochs
 * per task, per-task heads) and ATLAS with shared (re-learned) queries as released. Controls: the downstream head
 * alone on the frozen towers ({@code adapters(false)}), and ATLAS on the downstream task after an upstream stream
 * whose experiences added their adapters, queries, keys and heads untrained. {@code --skip-upstream-baselines}
 * leaves out (2)'s sequential and shared-queries runs; {@code --weighting whole|dimension} picks the gates. The seed
 * changes the alignment, the initialisations, the minibatch order and the Omniglot characters.
 *
 * <p>{@code --stream split-fashion|split-mnist} runs ATLAS on Split-Fashion-MNIST / Split-MNIST with the class names
 * instead ({@link AtlasSplitExample}); the default {@code --stream upstream} is the measurement above.
 */
@Command(name = "atlas", description = "ATLAS: the upstream/downstream measurement (default), or with --stream "
        + "split-fashion|split-mnist the Split comparisons against sequential fine-tuning and the zero-shot towers.")
public final class AtlasExample extends Options.Command {
    @Mixin
    Options.DataDir data = new Options.DataDir();
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1, 2, 3);
    @Option(names = "--stream", paramLabel = "upstream|split-fashion|split-mnist", description = "upstream: the "
            + "upstream/downstream measurement; split-fashion, split-mnist: the split modes.")
    String stream = "upstream";
    @Option(names = "--train-per-class", description = "Training images per class (default: upstream 100, split "
            + "200).")
    Integer trainPerClass;
    @Option(names = "--test-per-class", description = "Test images per class, 0 = the full test set.")
    int testPerClass;
    @Option(names = "--align-epochs", description = "Epochs of the image tower's alignment.")
    int alignEpochs = 5;
    @Option(names = "--stage1", description = "ATLAS stage-1 epochs (default: upstream 2, split 1).")
    Integer stage1;
    @Option(names = "--stage2", description = "ATLAS stage-2 epochs (default: upstream 3, split 2).")
    Integer stage2;
    @Option(names = "--weighting", paramLabel = "whole|dimension", description = "The adapters' gates: whole or "
            + "dimension.")
    AtlasConfiguration.Weighting weighting = AtlasConfiguration.Weighting.WHOLE;
    @Option(names = "--down-stage1", description = "upstream: stage-1 epochs of the downstream task.")
    int downStage1 = 10;
    @Option(names = "--down-stage2", description = "upstream: stage-2 epochs of the downstream task.")
    int downStage2 = 10;
    @Option(names = "--omniglot-classes", description = "upstream: Omniglot classes of the downstream task.")
    int omniglotClasses = 20;
    @Option(names = "--omniglot-train", description = "upstream: training drawings per Omniglot class.")
    int omniglotTrain = 5;
    @Option(names = "--skip-upstream-baselines", description = "upstream: skip the sequential and shared-query "
            + "baselines.")
    boolean skipUpstreamBaselines;
    @Option(names = "--methods", split = ",", paramLabel = "NAME", description = "split modes: comma-separated "
            + "distinct methods among zero-shot, atlas, atlas-shared, sequential (default: all).")
    List<String> methods;
    @Mixin
    Options.Out out = new Options.Out(null);
    @Mixin
    Options.Markdown markdown = new Options.Markdown();
    @Mixin
    Options.Quiet quietOption = new Options.Quiet();

    @Override
    public void run() {
        String stream = AtlasSplitExample.stream(this);
        if (!stream.equals("upstream")) {
            AtlasSplitExample.run(this, stream);
            return;
        }
        DataDirectory dir = data.resolve();
        int perClass = atLeast("--train-per-class", trainPerClass != null ? trainPerClass : 100, 1);
        int s1 = atLeast("--stage1", stage1 != null ? stage1 : 2, 0);
        int s2 = atLeast("--stage2", stage2 != null ? stage2 : 3, 0);
        int d1 = atLeast("--down-stage1", downStage1, 0);
        int d2 = atLeast("--down-stage2", downStage2, 0);
        int omniClasses = atLeast("--omniglot-classes", omniglotClasses, 1);
        int omniTrain = atLeast("--omniglot-train", omniglotTrain, 1);
        boolean baselines = !skipUpstreamBaselines;
        boolean quiet = !quietOption.progress();
        DataSet mnistTrain = DataSets.perClass(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN), 0, perClass);
        int testPerClass = atLeast("--test-per-class", this.testPerClass, 0);
        DataSet mnistTest = IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        DataSet fashionTrain = DataSets.perClass(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN), 0, perClass);
        DataSet fashionTest = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST);
        if (testPerClass > 0) { // a smaller test set (the measurement uses all of it)
            mnistTest = DataSets.perClass(mnistTest, 0, testPerClass);
            fashionTest = DataSets.perClass(fashionTest, 0, testPerClass);
        }
        DataSet digits = sklearnDigits(dir);
        BertTextEncoder encoder = BertTextEncoder.allMiniLmL6V2();
        Map<String, List<Double>> cols = new LinkedHashMap<>();
        StringBuilder perSeed = new StringBuilder();
        try (WordPieceTokenizer tokenizer = WordPieceTokenizer.allMiniLmL6V2()) {
            INDArray digitText = digitCaptions(encoder, tokenizer);
            Map<Integer, String> names = new LinkedHashMap<>();
            for (int c = 0; c < 5; c++) {
                names.put(c, AltaExample.DIGITS.get(c));
                names.put(15 + c, AltaExample.FASHION.get(5 + c));
            }
            AtlasConfiguration texts = new AtlasConfiguration.Builder()
                    .classTexts(encoder, tokenizer, names, "a photo of a %s.").build();
            for (long seed : seeds.get()) {
                long t0 = System.currentTimeMillis();
                MultiLayerNetwork tower = alignedTower(digits, digitText, alignEpochs, seed);
                System.out.printf(Locale.ROOT, "seed %d: image tower aligned on the UCI digits in %d s (MNIST test "
                                + "accuracy through the digit-name anchors: %.2f %%)%n", seed,
                        (System.currentTimeMillis() - t0) / 1000, 100 * anchorAccuracy(tower, mnistTest));
                DataSet[] omni = OmniglotDatasets.load(dir, omniClasses, omniTrain, 28, seed);
                int width = 20 + omniClasses;
                DataSet train = DataSet.merge(List.of(relabel(mnistTrain, 0, width), relabel(fashionTrain, 10, width),
                        relabel(omni[0], 20, width)));
                DataSet test = DataSet.merge(List.of(relabel(mnistTest, 0, width), relabel(fashionTest, 10, width),
                        relabel(omni[1], 20, width)));
                int[] down = new int[omniClasses];
                Arrays.setAll(down, i -> 20 + i);
                int[][] groups = {range(0, 5), range(5, 10), range(10, 15), range(15, 20), down};
                Scenario all = scenario(train, test, groups, "mnist-fashion-omniglot");
                // the upstream stream alone (20 classes, without the Omniglot rows: a scenario refuses examples of
                // classes outside its experiences)
                Scenario upstream = scenario(DataSet.merge(List.of(relabel(mnistTrain, 0, 20),
                                relabel(fashionTrain, 10, 20))),
                        DataSet.merge(List.of(relabel(mnistTest, 0, 20), relabel(fashionTest, 10, 20))),
                        Arrays.copyOf(groups, 4), "mnist-fashion");
                Scenario downOnly = scenario(relabel(omni[0], 0, omniClasses), relabel(omni[1], 0, omniClasses),
                        new int[][]{range(0, omniClasses)}, "omniglot");
                AtlasConfiguration atlas = texts.toBuilder().stage1Epochs(s1).stage2Epochs(s2).weighting(weighting)
                        .experienceEpochs(4, d1, d2).build();
                if (seed == seeds.get()[0]) {
                    System.out.println(atlas);
                }
                // ATLAS: upstream stream, then the downstream task
                long ta = System.currentTimeMillis();
                AccuracyMatrix ra = fit(tower, width, atlas, all, seed, quiet);
                long atlasSeconds = (System.currentTimeMillis() - ta) / 1000;
                // sequential fine-tuning of one adapter set, same number of steps per task
                long tq = System.currentTimeMillis();
                AccuracyMatrix rq = baselines ? fit(tower, 20, atlas.toBuilder()
                        .method(AtlasConfiguration.Method.SEQUENTIAL).stage2Epochs(s1 + s2).build(), upstream, seed,
                        quiet) : null;
                long seqSeconds = (System.currentTimeMillis() - tq) / 1000;
                // ATLAS with one query per adapter, re-learned by every later task (as released)
                AccuracyMatrix rs = baselines ? fit(tower, 20, atlas.toBuilder().queryPerTask(false).build(),
                        upstream, seed, quiet) : null;
                // the downstream controls relabel Omniglot to 0..k-1, so they carry no class texts (the upstream
                // texts are keyed by the upstream class ids): an image-only task, as in the stream
                AtlasConfiguration downConf = new AtlasConfiguration.Builder().weighting(weighting)
                        .experienceEpochs(0, d1, d2).build();
                // control: the task head alone on the frozen towers (no adapter), same number of steps
                double downHead = fit(tower, omniClasses, downConf.toBuilder().adapters(false).build(), downOnly,
                        seed, quiet).get(0, 0);
                // control: the same adapters, queries and keys as after the upstream stream, untrained
                double downUntrained = fit(tower, width, atlas.toBuilder().untrained(0, 1, 2, 3).build(), all, seed,
                        quiet).get(4, 4);
                // adapters trained from the original towers on the downstream task, same number of steps
                double downFresh = fit(tower, omniClasses, downConf, downOnly, seed, quiet).get(0, 0);
                AccuracyMatrix up = upstreamPart(ra, 4);
                add(cols, "upstream final ATLAS", 100 * up.finalAverageAccuracy());
                add(cols, "forgetting ATLAS", 100 * up.averageForgetting());
                if (baselines) {
                    add(cols, "upstream final sequential", 100 * rq.finalAverageAccuracy());
                    add(cols, "upstream final ATLAS, shared queries", 100 * rs.finalAverageAccuracy());
                    add(cols, "forgetting ATLAS, shared queries", 100 * rs.averageForgetting());
                    add(cols, "forgetting sequential", 100 * rq.averageForgetting());
                }
                double downAtlas = ra.get(4, 4);
                add(cols, "downstream ATLAS after upstream", 100 * downAtlas);
                add(cols, "downstream adapters from original", 100 * downFresh);
                add(cols, "downstream head only (frozen towers)", 100 * downHead);
                add(cols, "downstream ATLAS after an untrained upstream", 100 * downUntrained);
                add(cols, "time ATLAS (s)", atlasSeconds);
                if (baselines) {
                    add(cols, "time sequential (s)", seqSeconds);
                }
                String line = String.format(Locale.ROOT, "seed %d: upstream final ATLAS %.2f %% / sequential "
                                + "%.2f %%; forgetting ATLAS %.2f / sequential %.2f; downstream omniglot-%d: ATLAS "
                                + "%.2f %% vs from the original %.2f %%, head only %.2f %%, after an untrained "
                                + "upstream %.2f %%%n  ATLAS matrix (task-IL, upstream + downstream):%n%s  ATLAS "
                                + "shared-queries matrix:%n%s  sequential matrix:%n%s",
                        seed, 100 * up.finalAverageAccuracy(), baselines ? 100 * rq.finalAverageAccuracy() : Double.NaN,
                        100 * up.averageForgetting(), baselines ? 100 * rq.averageForgetting() : Double.NaN,
                        omniClasses, 100 * downAtlas, 100 * downFresh, 100 * downHead, 100 * downUntrained,
                        ra.toCsv(), baselines ? rs.toCsv() : "(skipped)\n", baselines ? rq.toCsv() : "(skipped)\n");
                System.out.print(line);
                perSeed.append(line);
            }
        }
        StringBuilder table = new StringBuilder("| measure | seeds | mean ± sd | per seed |\n|---|---|---|---|\n");
        for (Map.Entry<String, List<Double>> e : cols.entrySet()) {
            double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).toArray();
            StringBuilder each = new StringBuilder();
            for (double x : v) {
                each.append(each.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", x));
            }
            table.append(String.format(Locale.ROOT, "| %s | %d | %s | %s |%n", e.getKey(), v.length,
                    SplitMnistExample.meanStd(v), each));
        }
        System.out.println(table);
        markdown.write(table + "\n```\n" + perSeed + "```\n");
    }

    /**
     * One run of the trainer with the ATLAS plugin on a copy of the aligned tower with a fresh output layer.
     *
     * @return the task-IL matrix
     */
    static AccuracyMatrix fit(MultiLayerNetwork tower, int classes, AtlasConfiguration atlas, Scenario scenario,
                              long seed, boolean quiet) {
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(32).seed(seed).progress(!quiet)
                .plugin(atlas).build();
        return ContinualTrainer.wrap(userNetwork(tower, classes, seed), conf).fit(scenario).taskIncremental();
    }

    /** Rows and columns 0..n−1 of a task-IL matrix (the upstream part of upstream + downstream). */
    static AccuracyMatrix upstreamPart(AccuracyMatrix m, int n) {
        long[][] correct = new long[n][n];
        long[] total = new long[n];
        for (int j = 0; j < n; j++) {
            total[j] = m.total(j);
            for (int i = 0; i < n; i++) {
                correct[i][j] = j > i ? -1 : Math.round(m.get(i, j) * m.total(j));
            }
        }
        return new AccuracyMatrix(correct, total, null);
    }

    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        Arrays.setAll(r, i -> from + i);
        return r;
    }

    static Scenario scenario(DataSet train, DataSet test, int[][] groups, String name) {
        return new ClassIncrementalScenario.Builder().train(train).test(test).experienceClasses(groups)
                .taskLabels(true).name(name).build();
    }

    /** Labels moved to columns [offset, offset + k) of a width-{@code width} one-hot matrix. */
    static DataSet relabel(DataSet d, int offset, int width) {
        INDArray y = Nd4j.zeros(d.getLabels().dataType(), d.numExamples(), width);
        y.get(NDArrayIndex.all(), NDArrayIndex.interval(offset, offset + d.getLabels().size(1)))
                .assign(d.getLabels());
        return new DataSet(d.getFeatures(), y);
    }

    /** MiniLM's embeddings of "a photo of a zero." ... "a photo of a nine." (the alignment anchors). */
    static INDArray digitCaptions(BertTextEncoder encoder, WordPieceTokenizer tokenizer) {
        List<String> prompts = new ArrayList<>();
        for (String d : AltaExample.DIGITS) {
            prompts.add("a photo of a " + d + ".");
        }
        return encoder.embed(tokenizer, prompts);
    }

    /** The small CNN image classifier (conv 5×5×16, max-pool, conv 5×5×32, max-pool, dense 128, 10 outputs). */
    static MultiLayerNetwork cnn(long seed) {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        return net;
    }

    /**
     * The small CNN ({@link #cnn}) with its output layer replaced by a projection into the text space (width D of the
     * anchors) and an {@link AtlasHeadLayer} matching the ten digit captions (scale 30) under a softmax loss, trained
     * on the UCI digits (Adam 1e-3, batch 64).
     */
    static MultiLayerNetwork alignedTower(DataSet digits, INDArray digitText, int epochs, long seed) {
        MultiLayerNetwork cnn = cnn(seed);
        int d = (int) digitText.size(1);
        double[][] anchors = digitText.castTo(DataType.DOUBLE).toDoubleMatrix();
        MultiLayerNetwork net = new TransferLearning.Builder(cnn)
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).seed(seed).build())
                .removeOutputLayer()
                .addLayer(new DenseLayer.Builder().nIn(128).nOut(d).activation(Activation.IDENTITY)
                        .weightInit(WeightInit.XAVIER).name("projection").build())
                .addLayer(new AtlasHeadLayer.Builder().width(d).numClasses(10).task(range(0, 10), 0, anchors).scale(30)
                        .build())
                .addLayer(new LossLayer.Builder(new MultiHeadSoftmaxCrossEntropy(new int[10]))
                        .activation(Activation.IDENTITY).build())
                .build();
        List<DataSet> list = digits.asList();
        for (int e = 0; e < epochs; e++) {
            Collections.shuffle(list, new Random(seed + e));
            net.fit(new ListDataSetIterator<>(list, 64));
        }
        return net;
    }

    /** The aligned tower's MNIST accuracy through the digit-name anchors. */
    static double anchorAccuracy(MultiLayerNetwork tower, DataSet test) {
        INDArray p = tower.output(test.getFeatures()).argMax(1);
        return p.eq(test.getLabels().argMax(1)).castTo(DataType.INT).sumNumber().doubleValue() / test.numExamples();
    }

    /** The user's network: the aligned tower (copied) up to its projection, with a new {@code classes}-way output. */
    static MultiLayerNetwork userNetwork(MultiLayerNetwork tower, int classes, long seed) {
        return new TransferLearning.Builder(tower.clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).seed(seed).build())
                .removeLayersFromOutput(2)
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(tower.getLayer(
                        tower.getnLayers() - 3).conf().getLayer() instanceof DenseLayer ? ((DenseLayer) tower.getLayer(
                        tower.getnLayers() - 3).conf().getLayer()).getNOut() : 0).nOut(classes)
                        .activation(Activation.SOFTMAX).weightInit(WeightInit.XAVIER).build())
                .build();
    }

    private static void add(Map<String, List<Double>> cols, String key, double v) {
        cols.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
    }

    /**
     * The scikit-learn copy of the UCI optical digits (8×8, values 0..16), each upsampled bilinearly to 20×20 and
     * centred in a 28×28 frame (MNIST's layout), values in [0, 1]; labels one-hot over 10 digits.
     */
    static DataSet sklearnDigits(DataDirectory dir) {
        java.io.File f = dir.require("sklearn-digits/digits.csv.gz", "Debian python3-sklearn");
        List<float[]> rows = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(new GZIPInputStream(new FileInputStream(f)),
                StandardCharsets.US_ASCII))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                String[] p = line.split(",");
                if (p.length != 65) {
                    throw new IllegalStateException(f + ": expected 65 values per line, got " + p.length);
                }
                float[] px = new float[64];
                for (int i = 0; i < 64; i++) {
                    px[i] = Float.parseFloat(p[i].trim()) / 16f;
                }
                rows.add(upsample(px));
                labels.add((int) Float.parseFloat(p[64].trim()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        INDArray x = Nd4j.create(DataType.FLOAT, rows.size(), 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, rows.size(), 10);
        for (int i = 0; i < rows.size(); i++) {
            x.putRow(i, Nd4j.createFromArray(rows.get(i)));
            y.putScalar(i, labels.get(i), 1f);
        }
        return new DataSet(x, y);
    }

    /** 8×8 → 20×20 bilinear (pixel centres aligned), placed at offset 4 of a 28×28 frame. */
    private static float[] upsample(float[] px) {
        float[] out = new float[784];
        for (int oy = 0; oy < 20; oy++) {
            double sy = Math.min(7, Math.max(0, (oy + 0.5) * 8 / 20.0 - 0.5));
            int y0 = (int) Math.floor(sy);
            int y1 = Math.min(7, y0 + 1);
            double fy = sy - y0;
            for (int ox = 0; ox < 20; ox++) {
                double sx = Math.min(7, Math.max(0, (ox + 0.5) * 8 / 20.0 - 0.5));
                int x0 = (int) Math.floor(sx);
                int x1 = Math.min(7, x0 + 1);
                double fx = sx - x0;
                double v = (1 - fy) * ((1 - fx) * px[y0 * 8 + x0] + fx * px[y0 * 8 + x1])
                        + fy * ((1 - fx) * px[y1 * 8 + x0] + fx * px[y1 * 8 + x1]);
                out[(oy + 4) * 28 + ox + 4] = (float) v;
            }
        }
        return out;
    }
}
