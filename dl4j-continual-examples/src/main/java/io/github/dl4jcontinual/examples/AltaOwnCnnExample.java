package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import io.github.dl4jcontinual.zoo.alta.AltaConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.List;

/** ALTA on an ordinary DL4J CNN (fine-tuned end to end), Split-Fashion-MNIST with the class names, MiniLM text. */
public final class AltaOwnCnnExample {
    private AltaOwnCnnExample() {
    }

    /** @param args optional: the data directory (default: DL4J_CONTINUAL_DATA, else ~/.dl4j-continual/data) */
    public static void main(String[] args) {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        ContinualResult r = run(new ClassIncrementalScenario.Builder().name("split-fashion-mnist")
                .train(DataSets.perClass(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN), 0, 200))
                .test(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).build(), 3);
        System.out.println(r.classIncremental());
        System.out.printf("final class-IL %.2f %%, task-IL %.2f %%%n", 100 * r.classIncremental()
                .finalAverageAccuracy(), 100 * r.taskIncremental().finalAverageAccuracy());
    }

    /** Builds the CNN and learns the Split-Fashion-MNIST scenario with ALTA, {@code epochs} per experience. */
    static ContinualResult run(Scenario scenario, int epochs) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-3)).list()
                .layer(new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU).build())
                .layer(new SubsamplingLayer.Builder().kernelSize(2, 2).stride(2, 2).build())
                .layer(new DenseLayer.Builder().nOut(128).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(28, 28, 1)).build());
        net.init();
        AltaConfiguration alta = new AltaConfiguration.Builder().trainBackbone(true).classNames(List.of(
                "T-shirt/top", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag",
                "ankle boot")).build();
        return ContinualTrainer.wrap(net, new ContinualConfiguration.Builder().epochsPerExperience(epochs)
                .batchSize(32).headPolicy(HeadPolicy.FIXED).maskUnseenClasses(false).seed(1).plugin(alta).build())
                .fit(scenario);
    }
}
