package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.zoo.transformer.Vit;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * L2P on Split-Fashion-MNIST (5 × 2 classes, natural order), class-IL ({@code prompts} command): the L2P plugin
 * (docs/prompts-adapters.md §4) on a ViT built from the zoo's transformer blocks, driven by the trainer.
 *
 * <p>No pretrained ViT exists offline, so the backbone is "pre-trained" first: the zoo ViT (patch 7 → 16 tokens,
 * width 64, depth 3, 4 heads, MLP ratio 2) is trained as a plain 10-way classifier on {@code --align-per-class}
 * MNIST training images per digit ({@code --align-epochs} epochs, Adam 1e-3); it never sees Fashion-MNIST. L2P
 * then freezes it and learns a pool of 10 prompts of length 5 (5 selected), their keys and the head with Adam
 * {@code --l2p-lr} ({@code --l2p-frequency}: the prompt-frequency penalty). {@code --dataset mnist} swaps the
 * roles. ALTA, its ablations and the ER / joint references on the same aligned CNN are the {@code alta} command
 * (AltaExample). Prints a markdown table over {@code --seeds} (the seed changes the pre-training, the
 * initialisation and the order of minibatches).
 */
@Command(name = "prompts", description = "L2P on Split-Fashion-MNIST (or Split-MNIST) class-IL on a ViT "
        + "pre-trained on the other dataset.")
public final class PromptsExample extends Options.Command {
    @Mixin
    Options.DataDir data;
    @Option(names = "--dataset", paramLabel = "fashion|mnist", defaultValue = "fashion",
            description = "The stream: fashion or mnist (the ViT is pre-trained on the other).")
    String dataset;
    @Option(names = "--methods", split = ",", paramLabel = "NAME", defaultValue = "l2p",
            description = "l2p (ALTA, its ablations and the er / joint references are the alta command).")
    List<String> methods;
    @Mixin
    Options.Seeds seeds = new Options.Seeds(1, 2, 3);
    @Option(names = "--train-per-class", defaultValue = "200", description = "Training images per class.")
    int trainPerClass;
    @Option(names = "--align-per-class", defaultValue = "500", description = "Pre-training images per class.")
    int alignPerClass;
    @Option(names = "--align-epochs", defaultValue = "3", description = "Pre-training epochs.")
    int alignEpochs;
    @Option(names = "--epochs", defaultValue = "3", description = "Epochs per experience.")
    int epochs;
    @Option(names = "--batch", defaultValue = "32", description = "Minibatch size.")
    int batch;
    @Option(names = "--l2p-lr", defaultValue = "0.01", description = "Adam learning rate of prompts, keys and head.")
    double l2pLr;
    @Option(names = "--l2p-frequency", description = "The prompt-frequency penalty.")
    boolean l2pFrequency;
    @Mixin
    Options.Out outOption = new Options.Out("results/prompts");
    @Mixin
    Options.Markdown markdown;
    @Mixin
    Options.Quiet quiet;
    @Mixin
    Options.NoReport report;

    @Override
    public void run() {
        if (!dataset.equals("fashion") && !dataset.equals("mnist")) {
            throw invalid("--dataset", dataset, "fashion or mnist");
        }
        for (String m : methods) {
            if (!m.equals("l2p")) {
                throw invalid("--methods", m, "l2p: the prompts command runs l2p; ALTA, its ablations (mlp, resmlp, "
                        + "cprompt, sprompt) and the er / joint references are the alta command (bin/benchmarks alta "
                        + "--help)");
            }
        }
        atLeast("--train-per-class", trainPerClass, 1);
        atLeast("--align-per-class", alignPerClass, 1);
        atLeast("--epochs", epochs, 1);
        atLeast("--batch", batch, 1);
        DataDirectory dir = data.resolve();
        boolean fashion = dataset.equals("fashion");
        DataSet train = DataSets.perClass(load(dir, fashion, IdxDatasets.Split.TRAIN), 0, trainPerClass);
        DataSet test = load(dir, fashion, IdxDatasets.Split.TEST);
        DataSet align = DataSets.perClass(load(dir, !fashion, IdxDatasets.Split.TRAIN), 0, alignPerClass);
        File out = outOption.dir();
        ReportOutput reports = report.output();
        Map<String, List<ContinualResult>> results = new LinkedHashMap<>();
        Map<String, List<Long>> seconds = new LinkedHashMap<>();
        for (long seed : seeds.get()) {
            Scenario images = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                    .name(fashion ? "split-fashion-mnist" : "split-mnist").build();
            long ts = System.currentTimeMillis();
            ContinualResult r = L2pExample.run(pretrainedVit(align, alignEpochs, seed), images, epochs, batch,
                    l2pLr, l2pFrequency, seed, quiet.progress());
            DaFormerExample.record("l2p", seed, r, ts, false, reports, out, results, seconds);
        }
        reports.compare(out);
        String table = DaFormerExample.table(results, seconds);
        System.out.println(table);
        markdown.write(table);
    }

    private static DataSet load(DataDirectory dir, boolean fashion, IdxDatasets.Split split) {
        return fashion ? IdxDatasets.fashionMnist(dir, split) : IdxDatasets.mnist(dir, split);
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
}
