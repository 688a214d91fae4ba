package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.*;
import io.github.dl4jcontinual.zoo.l2p.L2pConfiguration;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.*;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.*;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * L2P on a small ViT built with DL4J's own layers (the 28 image columns as tokens, a 1-d convolution as token
 * embedding, two SelfAttentionLayers, average pooling), pre-trained for 2 epochs on 2 000 MNIST digits, then
 * learning Split-Fashion-MNIST (5 × 2 classes, 200 images per class) with only prompts, keys and head trained.
 * Run: {@code java -cp ... io.github.dl4jcontinual.examples.L2pOwnVitExample ../shared/data}.
 */
public final class L2pOwnVitExample {
    public static void main(String[] args) {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        DataSet digits = DataSets.perClass(IdxDatasets.mnist(dir, IdxDatasets.Split.TRAIN), 0, 200);
        Scenario fashion = new ClassIncrementalScenario.Builder()
                .train(DataSets.perClass(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN), 0, 200))
                .test(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).build();
        System.out.println(run(digits, 2, fashion, 3).classIncremental());
    }

    /** Pre-trains the ViT on {@code digits} (shuffled in place), then L2P ({@code epochs} per experience). */
    static ContinualResult run(DataSet digits, int pretrainEpochs, Scenario scenario, int epochs) {
        ComputationGraph vit = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-3)).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.feedForward(784)).addVertex("tokens", new ReshapeVertex(-1, 28, 28), "in")
                .addLayer("embed", new Convolution1DLayer.Builder(3).nIn(28).nOut(32).activation(Activation.TANH)
                        .build(), "tokens")
                .addLayer("att1", attention(), "embed")
                .addVertex("res1", new ElementWiseVertex(ElementWiseVertex.Op.Add), "embed", "att1")
                .addLayer("att2", attention(), "res1")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "att2")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        vit.init();
        digits.shuffle(1);
        vit.fit(new ListDataSetIterator<>(digits.asList(), 32), pretrainEpochs);
        return ContinualTrainer.wrap(vit, new ContinualConfiguration.Builder().headPolicy(HeadPolicy.FIXED)
                .epochsPerExperience(epochs).batchSize(32).seed(1)
                .plugin(new L2pConfiguration.Builder().updater(new Adam(0.01)).build()).build()).fit(scenario);
    }

    private static SelfAttentionLayer attention() {
        return new SelfAttentionLayer.Builder().nIn(32).nOut(32).nHeads(4).projectInput(true).build();
    }
}
