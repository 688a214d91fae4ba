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
public final class PromptsExample {
    private PromptsExample() {
    }

    /**
     * @param argv options, see {@code --help}
     */
    public static void run(String[] argv) {
        Args a = new Args(argv, "data-dir", "methods", "seeds", "train-per-class", "align-per-class", "align-epochs",
                "epochs", "batch", "l2p-lr", "l2p-frequency", "dataset", "out", "markdown", "quiet");
        if (a.has("help")) {
            System.out.println("prompts [--data-dir DIR] [--dataset fashion|mnist] [--methods l2p] [--seeds 1,2,3] "
                    + "[--train-per-class 200] [--align-per-class 500] [--align-epochs 3] [--epochs 3] [--batch 32] "
                    + "[--l2p-lr 0.01] [--l2p-frequency] [--out results/prompts] [--markdown FILE] [--quiet]");
            return;
        }
        String dataset = a.get("dataset", "fashion");
        if (!dataset.equals("fashion") && !dataset.equals("mnist")) {
            throw new IllegalArgumentException("--dataset should be fashion or mnist (got: " + dataset + ")");
        }
        List<String> methods = a.getList("methods", "l2p");
        for (String m : methods) {
            if (!m.equals("l2p")) {
                throw new IllegalArgumentException("--methods " + m + " is not a prompts method: the prompts command "
                        + "runs l2p; ALTA, its ablations (mlp, resmlp, cprompt, sprompt) and the er / joint "
                        + "references are the alta command (bin/examples alta --help)");
            }
        }
        DataDirectory dir = DataDirectory.resolve(a.get("data-dir", null));
        boolean fashion = dataset.equals("fashion");
        int perClass = a.getInt("train-per-class", 200);
        DataSet train = DataSets.perClass(load(dir, fashion, IdxDatasets.Split.TRAIN), 0, perClass);
        DataSet test = load(dir, fashion, IdxDatasets.Split.TEST);
        DataSet align = DataSets.perClass(load(dir, !fashion, IdxDatasets.Split.TRAIN), 0,
                a.getInt("align-per-class", 500));
        int epochs = a.getInt("epochs", 3);
        int batch = a.getInt("batch", 32);
        int alignEpochs = a.getInt("align-epochs", 3);
        File out = new File(a.get("out", "results/prompts"));
        ReportOutput reports = new ReportOutput(a);
        Map<String, List<ContinualResult>> results = new LinkedHashMap<>();
        Map<String, List<Long>> seconds = new LinkedHashMap<>();
        for (long seed : a.getLongs("seeds", "1,2,3")) {
            Scenario images = new ClassIncrementalScenario.Builder().train(train).test(test).numExperiences(5)
                    .name(fashion ? "split-fashion-mnist" : "split-mnist").build();
            long ts = System.currentTimeMillis();
            ContinualResult r = L2pExample.run(pretrainedVit(align, alignEpochs, seed), images, epochs, batch,
                    a.getDouble("l2p-lr", 0.01), a.has("l2p-frequency"), seed, !a.has("quiet"));
            DaFormerExample.record("l2p", seed, r, ts, false, reports, out, results, seconds);
        }
        reports.compare(out);
        String table = DaFormerExample.table(results, seconds);
        System.out.println(table);
        a.writeIfGiven("markdown", table);
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
