package io.github.dl4jcontinual.trainer;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.RemainderPolicy;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.MnistFiles;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * One step of a continual run learned one experience per process, for {@link LearnAcrossJvmsTest}: the stream is
 * Split-MNIST in 3 experiences (classes {0,1,2}, {3,4,5}, {6..9}) read from PNG trees through an
 * {@code ImageRecordReader}; an Adam MLP with dropout; ER.
 *
 * <pre>
 * java -cp ... io.github.dl4jcontinual.trainer.StepwiseRun TREES STEP IN OUT RESULT
 *   TREES   folder holding the train/ and test/ PNG trees
 *   STEP    0: evaluate the baseline, learn experience 0, evaluate; k &gt; 0: load IN, learn experience k, evaluate
 *   IN      the previous step's checkpoint ("-" for step 0)
 *   OUT     the checkpoint to write
 *   RESULT  the result JSON to write
 * </pre>
 */
public final class StepwiseRun {
    private StepwiseRun() {
    }

    static Scenario scenario(Path trees) {
        return new ClassIncrementalScenario.Builder()
                .train(MnistFiles.imageIterator(trees.resolve("train"), 64))
                .test(MnistFiles.imageIterator(trees.resolve("test"), 100))
                .numExperiences(3).remainder(RemainderPolicy.LAST_EXPERIENCE).shuffleBuffer(256)
                .name("split-mnist-png-3").build();
    }

    static MultiLayerNetwork net() {
        MultiLayerConfiguration c = new NeuralNetConfiguration.Builder()
                .seed(3).updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER)
                .list()
                .layer(new DenseLayer.Builder().nOut(64).activation(Activation.RELU).dropOut(0.8).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutional(28, 28, 1))
                .build();
        MultiLayerNetwork n = new MultiLayerNetwork(c);
        n.init();
        return n;
    }

    static ContinualConfiguration conf() {
        return new ContinualConfiguration.Builder().batchSize(16).seed(11).progress(false)
                .plugin(new ExperienceReplay.Builder().bufferSize(100).replayBatch(8).build()).build();
    }

    static List<Experience> test(Scenario s) {
        List<Experience> l = new ArrayList<>();
        s.testStream().forEach(l::add);
        return l;
    }

    /**
     * @param args TREES STEP IN OUT RESULT (see the class comment)
     * @throws Exception on any failure (the exit status is then non-zero)
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            throw new IllegalArgumentException("Usage: StepwiseRun TREES STEP IN OUT RESULT (got " + args.length
                    + " arguments)");
        }
        Path trees = Paths.get(args[0]);
        int step = Integer.parseInt(args[1]);
        Scenario s = scenario(trees);
        List<Experience> test = test(s);
        ContinualTrainer<MultiLayerNetwork> t;
        if (step == 0) {
            t = ContinualTrainer.wrap(net(), conf());
            t.evaluate(test);
        } else {
            t = ContinualTrainer.load(Paths.get(args[2]), conf(), MultiLayerNetwork.class);
        }
        t.learn(s.trainStream().get(step));
        t.evaluate(test);
        if (step == s.trainStream().size() - 1) {
            t.finish();
        }
        t.save(Paths.get(args[3]));
        ContinualResult r = t.result();
        Files.writeString(Paths.get(args[4]), r.toJson());
        System.out.println("step " + step + ": class-IL " + r.classIncremental().averageAccuracy(step));
    }
}
