package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.report.ContinualReport;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
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

/**
 * Your own MLP, built with DL4J's builders, learns Split-MNIST class-incrementally (5 experiences of 2 digits)
 * with experience replay from a 500-image reservoir, and writes the result and an HTML report. Plain SGD 0.1 (the
 * DER paper's selected value for ER on Seq-MNIST), batch 10, one epoch per experience: the DER protocol, where
 * fine-tuning alone ends near 20 %.
 * <p>
 * Arguments: {@code [data-dir] [out-dir]}; the data directory holds {@code mnist/*-ubyte.gz} (default:
 * {@code $DL4J_CONTINUAL_DATA}, else {@code ~/.dl4j-continual/data}), results go to {@code results/own-mlp-er}.
 */
public final class OwnMlpExperienceReplay {
    private OwnMlpExperienceReplay() {
    }

    public static void main(String[] args) throws Exception {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        File out = new File(args.length > 1 ? args[1] : "results/own-mlp-er");
        ContinualResult result = run(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN),
                IdxDatasets.mnist(dir, IdxDatasets.Split.TEST), 500);
        System.out.println(result.report());
        result.writeTo(out);
        File report = ContinualReport.from(result).writeTo(new File(out, "report.html"));
        System.out.printf("class-IL %.2f %%, task-IL %.2f %%; report: %s%n",
                100 * result.classIncremental().finalAverageAccuracy(),
                100 * result.taskIncremental().finalAverageAccuracy(), report);
    }

    /** The network a DL4J user already has: 784-100-100-10, ReLU, softmax. */
    static MultiLayerNetwork myNetwork() {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER_UNIFORM).list()
                .layer(new DenseLayer.Builder().nOut(100).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(100).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build());
        net.init();
        return net;
    }

    /** Split-MNIST with ER: {@code buffer} images kept, one replayed minibatch of 10 beside every new one. */
    static ContinualResult run(DataSet train, DataSet test, int buffer) {
        Scenario splitMnist = new ClassIncrementalScenario.Builder().train(train).test(test)
                .numExperiences(5).name("split-mnist").build();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(10).seed(1)
                .plugin(new ExperienceReplay.Builder().bufferSize(buffer).replayBatch(10).build())
                .build();
        return ContinualTrainer.wrap(myNetwork(), conf).fit(splitMnist);
    }
}
