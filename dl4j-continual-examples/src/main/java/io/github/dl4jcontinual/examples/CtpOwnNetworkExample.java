package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.RetrievalMatrix;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import io.github.dl4jcontinual.zoo.ctp.*;
import io.github.dl4jcontinual.zoo.text.BertTextEncoder;
import io.github.dl4jcontinual.zoo.text.WordPieceTokenizer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * CTP on an image network built with DL4J's ordinary builders (a small CNN classifier): the plugin turns its body
 * into the image tower of a dual encoder over frozen MiniLM caption features and trains it on the real
 * MNIST / Fashion-MNIST image–caption stream of ../shared/data (argument: the data directory).
 */
public final class CtpOwnNetworkExample {
    public static void main(String[] args) throws Exception {
        DataDirectory data = DataDirectory.resolve(args.length > 0 ? args[0] : null);
        ContinualResult result = run(TemplatedPairStream.load(data, 500, 200), 2);
        RetrievalMatrix r = CtpResults.retrieval(result);
        System.out.printf("final mean R_m %.2f %%, forgetting %.2f points%n%s%n", 100 * r.finalMeanRecall(),
                100 * r.forgetting(), CtpResults.cumulative(result));
    }

    /** Builds the CNN and learns the pair stream with CTP, {@code epochs} per domain. */
    static ContinualResult run(PairStream stream, int epochs) throws Exception {
        ComputationGraph cnn = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).graphBuilder()
                .addInputs("img").setInputTypes(InputType.convolutionalFlat(28, 28, 1))
                .addLayer("conv", new ConvolutionLayer.Builder(5, 5).nOut(16).activation(Activation.RELU).build(),
                        "img")
                .addLayer("pool", new SubsamplingLayer.Builder(2, 2).stride(2, 2).build(), "conv")
                .addLayer("hidden", new DenseLayer.Builder().nOut(256).activation(Activation.RELU).build(), "pool")
                .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(10)
                        .activation(Activation.SOFTMAX).build(), "hidden")
                .setOutputs("out").build());
        cnn.init();
        ContinualConfiguration conf = new ContinualConfiguration.Builder().epochsPerExperience(epochs).batchSize(32)
                .seed(1).plugin(new CtpConfiguration.Builder().build()).build();
        try (WordPieceTokenizer tok = WordPieceTokenizer.allMiniLmL6V2()) {
            return ContinualTrainer.wrap(cnn, conf).fit(PairScenarios.of(stream,
                    new CachedTextFeatures(BertTextEncoder.allMiniLmL6V2(), tok)));
        }
    }
}
