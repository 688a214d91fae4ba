package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.data.OmniglotDatasets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.zoo.atlas.AtlasConfiguration;
import io.github.dl4jcontinual.zoo.atlas.AtlasImageSide;
import io.github.dl4jcontinual.zoo.atlas.AtlasLearner;
import io.github.dl4jcontinual.zoo.atlas.AtlasTask;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.WordPieceTokenizer;
import io.github.dl4jcontinual.zoo.vl.AlignedImageTower;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * The ATLAS measurement of issue 10 ({@code atlas} command): upstream generalisation and forgetting on real images
 * with real class names.
 *
 * <p>Frozen towers: all-MiniLM-L6-v2 (text) and a small CNN (the prompts example's) aligned with MiniLM's
 * embeddings of "a photo of a zero." ... "a photo of a nine." on the UCI optical digits of scikit-learn (1 797
 * images, 8×8 upsampled bilinearly to 20×20 and centred in 28×28; {@code --align-epochs} epochs, Adam 1e-3, scale
 * 30): a stand-in for a pretrained image-text model, trained on none of the stream's images.
 *
 * <p>Upstream stream (task-incremental, mixed modalities, {@code --train-per-class} training images per class,
 * the full test sets of the task's classes): MNIST 0–4 as image-text matching with the digit names, MNIST 5–9
 * image-only, Fashion-MNIST 0–4 image-only, Fashion-MNIST 5–9 image-text matching with the real class names.
 * Downstream: {@code --omniglot-classes} Omniglot characters (image-only; Omniglot has no class names to match),
 * {@code --omniglot-train} drawings each for training and the other 20 − k for testing.
 *
 * <p>Compared: (1) downstream accuracy of ATLAS after the upstream stream (stage 1 for {@code --down-stage1}
 * epochs, stage 2 for {@code --down-stage2} epochs) against adapters trained from the original towers (one new
 * adapter per site, query, key and head, for down-stage1 + down-stage2 epochs: the same number of steps);
 * (2) upstream forgetting of ATLAS against sequential fine-tuning of one adapter set (same sites, epochs =
 * stage-1 + stage-2 epochs of ATLAS per task, per-task heads) and ATLAS with shared (re-learned) queries as
 * released. Controls: the downstream head alone on the frozen towers, and ATLAS on the downstream task after an
 * upstream stream whose adapters, queries and keys were added but never trained (same structure, no experience).
 * {@code --skip-upstream-baselines} leaves out (2)'s sequential and shared-queries runs (the downstream reading
 * needs neither); {@code --weighting whole|dimension} picks the adapters' gates for every learner. Everything fixed
 * before the runs; the seed changes the alignment, the initialisations, the minibatch order and the Omniglot
 * characters.
 *
 * <p>{@code --stream split-fashion|split-mnist} runs ATLAS on Split-Fashion-MNIST / Split-MNIST with the class names
 * instead ({@link AtlasSplitExample}); the default {@code --stream upstream} is the measurement above.
 */
public final class AtlasExample {
    private AtlasExample() {
    }

    /**
     * @param argv options, see {@code --help}
     */
    public static void run(String[] argv) {
        Args a = new Args(argv, "data-dir", "seeds", "train-per-class", "align-epochs", "stage1", "stage2",
                "down-stage1", "down-stage2", "omniglot-classes", "omniglot-train", "markdown", "quiet", "stream", "methods", "out", "test-per-class",
                "weighting", "skip-upstream-baselines");
        if (a.has("help")) {
            System.out.println("atlas [--data-dir DIR] [--seeds 1,2,3] [--train-per-class 100] [--align-epochs 5] "
                    + "[--stage1 2] [--stage2 3] [--down-stage1 10] [--down-stage2 10] [--omniglot-classes 20] "
                    + "[--omniglot-train 5] [--weighting whole|dimension] [--skip-upstream-baselines] [--markdown FILE] "
                    + "[--quiet]\n"
                    + "atlas --stream split-fashion|split-mnist [--data-dir DIR] [--seeds 1,2,3] "
                    + "[--methods zero-shot,atlas,atlas-shared,sequential] [--train-per-class 200] "
                    + "[--test-per-class 0 (all)] [--weighting whole|dimension] "
                    + "[--align-epochs 5] [--stage1 1] [--stage2 2] [--out results/atlas-STREAM] [--markdown FILE] "
                    + "[--quiet]");
            return;
        }
        String stream = AtlasSplitExample.stream(a);
        if (!stream.equals("upstream")) {
            AtlasSplitExample.run(a, stream);
            return;
        }
        DataDirectory dir = DataDirectory.resolve(a.get("data-dir", null));
        int perClass = a.getInt("train-per-class", 100);
        int s1 = a.getInt("stage1", 2);
        int s2 = a.getInt("stage2", 3);
        int d1 = a.getInt("down-stage1", 10);
        int d2 = a.getInt("down-stage2", 10);
        int omniClasses = a.getInt("omniglot-classes", 20);
        int omniTrain = a.getInt("omniglot-train", 5);
        AtlasConfiguration.Weighting weighting = AtlasSplitExample.weighting(a);
        boolean baselines = !a.has("skip-upstream-baselines");
        boolean quiet = a.has("quiet");
        DataSet mnistTrain = DaFormerExample.perClass(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN), 0, perClass);
        DataSet mnistTest = IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        DataSet fashionTrain = DaFormerExample.perClass(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN), 0,
                perClass);
        DataSet fashionTest = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST);
        DataSet digits = sklearnDigits(dir);
        BertTextEncoder encoder = BertTextEncoder.allMiniLmL6V2();
        Map<String, List<Double>> cols = new LinkedHashMap<>();
        StringBuilder perSeed = new StringBuilder();
        try (WordPieceTokenizer tokenizer = WordPieceTokenizer.allMiniLmL6V2()) {
            INDArray digitText = digitCaptions(encoder, tokenizer);
            for (long seed : a.getLongs("seeds", "1,2,3")) {
                long t0 = System.currentTimeMillis();
                AlignedImageTower tower = alignedTower(digits, digitText, a.getInt("align-epochs", 5), seed);
                System.out.printf(Locale.ROOT, "seed %d: image tower aligned on the UCI digits in %d s (MNIST test "
                                + "accuracy through the digit-name anchors: %.2f %%)%n", seed,
                        (System.currentTimeMillis() - t0) / 1000, 100 * tower.accuracy(mnistTest));
                AtlasImageSide side = AtlasImageSide.of(tower);
                List<AtlasTask> upstream = List.of(
                        task(tower, "mnist-0-4 (text)", AtlasTask.Kind.IMAGE_TEXT, mnistTrain, mnistTest, 0,
                                PromptsExample.DIGITS),
                        task(tower, "mnist-5-9 (image)", AtlasTask.Kind.IMAGE, mnistTrain, mnistTest, 5,
                                PromptsExample.DIGITS),
                        task(tower, "fashion-0-4 (image)", AtlasTask.Kind.IMAGE, fashionTrain, fashionTest, 0,
                                PromptsExample.FASHION),
                        task(tower, "fashion-5-9 (text)", AtlasTask.Kind.IMAGE_TEXT, fashionTrain, fashionTest, 5,
                                PromptsExample.FASHION));
                DataSet[] omni = OmniglotDatasets.load(dir, omniClasses, omniTrain, 28, seed);
                List<String> chars = new ArrayList<>();
                for (int c = 0; c < omniClasses; c++) {
                    chars.add("character " + c);
                }
                AtlasTask down = new AtlasTask("omniglot-" + omniClasses, AtlasTask.Kind.IMAGE, chars,
                        hidden(tower, omni[0]), hidden(tower, omni[1]));
                AtlasConfiguration conf = new AtlasConfiguration.Builder().stage1Epochs(s1).stage2Epochs(s2)
                        .weighting(weighting).seed(seed).build();
                if (seed == a.getLongs("seeds", "1,2,3")[0]) {
                    System.out.println(conf.toJson());
                }
                // ATLAS: upstream stream, then the downstream task
                long ta = System.currentTimeMillis();
                AtlasLearner atlas = new AtlasLearner(conf, side, encoder, tokenizer).progress(quiet ? null : System.out);
                AccuracyMatrix ra = atlas.fit(upstream);
                atlas.train(down, d1, d2);
                double downAtlas = atlas.testAccuracy(upstream.size());
                long atlasSeconds = (System.currentTimeMillis() - ta) / 1000;
                // sequential fine-tuning of one adapter set, same number of steps per task
                long tq = System.currentTimeMillis();
                AccuracyMatrix rq = baselines ? new AtlasLearner(conf.toBuilder()
                        .method(AtlasConfiguration.Method.SEQUENTIAL).stage2Epochs(s1 + s2).build(), side, encoder,
                        tokenizer).progress(quiet ? null : System.out).fit(upstream) : null;
                long seqSeconds = (System.currentTimeMillis() - tq) / 1000;
                // ATLAS with one query per adapter, re-learned by every later task (as released)
                AccuracyMatrix rs = baselines ? new AtlasLearner(conf.toBuilder().queryPerTask(false).build(), side,
                        encoder, tokenizer).progress(quiet ? null : System.out).fit(upstream) : null;
                // control: the task head alone on the frozen towers (no adapter), same number of steps
                AtlasLearner headOnly = new AtlasLearner(conf.toBuilder().hiddenImageSite(false)
                        .embeddingImageSite(false).build(), side, encoder, tokenizer);
                headOnly.train(down, 0, d1 + d2);
                double downHead = headOnly.testAccuracy(0);
                // control: the same number of adapters, queries and keys as after the upstream stream, untrained
                AtlasLearner untrained = new AtlasLearner(conf, side, encoder, tokenizer);
                for (AtlasTask u : upstream) {
                    untrained.addUntrained(u);
                }
                untrained.train(down, d1, d2);
                double downUntrained = untrained.testAccuracy(upstream.size());
                // adapters trained from the original towers on the downstream task, same number of steps
                AtlasLearner fresh = new AtlasLearner(conf, side, encoder, tokenizer).progress(quiet ? null : System.out);
                fresh.train(down, 0, d1 + d2);
                double downFresh = fresh.testAccuracy(0);
                add(cols, "upstream final ATLAS", 100 * ra.finalAverageAccuracy());
                add(cols, "forgetting ATLAS", 100 * ra.averageForgetting());
                if (baselines) {
                    add(cols, "upstream final sequential", 100 * rq.finalAverageAccuracy());
                    add(cols, "upstream final ATLAS, shared queries", 100 * rs.finalAverageAccuracy());
                    add(cols, "forgetting ATLAS, shared queries", 100 * rs.averageForgetting());
                    add(cols, "forgetting sequential", 100 * rq.averageForgetting());
                }
                add(cols, "downstream ATLAS after upstream", 100 * downAtlas);
                add(cols, "downstream adapters from original", 100 * downFresh);
                add(cols, "downstream head only (frozen towers)", 100 * downHead);
                add(cols, "downstream ATLAS after an untrained upstream", 100 * downUntrained);
                add(cols, "time ATLAS (s)", atlasSeconds);
                if (baselines) {
                    add(cols, "time sequential (s)", seqSeconds);
                }
                String line = String.format(Locale.ROOT, "seed %d: upstream final ATLAS %.2f %% / sequential "
                                + "%.2f %%; forgetting ATLAS %.2f / sequential %.2f; downstream %s: ATLAS %.2f %% vs "
                                + "from the original %.2f %%, head only %.2f %%, after an untrained upstream %.2f %%%n"
                                + "  ATLAS matrix:%n%s  ATLAS shared-queries matrix:%n%s  sequential matrix:%n%s",
                        seed, 100 * ra.finalAverageAccuracy(), baselines ? 100 * rq.finalAverageAccuracy() : Double.NaN,
                        100 * ra.averageForgetting(), baselines ? 100 * rq.averageForgetting() : Double.NaN,
                        down.name(), 100 * downAtlas, 100 * downFresh, 100 * downHead, 100 * downUntrained,
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
        a.writeIfGiven("markdown", table + "\n```\n" + perSeed + "```\n");
    }

    /** MiniLM's embeddings of "a photo of a zero." ... "a photo of a nine." (the alignment anchors). */
    static INDArray digitCaptions(BertTextEncoder encoder, WordPieceTokenizer tokenizer) {
        List<String> prompts = new ArrayList<>();
        for (String d : PromptsExample.DIGITS) {
            prompts.add("a photo of a " + d + ".");
        }
        return encoder.embed(tokenizer, prompts);
    }

    /** The prompts example's CNN aligned with the digit captions on the UCI digits (Adam 1e-3, scale 30). */
    static AlignedImageTower alignedTower(DataSet digits, INDArray digitText, int epochs, long seed) {
        return new AlignedImageTower.Builder(PromptsExample.cnn(seed), digitText).scale(30).epochs(epochs)
                .batchSize(64).seed(seed).align(digits);
    }

    private static void add(Map<String, List<Double>> cols, String key, double v) {
        cols.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
    }

    private static DataSet hidden(AlignedImageTower tower, DataSet images) {
        return new DataSet(AtlasImageSide.hidden(tower, images.getFeatures()), images.getLabels());
    }

    /** The task of classes [from, from + 5) of a 10-class set, relabelled 0..4, on the tower's hidden features. */
    private static AtlasTask task(AlignedImageTower tower, String name, AtlasTask.Kind kind, DataSet train,
                                  DataSet test, int from, List<String> names) {
        return new AtlasTask(name, kind, names.subList(from, from + 5), hidden(tower, classes(train, from, 5)),
                hidden(tower, classes(test, from, 5)));
    }

    /** The examples of classes [from, from + count), labels relabelled 0..count − 1. */
    static DataSet classes(DataSet d, int from, int count) {
        INDArray y = d.getLabels().argMax(1);
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < d.numExamples(); i++) {
            int c = y.getInt(i);
            if (c >= from && c < from + count) {
                keep.add(i);
            }
        }
        int[] idx = keep.stream().mapToInt(Integer::intValue).toArray();
        return new DataSet(d.getFeatures().getRows(idx),
                d.getLabels().getRows(idx).get(NDArrayIndex.all(), NDArrayIndex.interval(from, from + count)).dup());
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
