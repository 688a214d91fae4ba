package com.example.consumer;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * A user's own MLP, built with DL4J's builders, trained class-incrementally on Split-MNIST (5 experiences of 2
 * digits) with experience replay (a reservoir of 200 images); exits with status 1 if the final class-IL accuracy is
 * below 60 % (Naive forgetting gives about 20 %). Argument: the data directory holding mnist/*.gz.
 */
public final class OwnMlpWithReplay {
    private OwnMlpWithReplay() {
    }

    public static void main(String[] args) {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nIn(784).nOut(100).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(100).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        Scenario splitMnist = new ClassIncrementalScenario.Builder()
                .train(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN))
                .test(IdxDatasets.mnist(dir, IdxDatasets.Split.TEST))
                .numExperiences(5).name("split-mnist").build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(1)
                .plugin(new ExperienceReplay.Builder().bufferSize(200).replayBatch(10).build())
                .build();
        ContinualResult result = ContinualTrainer.wrap(net, conf).fit(splitMnist);
        double acc = result.classIncremental().finalAverageAccuracy();
        System.out.printf("consumer: Split-MNIST, own MLP + ER-200: class-IL %.2f %%, forgetting %.2f%n", 100 * acc,
                100 * result.classIncremental().averageForgetting());
        if (!(acc >= 0.6)) {
            System.err.println("consumer: class-IL accuracy " + acc + " is below the expected 0.6");
            System.exit(1);
        }
    }
}
