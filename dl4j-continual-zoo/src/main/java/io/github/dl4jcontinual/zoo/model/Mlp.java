package io.github.dl4jcontinual.zoo.model;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.Arrays;
import java.util.Objects;

/**
 * A fully connected classifier backbone: {@code nIn -> hidden... (ReLU) -> nOut (softmax, cross-entropy)},
 * Xavier-uniform weights and zero biases (Mammoth's {@code MNISTMLP} initialisation).
 *
 * <pre>{@code
 * MultiLayerNetwork der = new Mlp.Builder(784, 10).hidden(100, 100).updater(new Sgd(0.03)).seed(1).build();
 * }</pre>
 * The same configuration gives the same initial parameters as a {@link MultiLayerNetwork} and as a
 * {@link ComputationGraph} (layers named {@code h0, h1, ..., out}, input {@code in}).
 */
public final class Mlp {
    private final Builder b;

    private Mlp(Builder b) {
        this.b = b;
    }

    /** Builder; required: input and output sizes. */
    public static final class Builder {
        private final int nIn;
        private final int nOut;
        private int[] hidden = {100, 100};
        private IUpdater updater = new Sgd(0.03);
        private long seed = 12345;
        private double l2;

        /**
         * @param nIn  number of input features
         * @param nOut number of classes
         */
        public Builder(int nIn, int nOut) {
            if (nIn <= 0 || nOut <= 0) {
                throw new IllegalArgumentException("nIn and nOut should be > 0 (got: " + nIn + ", " + nOut + ")");
            }
            this.nIn = nIn;
            this.nOut = nOut;
        }

        /**
         * @param widths hidden layer widths (default 100, 100)
         * @return this builder
         */
        public Builder hidden(int... widths) {
            for (int w : widths) {
                if (w <= 0) {
                    throw new IllegalArgumentException("hidden widths should be > 0 (got: " + Arrays.toString(widths)
                            + ")");
                }
            }
            this.hidden = widths.clone();
            return this;
        }

        /**
         * @param updater the DL4J updater (default plain SGD, lr 0.03)
         * @return this builder
         */
        public Builder updater(IUpdater updater) {
            this.updater = Objects.requireNonNull(updater, "updater");
            return this;
        }

        /**
         * @param l2 L2 regularisation coefficient of every layer (DL4J {@code l2}: gradient += l2·w), at least 0;
         *           default 0
         * @return this builder
         */
        public Builder l2(double l2) {
            if (!(l2 >= 0)) {
                throw new IllegalArgumentException("l2 should be >= 0 (got: " + l2 + ")");
            }
            this.l2 = l2;
            return this;
        }

        /**
         * @param seed initialisation seed
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** @return an initialised MultiLayerNetwork */
        public MultiLayerNetwork build() {
            return new Mlp(this).network();
        }

        /** @return an initialised ComputationGraph with the same layers */
        public ComputationGraph buildGraph() {
            return new Mlp(this).graph();
        }
    }

    private NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder().seed(b.seed).updater(b.updater)
                .weightInit(WeightInit.XAVIER_UNIFORM).biasInit(0.0).l2(b.l2);
    }

    private MultiLayerNetwork network() {
        NeuralNetConfiguration.ListBuilder lb = base().list();
        int in = b.nIn;
        for (int w : b.hidden) {
            lb.layer(new DenseLayer.Builder().nIn(in).nOut(w).activation(Activation.RELU).build());
            in = w;
        }
        lb.layer(output(in));
        MultiLayerNetwork net = new MultiLayerNetwork(lb.build());
        net.init();
        return net;
    }

    private ComputationGraph graph() {
        ComputationGraphConfiguration.GraphBuilder gb = base().graphBuilder().addInputs("in");
        String prev = "in";
        int in = b.nIn;
        for (int i = 0; i < b.hidden.length; i++) {
            String name = "h" + i;
            gb.addLayer(name, new DenseLayer.Builder().nIn(in).nOut(b.hidden[i]).activation(Activation.RELU).build(),
                    prev);
            prev = name;
            in = b.hidden[i];
        }
        gb.addLayer("out", output(in), prev).setOutputs("out");
        ComputationGraph g = new ComputationGraph(gb.build());
        g.init();
        return g;
    }

    private OutputLayer output(int in) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nIn(in).nOut(b.nOut)
                .activation(Activation.SOFTMAX).build();
    }
}
