package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.zoo.atlas.AtlasConfiguration;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.*;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * ATLAS on a CNN built with DL4J's builders: the CNN is first trained as an ordinary classifier on Fashion-MNIST
 * (the "pretrained tower"), then {@code ContinualTrainer.wrap(net, conf)} learns task-incremental Split-MNIST with
 * the ATLAS plugin (adapter sites after the two dense layers, per-task heads, two stages). Data: {@code ../shared/data}
 * or the directory given as the first argument.
 */
public final class AtlasOwnCnnExample {
    private AtlasOwnCnnExample() {
    }

    public static void main(String[] args) {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        ContinualResult r = run(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN).splitTestAndTrain(5000)
                .getTrain(), new ClassIncrementalScenario.Builder().name("split-mnist").taskLabels(true)
                .train(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN).splitTestAndTrain(2000).getTrain())
                .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).build(), 2);
        System.out.println("task-IL accuracy (ATLAS on the user's CNN):\n" + r.taskIncremental());
        System.out.printf("final average %.2f %%, forgetting %.2f%n", 100 * r.taskIncremental().finalAverageAccuracy(),
                100 * r.taskIncremental().averageForgetting());
    }

    /**
     * Pre-trains the CNN on {@code tower} (1 epoch), then ATLAS: stage 1 {@code epochs}, stage 2 twice that, at a rate
     * of 1e-2 (ten times the paper's: this demo gives each task a few dozen updates, too few at 1e-3).
     */
    static ContinualResult run(DataSet tower, Scenario scenario, int epochs) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder().kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(64).activation(Activation.IDENTITY).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        net.init();
        net.fit(new ListDataSetIterator<>(tower.asList(), 64));
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(32).seed(1).plugin(
                new AtlasConfiguration.Builder().stage1Epochs(epochs).stage2Epochs(2 * epochs).learningRate(1e-2)
                        .build()).build();
        return ContinualTrainer.wrap(net, conf).fit(scenario);
    }
}
