package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.data.InMemoryDataSetIterator;
import io.github.dl4jcontinual.data.ReplayIterator;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBatch;
import io.github.dl4jcontinual.replay.ReplayBuffer;
import io.github.dl4jcontinual.replay.ReservoirReplayBuffer;
import io.github.dl4jcontinual.replay.selection.HerdingSelection;
import io.github.dl4jcontinual.replay.selection.KMeansSelection;
import io.github.dl4jcontinual.replay.selection.RandomSelection;
import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import io.github.dl4jcontinual.replay.strategy.DerTargets;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.TestScope;
import io.github.dl4jcontinual.zoo.model.Mlp;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.adapter.MultiDataSetIteratorAdapter;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.learning.config.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * {@code rehearsal}: rehearsal on Seq-MNIST with the DER protocol (MLP 784-100-100-10, plain SGD, batch 10, one epoch per
 * experience, FIXED head, Mammoth's selected hyper-parameters from the checked-in targets file).
 *
 * <ul>
 *   <li>{@code rehearsal reproduce --targets er/500,der/500 --seeds 1,2,3,4,5 [--markdown FILE]}: runs each
 *   strategy/buffer for each seed and prints a markdown table, ours (mean ± std) beside the published number,
 *   class-IL and task-IL (masked).</li>
 *   <li>{@code rehearsal benchmark [--repeats 3]}: the cost of ER versus a plain {@code fit} over the same number
 *   of samples (replayed ones counted), and of herding / k-means selection at buffer 500 versus training an
 *   experience.</li>
 * </ul>
 */
@Command(name = "rehearsal", description = "Rehearsal on Seq-MNIST with the DER protocol: 'reproduce' (the default) "
        + "or 'benchmark'.", subcommands = {RehearsalExample.Reproduce.class, RehearsalExample.Bench.class})
public final class RehearsalExample implements Runnable {
    private static final String DEFAULT_TARGETS =
            "naive/0,er/200,er/500,der/500,der++/200,der++/500,der++/5120,agem/500,gdumb/500,er-ace/500";

    /** {@code rehearsal} alone is {@code rehearsal reproduce} with its defaults. */
    @Override
    public void run() {
        BenchmarksMain.run("rehearsal", "reproduce");
    }

    private static Scenario seqMnist(DataDirectory dir) {
        return new ClassIncrementalScenario.Builder().train(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN))
                .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).name("seq-mnist").build();
    }

    /** {@code rehearsal reproduce}: every target of {@link DerTargets} asked for, for every seed, and the table. */
    @Command(name = "reproduce", description = "Runs each strategy/buffer of --targets for each seed; prints a "
            + "markdown table, ours (mean ± std) beside the published number, class-IL and task-IL (masked).")
    static final class Reproduce extends Options.Command {
        @Mixin
        Options.DataDir data;
        @Option(names = "--targets", split = ",", paramLabel = "STRATEGY/BUFFER", defaultValue = DEFAULT_TARGETS,
                description = "Comma-separated targets of the checked-in DER targets file (strategy/buffer).")
        List<String> targets;
        @Mixin
        Options.Seeds seeds = new Options.Seeds(1, 2, 3, 4, 5);
        @Mixin
        Options.Out out = new Options.Out("results/rehearsal");
        @Mixin
        Options.Markdown markdown;
        @Mixin
        Options.Quiet quiet;
        @Option(names = "--test-scope", paramLabel = "all|seen|seen-and-next", defaultValue = "all",
                description = "The test experiences evaluated after each experience: all, seen or seen-and-next.")
        TestScope scope;
        @Mixin
        Options.NoReport report;
        @Mixin
        CheckpointOptions checkpoints;
        @Mixin
        Options.Ui ui;

        @Override
        public void run() {
            checkpoints.check();
            List<DerTargets.Target> ts = new ArrayList<>();
            for (String key : targets) {
                try {
                    ts.add(DerTargets.get(key));
                } catch (IllegalArgumentException e) {
                    throw new picocli.CommandLine.ParameterException(spec.commandLine(), "Invalid value for option "
                            + "'--targets': " + e.getMessage());
                }
            }
            DataDirectory dir = data.resolve();
            Scenario scenario = seqMnist(dir);
            File outDir = out.dir();
            ReportOutput reports = report.output();
            long[] seedList = seeds.get();
            Map<DerTargets.Target, List<ContinualResult>> results = new LinkedHashMap<>();
            for (DerTargets.Target t : ts) {
                for (long seed : seedList) {
                    ContinualConfiguration.Builder cb = new ContinualConfiguration.Builder().batchSize(t.batch())
                            .epochsPerExperience(1).seed(seed).progress(quiet.progress()).testScope(scope);
                    PluginConfiguration p = t.plugin();
                    if (p != null) {
                        cb.plugin(p);
                    }
                    MultiLayerNetwork net = new Mlp.Builder(784, 10).hidden(100, 100).updater(new Sgd(t.lr()))
                            .seed(seed).build();
                    long t0 = System.currentTimeMillis();
                    String run = t.strategy() + "-" + t.buffer() + "-seed" + seed;
                    ContinualResult r = ui.record(net, run, () -> checkpoints.fit(net, cb.build(), scenario, run));
                    System.out.printf(Locale.ROOT, "%s seed %d: class-IL %.2f, task-IL %.2f (%d s)%n", t.key(), seed,
                            100 * r.classIncremental().finalAverageAccuracy(),
                            100 * r.taskIncremental().finalAverageAccuracy(), (System.currentTimeMillis() - t0) / 1000);
                    reports.write(r, new File(outDir, run));
                    results.computeIfAbsent(t, k -> new ArrayList<>()).add(r);
                    BenchmarksMain.releaseMemory();
                }
            }
            reports.compare(outDir);
            String table = table(results, seedList);
            System.out.println(table);
            markdown.write(table);
        }
    }

    /**
     * @param results results per target (one per seed)
     * @param seeds   the seeds
     * @return the markdown table
     */
    static String table(Map<DerTargets.Target, List<ContinualResult>> results, long[] seeds) {
        StringBuilder sb = new StringBuilder();
        sb.append("Seeds: ").append(Arrays.toString(seeds)).append(". Published numbers in brackets.\n\n");
        sb.append("| strategy | buffer | lr | class-IL ours | class-IL [DER] | band | verdict | task-IL ours "
                + "| task-IL [DER] |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<DerTargets.Target, List<ContinualResult>> e : results.entrySet()) {
            DerTargets.Target t = e.getKey();
            double[] c = e.getValue().stream().mapToDouble(r -> 100 * r.classIncremental().finalAverageAccuracy())
                    .toArray();
            double[] k = e.getValue().stream().mapToDouble(r -> 100 * r.taskIncremental().finalAverageAccuracy())
                    .toArray();
            double mean = Arrays.stream(c).average().orElse(Double.NaN);
            String band = (Double.isNaN(t.minClassIl()) ? "" : "≥ " + fmt(t.minClassIl()))
                    + (Double.isNaN(t.maxClassIl()) ? "" : ", ≤ " + fmt(t.maxClassIl()));
            String verdict = band.isEmpty() ? "reported" : (mean >= t.minClassIl()
                    && (Double.isNaN(t.maxClassIl()) || mean <= t.maxClassIl())) ? "pass" : "MISS";
            if (!band.isEmpty() && c.length < 5) {
                verdict += " (" + c.length + " seed" + (c.length > 1 ? "s" : "") + " < 5)";
            }
            sb.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | [%s] | %s | %s | %s | [%s] |%n", t.strategy(),
                    t.buffer(), t.lr(), SplitMnistExample.meanStd(c), fmt(t.publishedClassIl()), band, verdict,
                    SplitMnistExample.meanStd(k), fmt(t.publishedTaskIl())));
        }
        return sb.toString();
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.2f", v);
    }

    /** The parts of {@code rehearsal benchmark}. */
    enum Part {
        ALL, ER, SELECTION
    }

    /** {@code rehearsal benchmark}: the cost of ER and of the exemplar selections. */
    @Command(name = "benchmark", description = "The cost of ER versus a plain fit over the same number of samples "
            + "(replayed ones counted), and of random / herding / k-means selection at buffer 500 versus training an "
            + "experience.")
    static final class Bench extends Options.Command {
        @Mixin
        Options.DataDir data;
        @Option(names = "--repeats", defaultValue = "3", description = "Timed repeats (medians are reported).")
        int repeats;
        @Option(names = "--samples", defaultValue = "6000", description = "Current samples of the ER timing.")
        int samples;
        @Option(names = "--part", paramLabel = "all|er|selection", defaultValue = "all",
                description = "What to time: all, er or selection.")
        Part part;

        @Override
        public void run() {
            atLeast("--repeats", repeats, 1);
            atLeast("--samples", samples, 1);
            benchmark(data.resolve(), repeats, samples, part, spec);
        }
    }

    /**
     * @param dir     the data directory
     * @param repeats timed repeats
     * @param samples current samples of the ER timing
     * @param part    what to time
     * @param spec    the calling command (for the message of a bad --samples)
     */
    static void benchmark(DataDirectory dir, int repeats, int samples, Part part,
                          picocli.CommandLine.Model.CommandSpec spec) {
        Scenario scenario = seqMnist(dir);
        Experience e0 = scenario.trainStream().get(0);
        Experience e1 = scenario.trainStream().get(1);
        int pool = e1.numExamples() + e0.numExamples();
        if (part != Part.SELECTION && 2 * samples > pool) {
            throw Options.invalid(spec, "--samples", samples, "an integer <= " + pool / 2);
        }
        ReplayBuffer buffer = new ReservoirReplayBuffer(500, false);
        Random rng = new Random(1);
        MultiDataSetIterator fill = e0.iterator(10, true, 1);
        while (fill.hasNext()) {
            buffer.observe(fill.next(), null, 0, rng);
        }
        if (part != Part.SELECTION) {
            // the first 2 × samples examples of experience 1 then 0, read into memory (an in-memory benchmark)
            MultiDataSet doubled = first(e1, Math.min(2 * samples, e1.numExamples()));
            if (2 * samples > e1.numExamples()) {
                doubled = Batches.concat(doubled, first(e0, 2 * samples - e1.numExamples()));
            }
            DataSet cur = Batches.toDataSet(Batches.rows(doubled, range(samples)));
            erVersusFit(net0(), buffer, cur, Batches.toDataSet(doubled), samples, repeats);
        }
        if (part != Part.ER) {
            selectionCost(e0, e1, buffer, repeats);
        }
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /** The first {@code n} examples of an experience (unshuffled order), read now. */
    private static MultiDataSet first(Experience e, int n) {
        return e.rows(range(n));
    }

    private static MultiLayerNetwork net0() {
        return new Mlp.Builder(784, 10).hidden(100, 100).updater(new Sgd(0.1)).seed(1).build();
    }

    private static void erVersusFit(MultiLayerNetwork net, ReplayBuffer buffer, DataSet cur, DataSet doubled,
                                    int samples, int repeats) {
        List<Double> er = new ArrayList<>();
        List<Double> plain = new ArrayList<>();
        // warm-up
        net.fit(new InMemoryDataSetIterator(doubled, 20, true, 0));
        for (int r = 0; r < repeats; r++) {
            long t = System.nanoTime();
            net.fit(new InMemoryDataSetIterator(doubled, 20, true, r));
            plain.add((System.nanoTime() - t) / 1e9);
            Random sr = new Random(r);
            ReplayIterator it = new ReplayIterator(new MultiDataSetIteratorAdapter(
                    new InMemoryDataSetIterator(cur, 10, true, r)), 0, c -> {
                        ReplayBatch b = buffer.sample(10, (int) c.getLabels(0).size(1), sr);
                        buffer.observe(c, null, 1, sr);
                        return b.toMultiDataSet();
                    });
            t = System.nanoTime();
            net.fit(it);
            er.add((System.nanoTime() - t) / 1e9);
        }
        double erMed = median(er);
        double plainMed = median(plain);
        System.out.printf(Locale.ROOT, "ER (batch 10 + replay 10, %d current samples): median %.3f s over %d runs %s%n",
                samples, erMed, repeats, er);
        System.out.printf(Locale.ROOT, "plain fit (batch 20, %d samples): median %.3f s %s%n", 2 * samples, plainMed,
                plain);
        System.out.printf(Locale.ROOT, "ER / plain fit = %.3f (target <= 1.10)%n", erMed / plainMed);
    }

    private static void selectionCost(Experience e0, Experience e1, ReplayBuffer replay, int repeats) {
        // selection cost at buffer 500: consolidating experience 0 into an empty buffer (the worst case: 250
        // exemplars per class) versus training an experience, plain (batch 10) and with ER (batch 10 + replay 10).
        // Each repeat times everything back to back and the ratios are taken per repeat, so that load drifting
        // on a shared machine affects numerator and denominator alike.
        MultiLayerNetwork m = new Mlp.Builder(784, 10).hidden(100, 100).updater(new Sgd(0.1)).seed(2).build();
        m.fit(e0.iterator(10, true, 99)); // warm-up
        List<SelectionPolicy> policies = List.of(new RandomSelection(), new HerdingSelection(),
                new KMeansSelection());
        Map<SelectionPolicy, List<Double>> vsPlain = new LinkedHashMap<>();
        Map<SelectionPolicy, List<Double>> vsEr = new LinkedHashMap<>();
        List<Double> train = new ArrayList<>();
        List<Double> erTrain = new ArrayList<>();
        for (int r = -1; r < repeats; r++) { // r = -1 warms every code path up
            long t = System.nanoTime();
            m.fit(e0.iterator(10, true, r));
            double plain = (System.nanoTime() - t) / 1e9;
            Random sr = new Random(r);
            ReplayIterator it = new ReplayIterator(e1.iterator(10, true, r), 0,
                    c -> replay.sample(10, (int) c.getLabels(0).size(1), sr).toMultiDataSet());
            t = System.nanoTime();
            m.fit(it);
            double er = (System.nanoTime() - t) / 1e9;
            if (r >= 0) {
                train.add(plain);
                erTrain.add(er);
            }
            for (SelectionPolicy p : policies) {
                ReplayBuffer b = new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED)
                        .capacity(500).selection(p).build().build(false);
                t = System.nanoTime();
                b.consolidate(e0, ContinualModel.of(m), new Random(r));
                double s = (System.nanoTime() - t) / 1e9;
                if (r >= 0) {
                    vsPlain.computeIfAbsent(p, k -> new ArrayList<>()).add(100 * s / plain);
                    vsEr.computeIfAbsent(p, k -> new ArrayList<>()).add(100 * s / er);
                }
            }
        }
        System.out.printf(Locale.ROOT, "training experience 0 (%d samples, batch 10): median %.3f s %s%n",
                e0.numExamples(), median(train), train);
        System.out.printf(Locale.ROOT, "ER training of experience 1 (%d samples, batch 10 + replay 10): median %.3f s "
                + "%s%n", e1.numExamples(), median(erTrain), erTrain);
        for (SelectionPolicy p : policies) {
            System.out.printf(Locale.ROOT, "selection %s at buffer 500 (250 per class): median %.1f %% of a plain "
                    + "epoch, %.1f %% of an ER epoch (target <= 10 %%)%n", p, median(vsPlain.get(p)),
                    median(vsEr.get(p)));
        }
    }

    private static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
