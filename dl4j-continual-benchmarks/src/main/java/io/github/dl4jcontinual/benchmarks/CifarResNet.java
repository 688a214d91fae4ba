package io.github.dl4jcontinual.benchmarks;

import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.plugin.ExperienceTraining;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.scenario.Experience;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * The CIFAR-100 B0-10 configuration of {@code reproduce-cil --dataset cifar100} (PyCIL's protocol, see
 * docs/class-incremental.md): ResNet-32 for CIFAR (3 stages of 5 basic blocks, 16/32/64 channels, global average pooling),
 * 2000 exemplars in all (herding), class order from seed 1993, minibatch 128, SGD with momentum 0.9 and weight decay
 * 5e-4; 200 epochs on the first experience (lr 0.1, ÷10 at epochs 60, 120, 170) and 170 on each later one (iCaRL's
 * milestones 80, 120; WA's and BiC's 60, 100, 140).
 *
 * <p>Differences from PyCIL, stated: the shortcut of a down-sampling block is a strided 1×1 convolution with batch
 * normalisation (PyCIL's resnet32 pads zeros after average pooling); no random-crop/flip augmentation; one weight
 * decay (5e-4) for all experiences; the class order below is PyCIL's seed-1993 order as printed in its logs, copied
 * from memory and not verified here.</p>
 */
final class CifarResNet {
    /** Exemplars in all. */
    static final int MEMORY = 2000;
    /** Epochs of the first experience. */
    static final int FIRST_EPOCHS = 200;
    /** Epochs of every later experience. */
    static final int LATER_EPOCHS = 170;
    /** PyCIL's class order for seed 1993 (unverified copy; see the class comment). */
    static final int[] PYCIL_ORDER_1993 = {68, 56, 78, 8, 23, 84, 90, 65, 74, 76, 40, 89, 3, 92, 55, 9, 26, 80, 43,
        38, 58, 70, 77, 1, 85, 19, 17, 50, 28, 53, 13, 81, 45, 82, 6, 59, 83, 16, 15, 44, 91, 41, 72, 60, 79, 52, 20,
        10, 31, 54, 37, 95, 14, 71, 96, 98, 97, 2, 64, 66, 42, 22, 35, 86, 24, 34, 87, 21, 99, 0, 88, 27, 18, 94, 11,
        12, 47, 25, 30, 46, 62, 69, 36, 61, 7, 63, 75, 5, 32, 4, 51, 48, 73, 93, 39, 67, 29, 49, 57, 33};

    private CifarResNet() {
    }

    /**
     * @param head the output layer (nIn 64)
     * @param seed initialisation seed
     * @return an initialised ResNet-32 graph with input "in" (3×32×32) and output "out"
     */
    static ComputationGraph resnet32(Layer head, long seed) {
        ComputationGraphConfiguration.GraphBuilder g = new NeuralNetConfiguration.Builder().seed(seed)
                .updater(new Nesterovs(0.1, 0.9)).weightDecay(5e-4).weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("in")
                .setInputTypes(InputType.convolutional(32, 32, 3));
        String prev = convBn(g, "stem", "in", 16, 1, true);
        int channels = 16;
        for (int stage = 0; stage < 3; stage++) {
            int out = 16 << stage;
            for (int block = 0; block < 5; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                String n = "s" + stage + "b" + block;
                String a = convBn(g, n + "a", prev, out, stride, true);
                String b = convBn(g, n + "b", a, out, 1, false);
                String shortcut = prev;
                if (stride != 1 || channels != out) {
                    g.addLayer(n + "proj", new ConvolutionLayer.Builder(1, 1).stride(stride, stride).nOut(out)
                            .hasBias(false).build(), prev);
                    g.addLayer(n + "projbn", new BatchNormalization.Builder().build(), n + "proj");
                    shortcut = n + "projbn";
                }
                g.addVertex(n + "add", new ElementWiseVertex(ElementWiseVertex.Op.Add), b, shortcut);
                g.addLayer(n + "relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), n + "add");
                prev = n + "relu";
                channels = out;
            }
        }
        g.addLayer("pool", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), prev);
        g.addLayer("out", head, "pool").setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    private static String convBn(ComputationGraphConfiguration.GraphBuilder g, String name, String in, int out,
                                 int stride, boolean relu) {
        g.addLayer(name + "conv", new ConvolutionLayer.Builder(3, 3).stride(stride, stride).nOut(out).hasBias(false)
                .build(), in);
        g.addLayer(name + "bn", new BatchNormalization.Builder().activation(relu ? Activation.RELU
                : Activation.IDENTITY).build(), name + "conv");
        return name + "bn";
    }

    /**
     * @param method the method (its later-experience milestones)
     * @return the schedule plugin: its training step runs PyCIL's epochs per experience, learning rate 0.1 ÷ 10 at
     *         the milestone epochs
     */
    static PluginConfiguration schedule(String method) {
        int[] later = method.equals("icarl") ? new int[]{80, 120} : new int[]{60, 100, 140};
        return new Schedule(later);
    }

    /** PyCIL's per-experience epochs and step decays (JSON: field {@code later}). */
    static final class Schedule implements PluginConfiguration {
        private static final long serialVersionUID = 1L;
        private int[] later;

        private Schedule() {
        }

        Schedule(int[] later) {
            this.later = later.clone();
        }

        @Override
        public String name() {
            return "pycil-schedule";
        }

        @Override
        public ContinualPlugin instantiate() {
            return new ContinualPlugin() {
                @Override
                public ExperienceTraining training(ContinualContext ctx, Experience experience) {
                    boolean first = experience.index() == 0;
                    int[] milestones = first ? new int[]{60, 120, 170} : later;
                    return new ExperienceTraining() {
                        @Override
                        public int epochs(int configured) {
                            return first ? FIRST_EPOCHS : LATER_EPOCHS;
                        }

                        @Override
                        public void onEpochStart(int epoch) {
                            double lr = 0.1;
                            for (int m : milestones) {
                                if (epoch >= m) {
                                    lr *= 0.1;
                                }
                            }
                            ctx.model().setLearningRate(lr);
                        }

                        @Override
                        public long step(MultiDataSet batch) {
                            ctx.model().fit(batch);
                            return 1;
                        }
                    };
                }

                @Override
                public java.io.Serializable saveState() {
                    return null;
                }
            };
        }
    }
}
