package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.scenario.DomainIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.TestScope;
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

/**
 * Online EWC on Permuted-MNIST (domain-incremental: the same 10 digits under a new fixed pixel permutation in each
 * experience), beside plain fine-tuning of the same network, with the DER paper's protocol and its selected
 * hyper-parameters: 20 permutations, MLP 784-100-100-10, batch 128, one epoch; SGD 0.2 for fine-tuning, SGD 0.1
 * with λ 0.7, γ 1 for online EWC (the penalty's gradient is added by a DL4J {@code TrainingListener}; the network
 * and its loss are not changed). Published final accuracies (Buzzega et al. 2020, Table 2): 40.70 and 75.79 %.
 * <p>
 * Arguments: {@code [data-dir] [permutations]} (the data directory holds {@code mnist/*-ubyte.gz}).
 */
public final class OnlineEwcPermutedMnist {
    private OnlineEwcPermutedMnist() {
    }

    public static void main(String[] args) {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        int permutations = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        DataSet train = IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN);
        DataSet test = IdxDatasets.mnist(dir, IdxDatasets.Split.TEST);
        ContinualResult naive = run(train, test, permutations, false);
        ContinualResult ewc = run(train, test, permutations, true);
        System.out.println(ewc.report());
        System.out.printf("final accuracy over the %d permutations: fine-tuning %.2f %%, online EWC %.2f %%%n",
                permutations, 100 * naive.classIncremental().finalAverageAccuracy(),
                100 * ewc.classIncremental().finalAverageAccuracy());
    }

    /** Learns {@code permutations} permutations (seed 1) of {@code train}, with online EWC or without. */
    static ContinualResult run(DataSet train, DataSet test, int permutations, boolean ewc) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Sgd(ewc ? 0.1 : 0.2)).weightInit(WeightInit.XAVIER_UNIFORM).list()
                .layer(new DenseLayer.Builder().nOut(100).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(100).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(784)).build());
        net.init();
        Scenario permuted = DomainIncrementalScenario.permuted(train, test, permutations, 1);
        ContinualConfiguration.Builder conf = new ContinualConfiguration.Builder().batchSize(128).seed(1)
                .testScope(TestScope.SEEN);
        if (ewc) {
            conf.plugin(new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC).lambda(0.7).gamma(1)
                    .build());
        }
        return ContinualTrainer.wrap(net, conf.build()).fit(permuted);
    }
}
