package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualListener;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.TestScope;
import io.github.dl4jcontinual.zoo.model.Mlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;

/**
 * How the trainer's cost grows with the number of experiences (docs/benchmark.md "Many experiences"):
 * {@code benchmark-scaling [--experiences 10,100,1000] [--train 100] [--test 10]} runs, for each count K, a
 * class-incremental stream of K one-class experiences (Naive, MLP 64-100-K, SGD, batch 10, one epoch) through
 * {@link ContinualTrainer#fit(Scenario)} and splits the wall time into training, evaluation (the whole test
 * stream after every experience, the accuracy matrix, or with {@code --test-scope seen} the test data seen so far) and the rest (the trainer's own per-experience work:
 * iterators, bookkeeping, listeners). The data are synthetic (Gaussian classes): this measures time only, never
 * accuracy.
 */
@Command(name = "benchmark-scaling", description = "How the trainer's cost grows with the number of experiences: "
        + "K one-class experiences of synthetic Gaussian data (Naive, MLP 64-100-K, SGD, batch 10) per --experiences "
        + "value; time only, never accuracy.")
public final class ScalingBenchmark extends Options.Command {
    @Option(names = "--experiences", split = ",", paramLabel = "K", defaultValue = "10,100,1000",
            description = "Comma-separated numbers of experiences, each between 2 and 100000.")
    List<Long> experiences;
    @Option(names = "--train", defaultValue = "100", description = "Training examples per class.")
    int train;
    @Option(names = "--test", defaultValue = "10", description = "Test examples per class.")
    int test;
    @Option(names = "--test-scope", paramLabel = "all|seen|seen-and-next", defaultValue = "all",
            description = "The test experiences evaluated after each experience: all, seen or seen-and-next.")
    TestScope scope;

    @Override
    public void run() {
        atLeast("--train", train, 1);
        atLeast("--test", test, 1);
        for (long k : experiences) {
            if (k < 2 || k > 100_000) {
                throw invalid("--experiences", k, "integers between 2 and 100000");
            }
        }
        System.out.println("| experiences | wall (s) | training (s) | evaluation (s) | rest (s) | wall / training "
                + "| rest per experience, first 10 % (ms) | last 10 % (ms) | evaluation per experience, last 10 % (ms) |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (long k : experiences) {
            System.out.println(row((int) k, train, test, scope));
            BenchmarksMain.releaseMemory();
        }
    }

    static String row(int k, int train, int test, TestScope scope) {
        Scenario s = new ClassIncrementalScenario.Builder().train(data(k, train, 1)).test(data(k, test, 2))
                .numExperiences(k).name("gaussian-" + k).build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(1).progress(false)
                .testScope(scope).build();
        long[] ends = new long[k];
        int[] at = {0};
        long t0 = System.nanoTime();
        ContinualResult r = ContinualTrainer.wrap(new Mlp.Builder(64, k).hidden(100).updater(new Sgd(0.1)).seed(1)
                .build(), conf).addListener(new ContinualListener() {
                    @Override
                    public void onExperienceEnd(ExperienceResult result, AccuracyMatrix c, AccuracyMatrix t) {
                        ends[at[0]++] = System.nanoTime();
                    }
                }).fit(s);
        double wall = (System.nanoTime() - t0) / 1e9;
        List<ExperienceResult> ex = r.experiences();
        double trainS = ex.stream().mapToLong(ExperienceResult::trainMillis).sum() / 1e3;
        double evalS = ex.stream().mapToLong(ExperienceResult::evalMillis).sum() / 1e3;
        int tenth = Math.max(1, k / 10);
        return String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.1f | %.1f | %.2f | %.1f | %.1f | %.1f |", k, wall,
                trainS, evalS, wall - trainS - evalS, wall / trainS, rest(ex, ends, 1, tenth),
                rest(ex, ends, k - tenth, k),
                ex.subList(k - tenth, k).stream().mapToLong(ExperienceResult::evalMillis).average().orElse(0));
    }

    /**
     * @return the mean over experiences [from, to) of the wall time between two experience ends minus that
     *         experience's training and evaluation, in ms
     */
    private static double rest(List<ExperienceResult> ex, long[] ends, int from, int to) {
        double sum = 0;
        for (int i = Math.max(1, from); i < to; i++) {
            sum += (ends[i] - ends[i - 1]) / 1e6 - ex.get(i).trainMillis() - ex.get(i).evalMillis();
        }
        return sum / Math.max(1, to - Math.max(1, from));
    }

    /** k Gaussian classes in 64 dimensions, n examples each, class-major order. */
    static DataSet data(int k, int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray means = Nd4j.randn(DataType.FLOAT, k, 64);
        INDArray x = Nd4j.create(DataType.FLOAT, (long) k * n, 64);
        INDArray y = Nd4j.create(DataType.FLOAT, (long) k * n, k);
        Nd4j.getRandom().setSeed(seed + 1);
        for (int c = 0; c < k; c++) {
            for (int i = 0; i < n; i++) {
                long row = (long) c * n + i;
                x.putRow(row, means.getRow(c).add(Nd4j.randn(DataType.FLOAT, 1, 64).muli(0.5)).reshape(64));
                y.putScalar(row, c, 1f);
            }
        }
        return new DataSet(x, y);
    }
}
