package io.github.dl4jcontinual.datavec;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.ExperienceResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.MnistFiles;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualListener;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.io.File;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Peak heap of the same streamed scenario at 1x and 8x the data (not part of the test suite; see
 * {@code docs/data.md} and {@code bin/stream-heap}). It writes the first {@code --per-class} MNIST training images
 * of every class as a PNG tree once per factor, each image {@code factor} times ({@code <n>_<copy>.png}), and the
 * first 100 test images of every class once; then, interleaving the factors for {@code --reps} rounds, it runs one
 * JVM per measurement with the same {@code -Xmx}: Split-MNIST (5x2, class-IL) read through an
 * {@code ImageRecordReader} (the test stream the same for every factor), an MLP 784-100-10 with SGD, ER (buffer
 * 500), one epoch per experience. Each child reports, after the indexing pass and at the end of every experience
 * (after its evaluation): the peak of the heap pools since the last reset (the trainer resets them when an
 * experience starts; the sum of the pools' peaks, as {@code MemoryPoolMXBean} gives them), the live heap right
 * after {@code System.gc()}, and the process's resident set (heap plus ND4J's off-heap arrays).
 *
 * <pre>
 * StreamHeapBenchmark --data ../shared/data --out /tmp/stream-heap [--per-class 600] [--factors 1,8] [--reps 2]
 *                     [--xmx 1g] [--shuffle-buffer 10000] [--jvm "-Xmn128m ..."]
 * </pre>
 *
 * <p>{@code --jvm} adds options to every measured JVM (e.g. a fixed young generation, {@code -Xmn128m}, so that the
 * collector's adaptive sizing does not make the peak depend on how long the run is); the environment variable
 * {@code STREAM_HEAP_HISTOGRAM} makes every measured JVM print its class histogram at the end.</p>
 */
public final class StreamHeapBenchmark {
    private static final double MB = 1024.0 * 1024.0;

    private StreamHeapBenchmark() {
    }

    /**
     * @param args see the class comment ({@code --child TRAIN TEST BUFFER} runs one measurement)
     * @throws Exception on failure
     */
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(Paths.get(args[1]), Paths.get(args[2]), Integer.parseInt(args[3]));
            return;
        }
        Map<String, String> o = options(args);
        Path out = Paths.get(require(o, "out"));
        DataDirectory data = DataDirectory.of(new File(require(o, "data")));
        int perClass = Integer.parseInt(o.getOrDefault("per-class", "600"));
        int[] factors = Arrays.stream(o.getOrDefault("factors", "1,8").split(",")).mapToInt(Integer::parseInt)
                .toArray();
        int reps = Integer.parseInt(o.getOrDefault("reps", "2"));
        String xmx = o.getOrDefault("xmx", "1g");
        int buffer = Integer.parseInt(o.getOrDefault("shuffle-buffer", "10000"));
        List<String> jvm = o.containsKey("jvm") ? Arrays.asList(o.get("jvm").trim().split("\\s+")) : List.of();

        DataSet train = IdxDatasets.mnist(data, IdxDatasets.Split.TRAIN);
        DataSet test = IdxDatasets.mnist(data, IdxDatasets.Split.TEST);
        DataSet trainRows = MnistFiles.rows(train, MnistFiles.firstPerClass(train, perClass));
        Path testTree = out.resolve("test");
        if (!Files.isDirectory(testTree)) {
            MnistFiles.writePngTree(MnistFiles.rows(test, MnistFiles.firstPerClass(test, 100)), testTree, 1);
        }
        for (int f : factors) {
            Path tree = out.resolve("train-x" + f);
            if (!Files.isDirectory(tree)) {
                long t0 = System.currentTimeMillis();
                MnistFiles.writePngTree(trainRows, tree, f);
                System.out.printf(Locale.ROOT, "wrote %s (%d files) in %.1f s%n", tree, trainRows.numExamples() * f,
                        (System.currentTimeMillis() - t0) / 1000.0);
            }
        }
        List<String> csv = new ArrayList<>();
        csv.add("factor,rep,train_examples,phase,peak_heap_mb,live_heap_after_gc_mb,rss_mb,javacpp_tracked_mb,"
                + "seconds,class_il");
        for (int rep = 0; rep < reps; rep++) {
            for (int f : factors) {
                List<String> lines = fork(xmx, jvm, out.resolve("train-x" + f), testTree, buffer);
                for (String l : lines) {
                    csv.add(f + "," + rep + "," + trainRows.numExamples() * f + "," + l);
                }
                summary(f, rep, lines);
            }
        }
        Path csvFile = out.resolve("stream-heap.csv");
        Files.write(csvFile, csv);
        System.out.println("wrote " + csvFile);
    }

    private static void summary(int factor, int rep, List<String> lines) {
        double peak = 0;
        double live = 0;
        double off = 0;
        String total = "";
        for (String l : lines) {
            String[] c = l.split(",");
            peak = Math.max(peak, Double.parseDouble(c[1]));
            live = Math.max(live, Double.parseDouble(c[2]));
            off = Math.max(off, Double.parseDouble(c[3]));
            if (c[0].equals("total")) {
                total = c[5] + " s, class-IL " + c[6];
            }
        }
        System.out.printf(Locale.ROOT, "x%d rep %d: peak heap %.1f MB, max live heap after GC %.1f MB, max RSS "
                + "%.1f MB (%s)%n", factor, rep, peak, live, off, total);
    }

    private static List<String> fork(String xmx, List<String> jvm, Path train, Path test, int buffer)
            throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + xmx, "-Dorg.bytedeco.javacpp.maxbytes=4G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=6G"));
        cmd.addAll(jvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), StreamHeapBenchmark.class.getName(),
                "--child", train.toString(), test.toString(), Integer.toString(buffer)));
        Path log = Files.createTempFile("stream-heap", ".log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putIfAbsent("OMP_NUM_THREADS", "1");
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("The measurement of " + train + " failed:\n" + Files.readString(log));
        }
        List<String> rows = new ArrayList<>();
        for (String l : Files.readAllLines(log)) {
            if (l.startsWith("HEAP,")) {
                rows.add(l.substring(5));
            } else if (l.startsWith("HISTO ")) {
                System.out.println(l);
            }
        }
        Files.delete(log);
        return rows;
    }

    private static void child(Path train, Path test, int buffer) {
        long t0 = System.currentTimeMillis();
        resetPeaks();
        Scenario s = new ClassIncrementalScenario.Builder()
                .train(MnistFiles.imageIterator(train, 128)).test(MnistFiles.imageIterator(test, 128))
                .numExperiences(5).shuffleBuffer(buffer).name("split-mnist-png").build();
        report("index", t0, Double.NaN);
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder()
                .seed(1).updater(new Sgd(0.05)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nOut(100).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(28, 28, 1)).build();
        MultiLayerNetwork net = new MultiLayerNetwork(c);
        net.init();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(32).seed(7).progress(false)
                .plugin(new ExperienceReplay.Builder().bufferSize(500).replayBatch(32).build()).build();
        ContinualTrainer<MultiLayerNetwork> t = ContinualTrainer.wrap(net, conf);
        t.addListener(new ContinualListener() {
            @Override
            public void onExperienceEnd(ExperienceResult result, AccuracyMatrix classIl, AccuracyMatrix taskIl) {
                report("experience" + result.experience(), t0, classIl.averageAccuracy(classIl.rows() - 1));
            }
        });
        ContinualResult r = t.fit(s);
        report("total", t0, r.classIncremental().finalAverageAccuracy());
    }

    /** What is alive, for diagnosing growth: the JDK's class histogram of this process (a full GC first). */
    private static void histogram(String phase) {
        if (System.getenv("STREAM_HEAP_HISTOGRAM") == null) {
            return;
        }
        try {
            Process p = new ProcessBuilder(Paths.get(System.getProperty("java.home"), "bin", "jcmd").toString(),
                    Long.toString(ProcessHandle.current().pid()), "GC.class_histogram")
                    .redirectErrorStream(true).start();
            new String(p.getInputStream().readAllBytes()).lines().limit(20)
                    .forEach(l -> System.out.println("HISTO " + phase + " " + l));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * Prints "HEAP,phase,peak,live,rss,javacppTracked,seconds,accuracy" and resets the peaks: peak = the sum of the
     * heap pools' peaks since the last reset, live = the heap used right after {@code System.gc()}, rss = the
     * process's resident set ({@code Pointer.physicalBytes()}: heap, ND4J's off-heap arrays, code), javacppTracked =
     * {@code Pointer.totalBytes()}.
     */
    private static void report(String phase, long t0, double accuracy) {
        double peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        System.gc();
        double live = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        System.out.printf(Locale.ROOT, "HEAP,%s,%.1f,%.1f,%.1f,%.1f,%.1f,%.4f%n", phase, peak / MB, live / MB,
                Pointer.physicalBytes() / MB, Pointer.totalBytes() / MB, (System.currentTimeMillis() - t0) / 1000.0,
                accuracy);
        histogram(phase);
        resetPeaks();
    }

    private static void resetPeaks() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP) {
                pool.resetPeakUsage();
            }
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("Expected --name value pairs (got: " + String.join(" ", args)
                        + ")");
            }
            o.put(args[i].substring(2), args[i + 1]);
        }
        return o;
    }

    private static String require(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }
}
