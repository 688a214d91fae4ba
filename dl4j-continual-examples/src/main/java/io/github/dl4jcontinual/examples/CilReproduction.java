package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.cil.BiasCorrection;
import io.github.dl4jcontinual.cil.IcarlConfiguration;
import io.github.dl4jcontinual.cil.WeightAligning;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.IterationBudget;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code reproduce-cil}: the class-incremental family (iCaRL, WA, BiC, LUCIR) beside plain ER at the same memory,
 * on the van de Ven Split-MNIST protocol and the protocols defined in {@code docs/class-incremental.md}.
 *
 * <pre>
 * reproduce-cil --dataset mnist|fashion --methods icarl,er,wa,bic --seeds 1,2,3 [--iterations 2000]
 *               [--per-class 100] [--data-dir DIR] [--out results/cil] [--markdown FILE] [--quiet]
 * </pre>
 *
 * <p>Split-MNIST / Split-Fashion-MNIST: 5 experiences of 2 classes in natural order; MLP 784-400-400 (ReLU) with an
 * expanding head, Adam (lr 0.001, β 0.9/0.999), minibatch 128, {@code --iterations} minibatches per experience
 * (van de Ven &amp; Tolias 2019: 2000); memory {@code --per-class} exemplars per class chosen by herding. Methods:
 * {@code er} (Mammoth-style) joins 128 replayed exemplars to every minibatch; {@code replay} (PyCIL's "Replay")
 * trains on the union of the experience and the exemplars; {@code wa} is replay plus weight aligning; {@code bic}
 * is replay with {@code per-class − 10} exemplars plus bias correction fitted on 10 held-out examples per class
 * (equal memory);
 * {@code icarl} trains on the union of the experience and the exemplars with a sigmoid/BCE head and distillation
 * and reports both the network's (CNN) and the nearest-mean-of-exemplars (NME) accuracy.</p>
 *
 * <p>Reported per method (mean ± sample std over seeds, in %): final class-IL accuracy (mean over experiences after
 * the last one), its NME counterpart where there is one, and the accuracy on the old classes (experiences 0..T−2,
 * pooled over their test examples) and on the new classes (experience T−1) after the last experience.</p>
 */
public final class CilReproduction {
    private static final int BIC_VALIDATION = 10;

    private CilReproduction() {
    }

    /** One method's numbers over the seeds. */
    static final class Row {
        final List<Double> cnn = new ArrayList<>();
        final List<Double> nme = new ArrayList<>();
        final List<Double> oldAcc = new ArrayList<>();
        final List<Double> newAcc = new ArrayList<>();
        final List<Long> seconds = new ArrayList<>();
    }

    /**
     * @param argv options, see the class comment
     */
    public static void run(String[] argv) {
        Args a = new Args(argv, "data-dir", "dataset", "methods", "seeds", "iterations", "per-class", "out",
                "markdown", "quiet");
        if (a.has("help")) {
            System.out.println("reproduce-cil --dataset mnist|fashion --methods icarl,er,wa,bic --seeds 1,2,3 "
                    + "[--iterations 2000] [--per-class 100] [--data-dir DIR] [--out results/cil] "
                    + "[--markdown FILE] [--quiet]");
            return;
        }
        DataDirectory dir = DataDirectory.resolve(a.get("data-dir", null));
        String dataset = a.get("dataset", "mnist");
        Scenario scenario = scenario(dir, dataset);
        int iterations = a.getInt("iterations", 2000);
        int perClass = a.getInt("per-class", 100);
        long[] seeds = a.getLongs("seeds", "1,2,3");
        List<String> methods = a.getList("methods", "icarl,er,wa,bic");
        File out = new File(a.get("out", "results/cil"));
        Map<String, Row> rows = new LinkedHashMap<>();
        for (String m : methods) {
            for (long seed : seeds) {
                ContinualConfiguration conf = configuration(m, perClass, iterations, seed, !a.has("quiet"));
                MultiLayerNetwork net = network(m, seed);
                long t0 = System.currentTimeMillis();
                ContinualResult r = ContinualTrainer.wrap(net, conf).fit(scenario);
                long s = (System.currentTimeMillis() - t0) / 1000;
                Row row = rows.computeIfAbsent(m, k -> new Row());
                row.cnn.add(100 * r.classIncremental().finalAverageAccuracy());
                if (r.heads().contains("nme")) {
                    row.nme.add(100 * r.classIncremental("nme").finalAverageAccuracy());
                }
                double[] on = oldNew(r.classIncremental());
                row.oldAcc.add(100 * on[0]);
                row.newAcc.add(100 * on[1]);
                row.seconds.add(s);
                System.out.printf(Locale.ROOT, "%s %s seed %d: class-IL CNN %.2f%s, old %.2f, new %.2f (%d s)%n",
                        dataset, m, seed, row.cnn.get(row.cnn.size() - 1),
                        r.heads().contains("nme") ? String.format(Locale.ROOT, ", NME %.2f",
                                row.nme.get(row.nme.size() - 1)) : "", 100 * on[0], 100 * on[1], s);
                try {
                    r.writeTo(new File(out, dataset + "-" + m + "-seed" + seed));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        String table = table(dataset, rows, seeds, iterations, perClass, String.join(" ", argv));
        System.out.println(table);
        if (a.has("markdown")) {
            try {
                Files.write(new File(a.get("markdown", null)).toPath(), table.getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * @param dir     data directory
     * @param dataset mnist or fashion
     * @return the scenario
     */
    static Scenario scenario(DataDirectory dir, String dataset) {
        switch (dataset) {
            case "mnist":
                return new ClassIncrementalScenario.Builder().train(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN))
                        .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).name("split-mnist")
                        .build();
            case "fashion":
                return new ClassIncrementalScenario.Builder()
                        .train(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN))
                        .test(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST)).numExperiences(5)
                        .name("split-fashion-mnist").build();
            default:
                throw new IllegalArgumentException("--dataset should be mnist or fashion (got: " + dataset + ")");
        }
    }

    /**
     * @param method     er, wa, bic or icarl
     * @param perClass   memory per class
     * @param iterations minibatches per experience
     * @param seed       the seed
     * @param progress   progress lines
     * @return the trainer configuration
     */
    static ContinualConfiguration configuration(String method, int perClass, int iterations, long seed,
                                                boolean progress) {
        ContinualConfiguration.Builder b = new ContinualConfiguration.Builder().batchSize(128).epochsPerExperience(1)
                .seed(seed).headPolicy(HeadPolicy.EXPANDING).progress(progress);
        for (PluginConfiguration p : plugins(method, perClass)) {
            b.plugin(p);
        }
        return b.plugin(new IterationBudget(iterations)).build();
    }

    private static BufferConfiguration herding(int perClass) {
        return new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED).perClass(perClass)
                .selection(new HerdingSelection()).build();
    }

    private static List<PluginConfiguration> plugins(String method, int perClass) {
        switch (method) {
            case "er":
                return List.of(er(perClass));
            case "replay":
                return List.of(union(perClass));
            case "wa":
                return List.of(union(perClass), new WeightAligning());
            case "bic":
                if (perClass <= BIC_VALIDATION) {
                    throw new IllegalArgumentException("bic keeps " + BIC_VALIDATION + " validation examples per "
                            + "class out of the memory: --per-class should be > " + BIC_VALIDATION + " (got: "
                            + perClass + ")");
                }
                return List.of(new BiasCorrection.Builder().validationPerClass(BIC_VALIDATION).build(),
                        union(perClass - BIC_VALIDATION));
            case "icarl":
                return List.of(new IcarlConfiguration.Builder().exemplarsPerClass(perClass).build());
            default:
                throw new IllegalArgumentException("Unknown method '" + method + "'; methods are icarl, er, replay, wa, bic");
        }
    }

    /** PyCIL's "Replay": the exemplars are added to the experience's training set (softmax head, no distillation). */
    private static IcarlConfiguration union(int perClass) {
        return new IcarlConfiguration.Builder().exemplarsPerClass(perClass).distillation(false).nearestMean(false)
                .build();
    }

    private static ExperienceReplay er(int perClass) {
        return new ExperienceReplay.Builder().buffer(herding(perClass)).replayBatch(128).build();
    }

    /**
     * @param method the method (icarl gets a sigmoid/BCE head)
     * @param seed   initialisation seed
     * @return MLP 784-400-400-2 (the head expands), Adam 0.001
     */
    static MultiLayerNetwork network(String method, long seed) {
        boolean sigmoid = method.equals("icarl");
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Adam(0.001, 0.9, 0.999, 1e-8)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(400).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nIn(400).nOut(400).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(sigmoid ? LossFunctions.LossFunction.XENT
                        : LossFunctions.LossFunction.MCXENT).nIn(400).nOut(2)
                        .activation(sigmoid ? Activation.SIGMOID : Activation.SOFTMAX).build())
                .build());
        net.init();
        return net;
    }

    /**
     * Pooled accuracy on the old experiences' test examples and on the last experience's, after the last one.
     *
     * @param m class-IL matrix
     * @return {old, new}
     */
    static double[] oldNew(AccuracyMatrix m) {
        int last = m.rows() - 1;
        long oc = 0;
        long ot = 0;
        for (int j = 0; j < last; j++) {
            oc += m.correct(last, j);
            ot += m.total(j);
        }
        return new double[]{(double) oc / ot, (double) m.correct(last, last) / m.total(last)};
    }

    private static double[] arr(List<? extends Number> v) {
        return v.stream().mapToDouble(Number::doubleValue).toArray();
    }

    static String table(String dataset, Map<String, Row> rows, long[] seeds, int iterations, int perClass,
                        String args) {
        StringBuilder sb = new StringBuilder();
        sb.append("Dataset ").append(dataset).append(", seeds ").append(Arrays.toString(seeds)).append(", ")
                .append(iterations).append(" iterations per experience, ").append(perClass)
                .append(" exemplars per class. Command: `bin/examples reproduce-cil ").append(args).append("`\n\n");
        sb.append("| method | class-IL CNN | class-IL NME | old classes | new classes | new − old | s/run |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Row> e : rows.entrySet()) {
            Row r = e.getValue();
            double[] gap = new double[r.oldAcc.size()];
            for (int i = 0; i < gap.length; i++) {
                gap[i] = r.newAcc.get(i) - r.oldAcc.get(i);
            }
            sb.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %.0f |%n", e.getKey(),
                    SplitMnistExample.meanStd(arr(r.cnn)), r.nme.isEmpty() ? "–" : SplitMnistExample.meanStd(arr(r.nme)),
                    SplitMnistExample.meanStd(arr(r.oldAcc)), SplitMnistExample.meanStd(arr(r.newAcc)),
                    SplitMnistExample.meanStd(gap), Arrays.stream(arr(r.seconds)).average().orElse(0)));
        }
        return sb.toString();
    }
}
