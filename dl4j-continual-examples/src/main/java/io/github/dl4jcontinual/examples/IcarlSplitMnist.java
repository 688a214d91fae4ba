package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.cil.IcarlConfiguration;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.plugin.impl.IterationBudget;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * iCaRL on Split-MNIST with van de Ven &amp; Tolias' protocol: MLP 784-400-400 with a sigmoid/binary cross-entropy
 * head of 2 units that grows with the classes ({@code HeadPolicy.EXPANDING}), Adam 1e-3, 2000 minibatches of 128 per
 * experience, 100 herded exemplars per class, distillation at T = 2. Prints the network head's and the
 * nearest-mean-of-exemplars classifier's class-IL accuracy (docs/class-incremental.md: 92.5 and 92.8 %).
 * <p>
 * Arguments: {@code [data-dir] [iterations-per-experience]}.
 */
public final class IcarlSplitMnist {
    private IcarlSplitMnist() {
    }

    public static void main(String[] args) {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 2000;
        ContinualResult r = run(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN),
                IdxDatasets.mnist(dir, IdxDatasets.Split.TEST), iterations, 100);
        System.out.println(r.report());
        System.out.printf("class-IL: network head %.2f %%, nearest mean of exemplars %.2f %%%n",
                100 * r.classIncremental().finalAverageAccuracy(),
                100 * r.classIncremental("nme").finalAverageAccuracy());
    }

    /** iCaRL with {@code perClass} exemplars per class and {@code iterations} minibatches per experience. */
    static ContinualResult run(DataSet train, DataSet test, int iterations, int perClass) {
        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-3)).weightInit(WeightInit.XAVIER).list()
                .layer(new DenseLayer.Builder().nOut(400).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(400).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.XENT).nOut(2)
                        .activation(Activation.SIGMOID).build())
                .setInputType(InputType.feedForward(784)).build());
        net.init();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().batchSize(128).seed(1)
                .headPolicy(HeadPolicy.EXPANDING)
                .plugin(new IcarlConfiguration.Builder().exemplarsPerClass(perClass).temperature(2).build())
                .plugin(new IterationBudget(iterations)).build();
        return ContinualTrainer.wrap(net, conf).fit(new ClassIncrementalScenario.Builder().train(train).test(test)
                .numExperiences(5).name("split-mnist").build());
    }
}
