package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.zoo.model.Mlp;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.nativeblas.NativeOpsHolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Locale;
import java.util.Random;

/**
 * The floor DL4J itself sets for the DER protocol's step (docs/benchmark.md "Against PyTorch"):
 * {@code benchmark-step [--data-dir DIR] [--steps 6000] [--seed 1]} times plain
 * {@code MultiLayerNetwork.fit(DataSet)} steps of the MLP 784-100-100-10 (SGD 0.03, batch 10, consecutive views of
 * shuffled MNIST; no library code in the loop) after 500 warm-up steps, with the one native thread the trainer uses
 * at this batch size. {@code benchmarks/pytorch/der_protocol.py --bare-steps N} is the PyTorch counterpart; both
 * print microseconds per step.
 */
@Command(name = "benchmark-step", description = "Times plain MultiLayerNetwork.fit(DataSet) steps of the DER "
        + "protocol's MLP 784-100-100-10 (SGD 0.03, batch 10) after 500 warm-up steps: the floor DL4J sets.")
public final class StepBenchmark extends Options.Command {
    @Mixin
    Options.DataDir data;
    @Option(names = "--steps", defaultValue = "6000", description = "Timed steps.")
    int steps;
    @Option(names = "--seed", defaultValue = "1", description = "Shuffling and initialisation seed.")
    long seed;

    @Override
    public void run() {
        atLeast("--steps", steps, 1);
        DataSet train = IdxDatasets.mnist(data.resolve(), IdxDatasets.Split.TRAIN);
        int n = train.numExamples();
        java.util.List<Integer> shuffled = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            shuffled.add(i);
        }
        java.util.Collections.shuffle(shuffled, new Random(seed));
        int[] order = shuffled.stream().mapToInt(Integer::intValue).toArray();
        INDArray x = Nd4j.pullRows(train.getFeatures(), 1, order);
        INDArray y = Nd4j.pullRows(train.getLabels(), 1, order);
        MultiLayerNetwork net = new Mlp.Builder(784, 10).hidden(100, 100).updater(new Sgd(0.03)).seed(seed).build();
        int batches = n / 10;
        if (System.getenv("OMP_NUM_THREADS") == null) { // what the trainer's nativeThreads = 0 does at batch 10
            NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(1);
            Nd4j.factory().blas().setMaxThreads(1);
        }
        {
            double secs = 0;
            for (int pass = 0; pass < 2; pass++) {
                int count = pass == 0 ? 500 : steps;
                long t0 = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    long s = (i % batches) * 10L;
                    net.fit(new DataSet(x.get(NDArrayIndex.interval(s, s + 10), NDArrayIndex.all()),
                            y.get(NDArrayIndex.interval(s, s + 10), NDArrayIndex.all())));
                }
                secs = (System.nanoTime() - t0) / 1e9;
            }
            System.out.printf(Locale.ROOT, "{\"bare_steps\": %d, \"seconds\": %.3f, \"us_per_step\": %.1f}%n", steps,
                    secs, 1e6 * secs / steps);
        }
    }
}
