package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.l2p.L2pConfiguration;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.WordPieceTokenizer;
import io.github.dl4jcontinual.zoo.transformer.Vit;
import io.github.dl4jcontinual.zoo.vl.AlignedImageTower;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.transferlearning.FineTuneConfiguration;
import org.deeplearning4j.nn.transferlearning.TransferLearning;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Prompt-based continual learners against experience replay on Split-Fashion-MNIST (5 × 2 classes, natural order),
 * class-IL ({@code prompts} command): ALTA and its ablations with the real class names as text and the pretrained
 * all-MiniLM-L6-v2 text tower, and L2P on a ViT.
 *
 * <p>No pretrained image-text model exists offline, so the image tower is "pre-trained" first: a small CNN
 * (conv 5×5×16, max-pool, conv 5×5×32, max-pool, dense 128) is aligned with MiniLM's embeddings of the ten digit
 * names ("a photo of a zero." ...) on {@code --align-per-class} MNIST training images per digit ({@code
 * --align-epochs} epochs of Adam 1e-3, scale {@code --scale}); it never sees Fashion-MNIST. ALTA and its ablations
 * then learn on the frozen tower's features; ER trains the same CNN, initialised from the same MNIST-aligned
 * weights with a new softmax head (expanding), end to end on the images with core's ER plugin and the same buffer
 * size, batch, epochs, Adam 1e-3. L2P ({@code l2p}) uses the zoo ViT (patch 7 → 16 tokens, width 64, depth 3, 4
 * heads, MLP ratio 2) pre-trained as a plain classifier on the same MNIST images ({@code --align-epochs} epochs,
 * Adam 1e-3), frozen, with a pool of 10 prompts of length 5, 5 selected, Adam {@code --l2p-lr}. Prints a markdown
 * table over {@code --seeds} (the seed changes the pre-training, the initialisation and the order of minibatches).
 * {@code --dataset mnist} swaps the roles: Split-MNIST with the digit names as text, the towers aligned /
 * pre-trained on Fashion-MNIST images with its class names.
 *
 * <p>{@code --tower vit} aligns the zoo ViT instead of the CNN for ALTA and its ablations: the L2P backbone (the
 * ViT pre-trained as a plain classifier as above) whose output layer is then replaced by the projection and the
 * frozen text anchors and aligned like the CNN ({@code --align-epochs}). ER and {@code joint} need the CNN.
 * Non-continual references ({@code alta-joint}, {@code joint}): the ALTA head trained on the union of the five
 * experiences as one experience (same epochs per image, optimiser, schedule and buffer; a 1 × 1 accuracy matrix),
 * and the CNN fine-tuned with core's {@code JointTraining} plugin (untrained until the last experience, then
 * {@code --epochs} epochs on the union; only the final row is meaningful).
 */
public final class PromptsExample {
    static final List<String> FASHION = List.of("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal",
            "shirt", "sneaker", "bag", "ankle boot");
    static final List<String> DIGITS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine");

    private PromptsExample() {
    }

    /**
     * @param argv options, see {@code --help}
     */
    public static void run(String[] argv) {
        Args a = new Args(argv, "data-dir", "methods", "seeds", "train-per-class", "align-per-class", "align-epochs",
                "epochs", "batch", "lr", "schedule", "memory", "scale", "class-il", "l2p-lr", "l2p-frequency", "dataset",
                "tower", "out", "markdown", "quiet");
        if (a.has("help")) {
            System.out.println("prompts [--data-dir DIR] [--dataset fashion|mnist] [--tower cnn|vit] "
                    + "[--methods er,alta,mlp,resmlp,cprompt,sprompt,l2p,alta-joint,joint] [--seeds 1,2,3] "
                    + "[--train-per-class 200] [--align-per-class 500] [--align-epochs 3] [--epochs 3] [--batch 32] "
                    + "[--lr 0.01] [--schedule cosine|constant|as-released] [--memory 200] [--scale 30] "
                    + "[--class-il all|seen] [--l2p-lr 0.01] [--l2p-frequency] [--out results/prompts] [--markdown FILE] [--quiet]");
            return;
        }
        DataDirectory dir = DataDirectory.resolve(a.get("data-dir", null));
        int perClass = a.getInt("train-per-class", 200);
        String dataset = a.get("dataset", "fashion");
        if (!dataset.equals("fashion") && !dataset.equals("mnist")) {
            throw new IllegalArgumentException("--dataset should be fashion or mnist (got: " + dataset + ")");
        }
        boolean fashion = dataset.equals("fashion");
        String towerKind = a.get("tower", "cnn");
        if (!towerKind.equals("cnn") && !towerKind.equals("vit")) {
            throw new IllegalArgumentException("--tower should be cnn or vit (got: " + towerKind + ")");
        }
        List<String> methods = a.getList("methods", "er,alta,mlp,resmlp,cprompt");
        for (String m : methods) {
            if (towerKind.equals("vit") && (m.equals("er") || m.equals("joint"))) {
                throw new IllegalArgumentException("--methods " + m + " fine-tunes the CNN tower end to end; "
                        + "it needs --tower cnn (got --tower vit)");
            }
        }
        // the stream's dataset, and the other one for the alignment / pre-training
        DataSet train = DaFormerExample.perClass(load(dir, fashion, IdxDatasets.Split.TRAIN), 0, perClass);
        DataSet test = load(dir, fashion, IdxDatasets.Split.TEST);
        DataSet align = DaFormerExample.perClass(load(dir, !fashion, IdxDatasets.Split.TRAIN), 0,
                a.getInt("align-per-class", 500));
        List<String> streamNames = fashion ? FASHION : DIGITS;
        List<String> alignNames = fashion ? DIGITS : FASHION;
        double scale = a.getDouble("scale", 30);
        int epochs = a.getInt("epochs", 3);
        int batch = a.getInt("batch", 32);
        int memory = a.getInt("memory", 200);
        int alignEpochs = a.getInt("align-epochs", 3);
        BertTextEncoder encoder = BertTextEncoder.allMiniLmL6V2();
        File out = new File(a.get("out", "results/prompts"));
        ReportOutput reports = new ReportOutput(a);
        Map<String, List<ContinualResult>> results = new LinkedHashMap<>();
        Map<String, List<Long>> seconds = new LinkedHashMap<>();
        try (WordPieceTokenizer tokenizer = WordPieceTokenizer.allMiniLmL6V2()) {
            List<String> alignPrompts = new ArrayList<>();
            for (String d : alignNames) {
                alignPrompts.add("a photo of a " + d + ".");
            }
            INDArray alignText = encoder.embed(tokenizer, alignPrompts);
            for (long seed : a.getLongs("seeds", "1,2,3")) {
                long t0 = System.currentTimeMillis();
                AlignedImageTower.Builder towerBuilder = towerKind.equals("vit")
                        ? new AlignedImageTower.Builder(pretrainedVit(align, alignEpochs, seed), alignText)
                        : new AlignedImageTower.Builder(cnn(seed), alignText);
                AlignedImageTower tower = towerBuilder.scale(scale).epochs(alignEpochs).batchSize(64).seed(seed)
                        .align(align);
                System.out.printf(Locale.ROOT, "seed %d: %s image tower aligned on %s class names in %d s "
                                + "(test accuracy there through the text anchors: %.2f %%)%n", seed, towerKind,
                        fashion ? "MNIST" : "Fashion-MNIST", (System.currentTimeMillis() - t0) / 1000,
                        100 * tower.accuracy(load(dir, !fashion, IdxDatasets.Split.TEST)));
                Scenario images = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                        .name(fashion ? "split-fashion-mnist" : "split-mnist").build();
                DataSet trainFeatures = new DataSet(tower.embed(train.getFeatures()), train.getLabels());
                DataSet testFeatures = new DataSet(tower.embed(test.getFeatures()), test.getLabels());
                Scenario features = new ClassIncrementalScenario.Builder().train(trainFeatures).test(testFeatures)
                        .numExperiences(5).name(fashion ? "split-fashion-mnist-features" : "split-mnist-features")
                        .build();
                for (String method : methods) {
                    long ts = System.currentTimeMillis();
                    ContinualResult r;
                    if (method.equals("er") || method.equals("joint")) {
                        // joint: core's JointTraining plugin (trains once, at the last experience, on the union)
                        r = er(tower, images, epochs, batch, seed, !a.has("quiet"), method.equals("er")
                                ? new ExperienceReplay.Builder().bufferSize(memory).replayBatch(batch).build()
                                : new JointTraining());
                    } else if (method.equals("l2p")) {
                        // L2P as a plugin of the trainer on the pre-trained zoo ViT (L2pExample)
                        r = L2pExample.run(pretrainedVit(align, alignEpochs, seed), images, epochs, batch,
                                a.getDouble("l2p-lr", 0.01), a.has("l2p-frequency"), seed, !a.has("quiet"));
                    } else {
                        // ALTA and its ablations run as a trainer plugin in the alta command (AltaExample)
                        throw new IllegalArgumentException("--methods " + method + " is not a prompts method any "
                                + "more: ALTA and its ablations moved to `bin/examples alta` (AltaExample)");
                    }
                    DaFormerExample.record(method, seed, r, ts, false, reports, out, results, seconds);
                }
            }
        }
        reports.compare(out);
        String table = DaFormerExample.table(results, seconds);
        System.out.println(table);
        a.writeIfGiven("markdown", table);
    }

    private static DataSet load(DataDirectory dir, boolean fashion, IdxDatasets.Split split) {
        return fashion ? IdxDatasets.fashionMnist(dir, split) : IdxDatasets.mnist(dir, split);
    }

    /** The small CNN image classifier (10 outputs; its output layer is replaced by the alignment). */
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

    /** The zoo ViT trained as a plain 10-way classifier on the alignment images (the L2P backbone). */
    static ComputationGraph pretrainedVit(DataSet data, int epochs, long seed) {
        ComputationGraph vit = new Vit.Builder(10).image(28, 28, 1).patchSize(7).embedDim(64).depth(3).heads(4)
                .mlpRatio(2).updater(new Adam(1e-3)).seed(seed).build();
        List<DataSet> list = data.asList();
        for (int e = 0; e < epochs; e++) {
            java.util.Collections.shuffle(list, new java.util.Random(seed + e));
            vit.fit(new ListDataSetIterator<>(list, 64));
        }
        return vit;
    }

    /**
     * The aligned CNN's backbone with a new softmax head (expanding), fine-tuned end to end on the images with Adam
     * 1e-3 and one plugin: core's ER ({@code er}) or core's joint baseline ({@code joint}).
     */
    private static ContinualResult er(AlignedImageTower tower, Scenario images, int epochs, int batch, long seed,
                                      boolean progress, PluginConfiguration plugin) {
        int n = tower.network().getnLayers();
        MultiLayerNetwork net = new TransferLearning.Builder(tower.network().clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).seed(seed).build())
                .removeLayersFromOutput(2)
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(
                        tower.network().getLayer(n - 2).getParam("W").size(0)).nOut(
                        images.trainStream().get(0).classArray().length).activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER).build())
                .build();
        Nd4j.getRandom().setSeed(seed);
        ContinualConfiguration cc = new ContinualConfiguration.Builder().epochsPerExperience(epochs).batchSize(batch)
                .evalBatchSize(1000).seed(seed).headPolicy(HeadPolicy.EXPANDING).progress(progress)
                .plugin(plugin).build();
        return ContinualTrainer.wrap(net, cc).fit(images);
    }
}
