package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.cil.CosineOutputLayer;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.alta.AltaConfiguration;
import io.github.dl4jcontinual.zoo.alta.AltaHead;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.WordPieceTokenizer;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.api.Model;
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
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * ALTA and its ablations against experience replay on Split-Fashion-MNIST (5 × 2 classes, natural order), class-IL
 * ({@code alta} command; the ALTA part of what was the {@code prompts} command), all through the
 * {@link ContinualTrainer} with the {@link AltaConfiguration} plugin.
 *
 * <p>No pretrained image-text model exists offline, so the image tower is "pre-trained" first, with DL4J alone: a
 * small CNN (conv 5×5×16, max-pool, conv 5×5×32, max-pool, dense 128, dense 384 identity = the text projection)
 * ending in core's {@link CosineOutputLayer} whose class vectors are MiniLM's embeddings of the ten digit names
 * ("a photo of a zero." ...), frozen (put back after every update), scale {@code --scale}, trained on {@code --align-per-class}
 * MNIST training images per digit ({@code --align-epochs} epochs of Adam 1e-3, batch 64); it never sees
 * Fashion-MNIST. For ALTA the cosine layer is then replaced by an ordinary output layer over the 384-d features and
 * the network is handed to the trainer: the plugin replaces that output layer by its head (no projection: the
 * features are already in the text space; backbone frozen unless {@code --train-backbone}). ER ({@code er}) and
 * the joint CNN ({@code joint}) fine-tune the aligned CNN's 128-d backbone with a new softmax head, end to end,
 * Adam 1e-3. {@code alta-joint}: the ALTA head trained on the union of the five experiences as one experience.
 * {@code --dataset mnist} swaps the roles (Split-MNIST with the digit names, tower aligned on Fashion-MNIST).
 */
@Command(name = "alta", description = "ALTA, its head ablations and the ER / joint references on a CNN aligned with "
        + "the class names' text embeddings, on Split-Fashion-MNIST (or Split-MNIST).")
public final class AltaExample extends Options.Command {
    static final List<String> FASHION = List.of("T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal",
            "shirt", "sneaker", "bag", "ankle boot");
    static final List<String> DIGITS = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
            "nine");

    @Mixin
    Options.DataDir data;
    @Option(names = "--dataset", paramLabel = "fashion|mnist", defaultValue = "fashion",
            description = "The stream: fashion or mnist (the tower is aligned on the other).")
    String dataset;
    @Option(names = "--methods", split = ",", paramLabel = "NAME", defaultValue = "er,alta,mlp,resmlp,cprompt",
            description = "Comma-separated methods: er, joint (StrategyRegistry, end to end), alta, mlp, resmlp, "
                    + "cprompt, sprompt (ALTA heads), alta-joint.")
    List<String> methods;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1, 2, 3);
    @Option(names = "--train-per-class", defaultValue = "200", description = "Training images per class.")
    int trainPerClass;
    @Option(names = "--align-per-class", defaultValue = "500", description = "Alignment images per class.")
    int alignPerClass;
    @Option(names = "--align-epochs", defaultValue = "3", description = "Alignment epochs.")
    int alignEpochs;
    @Option(names = "--epochs", defaultValue = "3", description = "Epochs per experience.")
    int epochs;
    @Option(names = "--batch", defaultValue = "32", description = "Minibatch size (and ALTA's replay batch).")
    int batch;
    @Option(names = "--lr", defaultValue = "0.01", description = "ALTA's SGD (Nesterov 0.9) learning rate.")
    double lr;
    @Option(names = "--schedule", paramLabel = "cosine|constant|as-released", defaultValue = "cosine",
            description = "ALTA's learning-rate schedule.")
    String schedule;
    @Option(names = "--memory", defaultValue = "200", description = "Replay memory (ALTA and ER).")
    int memory;
    @Option(names = "--scale", defaultValue = "30", description = "The fixed cosine scale.")
    double scale;
    @Option(names = "--class-il", paramLabel = "all|seen", defaultValue = "all",
            description = "Class-IL over all classes or only the seen ones.")
    String classIl;
    @Option(names = "--train-backbone", description = "Train ALTA's backbone too (frozen by default).")
    boolean trainBackbone;
    @Mixin
    Options.Out outOption = new Options.Out("results/alta");
    @Mixin
    Options.Markdown markdown;
    @Mixin
    Options.Quiet quiet;
    @Mixin
    Options.NoReport report;

    /** The methods of {@code --methods}. */
    static final List<String> METHODS = List.of("er", "joint", "alta", "mlp", "resmlp", "cprompt", "sprompt",
            "alta-joint");

    @Override
    public void run() {
        if (!dataset.equals("fashion") && !dataset.equals("mnist")) {
            throw invalid("--dataset", dataset, "fashion or mnist");
        }
        if (!classIl.equals("all") && !classIl.equals("seen")) {
            throw invalid("--class-il", classIl, "all or seen");
        }
        oneOf("--methods", methods, METHODS);
        DataDirectory dir = data.resolve();
        boolean fashion = dataset.equals("fashion");
        DataSet train = DataSets.perClass(load(dir, fashion, IdxDatasets.Split.TRAIN), 0, trainPerClass);
        DataSet test = load(dir, fashion, IdxDatasets.Split.TEST);
        DataSet align = DataSets.perClass(load(dir, !fashion, IdxDatasets.Split.TRAIN), 0, alignPerClass);
        List<String> streamNames = fashion ? FASHION : DIGITS;
        List<String> alignNames = fashion ? DIGITS : FASHION;
        AltaConfiguration base = new AltaConfiguration.Builder().classNames(streamNames).bufferSize(memory)
                .replayBatchSize(batch).updater(new Nesterovs(lr, 0.9)).scale(scale)
                .schedule(schedule).projection(false).trainBackbone(trainBackbone)
                .build();
        boolean allClasses = !classIl.equals("seen");
        BertTextEncoder encoder = BertTextEncoder.allMiniLmL6V2();
        INDArray alignText;
        try (WordPieceTokenizer tokenizer = WordPieceTokenizer.allMiniLmL6V2()) {
            List<String> prompts = new ArrayList<>();
            for (String d : alignNames) {
                prompts.add("a photo of a " + d + ".");
            }
            alignText = encoder.embed(tokenizer, prompts);
        }
        File out = outOption.dir();
        ReportOutput reports = report.output();
        Map<String, List<ContinualResult>> results = new LinkedHashMap<>();
        Map<String, List<Long>> seconds = new LinkedHashMap<>();
        for (long seed : seeds.get()) {
            long t0 = System.currentTimeMillis();
            MultiLayerNetwork aligned = aligned(align, alignText, scale, alignEpochs, seed);
            System.out.printf(Locale.ROOT, "seed %d: CNN aligned on %s class names in %d s (test accuracy there "
                            + "through the text anchors: %.2f %%)%n", seed, fashion ? "MNIST" : "Fashion-MNIST",
                    (System.currentTimeMillis() - t0) / 1000, 100 * accuracy(aligned, load(dir, !fashion,
                            IdxDatasets.Split.TEST)));
            Scenario images = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                    .name(fashion ? "split-fashion-mnist" : "split-mnist").build();
            for (String method : methods) {
                long ts = System.currentTimeMillis();
                ContinualResult r;
                if (method.equals("er") || method.equals("joint")) {
                    r = endToEnd(aligned, images, epochs, batch, seed, quiet.progress(), StrategyRegistry.plugins(
                            method, new StrategyRegistry.Params(StrategyRegistry.Protocol.DEFAULT).batch(batch)
                                    .buffer(memory)));
                } else {
                    boolean joint = method.equals("alta-joint");
                    AltaHead head = joint ? AltaHead.ALTA : AltaHead.valueOf(method.toUpperCase(Locale.ROOT));
                    Scenario s = joint ? new ClassIncrementalScenario.Builder().train(train).test(test)
                            .numExperiences(1).name("joint").build() : images;
                    ContinualConfiguration cc = new ContinualConfiguration.Builder().epochsPerExperience(epochs)
                            .batchSize(batch).evalBatchSize(1000).seed(seed).headPolicy(HeadPolicy.FIXED)
                            .maskUnseenClasses(!allClasses).progress(quiet.progress())
                            .plugin(base.toBuilder().head(head).build()).build();
                    r = ContinualTrainer.wrap(altaInput(aligned, streamNames.size()), cc).fit(s);
                }
                DaFormerExample.record(method, seed, r, ts, false, reports, out, results, seconds);
            }
        }
        reports.compare(out);
        String table = DaFormerExample.table(results, seconds);
        System.out.println(base);
        System.out.println(table);
        markdown.write(table);
    }

    private static DataSet load(DataDirectory dir, boolean fashion, IdxDatasets.Split split) {
        return fashion ? IdxDatasets.fashionMnist(dir, split) : IdxDatasets.mnist(dir, split);
    }

    /**
     * The CNN aligned with the text: trained through frozen cosine anchors = the class-name embeddings.
     *
     * @param data   alignment images and one-hot labels
     * @param text   the anchors {@code [classes, 384]}
     * @param scale  the fixed cosine scale
     * @param epochs alignment epochs
     * @param seed   initialisation and shuffling seed
     * @return the aligned network (its last layer: the frozen {@link CosineOutputLayer})
     */
    static MultiLayerNetwork aligned(DataSet data, INDArray text, double scale, int epochs, long seed) {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder().seed(seed).updater(new Adam(1e-3))
                .weightInit(WeightInit.RELU).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(32).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(text.size(1)).activation(Activation.IDENTITY)
                        .weightInit(WeightInit.XAVIER).name("text_projection").build())
                .layer(new CosineOutputLayer.Builder().nOut(text.size(0)).initialScale(scale).updater(new NoOp())
                        .build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        INDArray anchors = text.transpose().dup();
        net.getOutputLayer().setParam(CosineOutputLayer.WEIGHT_KEY, anchors);
        // the anchors and the scale are put back after every update (DL4J's NoOp updater is not a freeze)
        net.setListeners(new BaseTrainingListener() {
            @Override
            public void iterationDone(Model model, int iteration, int epoch) {
                MultiLayerNetwork m = (MultiLayerNetwork) model;
                m.getOutputLayer().getParam(CosineOutputLayer.WEIGHT_KEY).assign(anchors);
                m.getOutputLayer().getParam(CosineOutputLayer.SCALE_KEY).assign(scale);
            }
        });
        List<DataSet> list = data.asList();
        for (int e = 0; e < epochs; e++) {
            Collections.shuffle(list, new Random(seed + e));
            net.fit(new ListDataSetIterator<>(list, 64));
        }
        if (!anchors.equals(net.getOutputLayer().getParam(CosineOutputLayer.WEIGHT_KEY))) {
            throw new IllegalStateException("The text anchors moved during the alignment");
        }
        net.setListeners();
        return net;
    }

    /** The aligned CNN up to the 384-d text projection, with an ordinary output layer that ALTA replaces. */
    static MultiLayerNetwork altaInput(MultiLayerNetwork aligned, int classes) {
        return new TransferLearning.Builder(aligned.clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().build()).removeOutputLayer()
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(
                        aligned.getLayer(aligned.getnLayers() - 2).getParam("W").size(1)).nOut(classes)
                        .activation(Activation.SOFTMAX).build())
                .build();
    }

    /** Accuracy of the aligned network's argmax through the anchors. */
    static double accuracy(MultiLayerNetwork net, DataSet test) {
        INDArray p = net.output(test.getFeatures()).argMax(1);
        return p.eq(test.getLabels().argMax(1)).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).meanNumber()
                .doubleValue();
    }

    /** The aligned CNN's 128-d backbone with a new expanding softmax head, end to end with Adam 1e-3 and a plugin. */
    private static ContinualResult endToEnd(MultiLayerNetwork aligned, Scenario images, int epochs, int batch,
                                            long seed, boolean progress, List<PluginConfiguration> plugins) {
        MultiLayerNetwork net = new TransferLearning.Builder(aligned.clone())
                .fineTuneConfiguration(new FineTuneConfiguration.Builder().updater(new Adam(1e-3)).seed(seed).build())
                .removeLayersFromOutput(2)
                .addLayer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(128)
                        .nOut(images.trainStream().get(0).classArray().length).activation(Activation.SOFTMAX)
                        .weightInit(WeightInit.XAVIER).build())
                .build();
        Nd4j.getRandom().setSeed(seed);
        ContinualConfiguration cc = new ContinualConfiguration.Builder().epochsPerExperience(epochs).batchSize(batch)
                .evalBatchSize(1000).seed(seed).headPolicy(HeadPolicy.EXPANDING).progress(progress)
                .plugins(plugins.toArray(new PluginConfiguration[0])).build();
        return ContinualTrainer.wrap(net, cc).fit(images);
    }
}
