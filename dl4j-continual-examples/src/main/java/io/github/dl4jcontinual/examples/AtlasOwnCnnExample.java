package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.zoo.atlas.AtlasConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
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
        DataSet fashion = IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN).splitTestAndTrain(5000).getTrain();
        net.fit(new org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator<>(fashion.asList(), 64));
        ClassIncrementalScenario.Builder split = new ClassIncrementalScenario.Builder()
                .train(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN).splitTestAndTrain(2000).getTrain())
                .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).taskLabels(true);
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(32).seed(1)
                .plugin(new AtlasConfiguration.Builder().stage1Epochs(1).stage2Epochs(2).build()).build();
        ContinualResult r = ContinualTrainer.wrap(net, conf).fit(split.name("split-mnist").build());
        System.out.println("task-IL accuracy (ATLAS on the user's CNN):\n" + r.taskIncremental());
        System.out.printf("final average %.2f %%, forgetting %.2f%n", 100 * r.taskIncremental().finalAverageAccuracy(),
                100 * r.taskIncremental().averageForgetting());
    }
}
