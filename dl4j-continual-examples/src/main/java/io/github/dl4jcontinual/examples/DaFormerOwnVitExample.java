package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.IdxDatasets;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.trainer.*;
import io.github.dl4jcontinual.zoo.daformer.DaFormerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.*;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.*;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * DAFormer-M on a small ViT built with DL4J's own layers (the 28 image columns as tokens, a 1-d convolution as token
 * embedding, three SelfAttentionLayers with residual connections, average pooling), learning Split-Fashion-MNIST
 * (5 × 2 classes, 300 training images per class, the full test set). The plugin turns the last SelfAttentionLayer
 * into the dual-attention block with per-task keys and heads. Run:
 * {@code java -cp ... io.github.dl4jcontinual.examples.DaFormerOwnVitExample ../shared/data}.
 */
public final class DaFormerOwnVitExample {
    public static void main(String[] args) {
        DataDirectory dir = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        Scenario fashion = new ClassIncrementalScenario.Builder()
                .train(DataSets.perClass(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TRAIN), 0, 300))
                .test(IdxDatasets.fashionMnist(dir, IdxDatasets.Split.TEST)).numExperiences(5).build();
        System.out.println(run(fashion, 2, 500).classIncremental());
    }

    /** Builds the ViT and learns the scenario with DAFormer-M ({@code epochs} per experience, that memory). */
    static ContinualResult run(Scenario scenario, int epochs, int memory) {
        ComputationGraph vit = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1)
                .updater(new Adam(1e-3)).graphBuilder().addInputs("in").setInputTypes(InputType.feedForward(784))
                .addVertex("tokens", new ReshapeVertex(-1, 28, 28), "in")
                .addLayer("embed", new Convolution1DLayer.Builder(1).nIn(28).nOut(64).activation(Activation.TANH)
                        .build(), "tokens")
                .addLayer("att1", attention(), "embed")
                .addVertex("res1", new ElementWiseVertex(ElementWiseVertex.Op.Add), "embed", "att1")
                .addLayer("att2", attention(), "res1")
                .addVertex("res2", new ElementWiseVertex(ElementWiseVertex.Op.Add), "res1", "att2")
                .addLayer("att3", attention(), "res2")
                .addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "att3")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "pool")
                .setOutputs("out").build());
        vit.init();
        return ContinualTrainer.wrap(vit, new ContinualConfiguration.Builder().headPolicy(HeadPolicy.FIXED)
                .epochsPerExperience(epochs).batchSize(64).seed(1).plugin(new DaFormerConfiguration.Builder()
                        .edition(DaFormerConfiguration.Edition.M).memorySize(memory).build()).build()).fit(scenario);
    }

    private static SelfAttentionLayer attention() {
        return new SelfAttentionLayer.Builder().nIn(64).nOut(64).nHeads(4).projectInput(true).build();
    }
}
