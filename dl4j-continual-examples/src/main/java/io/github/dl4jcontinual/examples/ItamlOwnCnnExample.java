package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.metalearning.ItamlConfiguration;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * iTAML (Rajasegaran et al., CVPR 2020) on a user's own LeNet-style CNN, Split-MNIST 5 × 2: the network is built with
 * DL4J's ordinary builders (softmax classifier), iTAML is one plugin of the trainer. Usage:
 * {@code java -cp dl4j-continual-examples.jar io.github.dl4jcontinual.examples.ItamlOwnCnnExample [dataDir] [epochs]}
 * (data directory: the argument, else {@code $DL4J_CONTINUAL_DATA}, else {@code ~/.dl4j-continual/data}).
 */
public final class ItamlOwnCnnExample {
    private ItamlOwnCnnExample() {
    }

    /** @param args optional data directory and epochs per session after the first (default 20, the paper's) */
    public static void main(String[] args) {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        Scenario scenario = new ClassIncrementalScenario.Builder().name("split-mnist")
                .train(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN))
                .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).build();
        System.out.println(run(scenario, args.length > 1 ? Integer.parseInt(args[1]) : 20).report());
    }

    /** Builds the CNN and runs iTAML (the paper's MNIST settings, {@code epochs} per session) on the scenario. */
    static ContinualResult run(Scenario scenario, int epochs) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Nesterovs(0.1, 0.9)).l2(1e-3).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(20).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(50).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2)
                        .build())
                .layer(new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        net.init();
        ItamlConfiguration itaml = ItamlConfiguration.splitMnist().firstSessionEpochs(Math.min(5, epochs)).build();
        return ContinualTrainer.wrap(net, ItamlConfiguration.splitMnistTrainer(itaml).epochsPerExperience(epochs)
                .seed(1).build()).fit(scenario);
    }
}
