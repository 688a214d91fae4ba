package io.github.dl4jcontinual.multihead;

import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;

import java.util.Arrays;

/**
 * Creates the multi-head task-IL version of a user's network: a new network with the same layers and
 * parameters whose output layer is split into one head per experience of the scenario (the units of the
 * experience's classes), trained with {@link MultiHeadSoftmaxCrossEntropy} (softmax within the head of each
 * example's task) and an identity activation, so {@code output()} gives logits. The continual trainer's
 * task-IL accuracy (prediction restricted to the experience's classes) is then exactly the multi-head accuracy
 * with the task label given; its class-IL accuracy (argmax over all logits) is reported but not meaningful
 * for multi-head models.
 *
 * <p>Use a FIXED head policy (the output layer keeps nOut = number of classes). The input network is not
 * modified; the result's parameters are a copy.</p>
 */
public final class TaskHeads {
    private TaskHeads() {
    }

    /**
     * @param scenario a scenario whose experiences have disjoint classes
     * @param nOut     the output layer's width
     * @return the head of every output unit: the index of the experience that holds the class; units of no
     *         experience get a head of their own after the last
     */
    public static int[] headOf(Scenario scenario, int nOut) {
        int[] head = new int[nOut];
        Arrays.fill(head, -1);
        for (Experience e : scenario.trainStream()) {
            for (int c : e.classArray()) {
                if (c >= nOut) {
                    throw new IllegalArgumentException("class " + c + " of experience " + e.index()
                            + " should be < nOut = " + nOut);
                }
                if (head[c] >= 0 && head[c] != e.index()) {
                    throw new IllegalArgumentException("class " + c + " appears in experiences " + head[c]
                            + " and " + e.index() + "; task heads need disjoint classes");
                }
                head[c] = e.index();
            }
        }
        int extra = scenario.trainStream().size();
        for (int u = 0; u < nOut; u++) {
            if (head[u] < 0) {
                head[u] = extra;
            }
        }
        return head;
    }

    /**
     * @param net      an initialised network whose last layer is an output layer
     * @param scenario the scenario whose experiences define the heads
     * @return a new multi-head network with a copy of the parameters
     */
    public static MultiLayerNetwork attach(MultiLayerNetwork net, Scenario scenario) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        convert(conf.getConf(conf.getConfs().size() - 1).getLayer(), scenario);
        MultiLayerNetwork out = new MultiLayerNetwork(conf);
        out.init(net.params().dup(), false);
        return out;
    }

    /**
     * @param graph    an initialised graph with one output layer
     * @param scenario the scenario whose experiences define the heads
     * @return a new multi-head graph with a copy of the parameters
     */
    public static ComputationGraph attach(ComputationGraph graph, Scenario scenario) {
        ComputationGraphConfiguration conf = graph.getConfiguration().clone();
        if (conf.getNetworkOutputs().size() != 1) {
            throw new IllegalArgumentException("Expected a graph with one output (got: " + conf.getNetworkOutputs()
                    + ")");
        }
        GraphVertex v = conf.getVertices().get(conf.getNetworkOutputs().get(0));
        if (!(v instanceof LayerVertex)) {
            throw new IllegalArgumentException("The graph's output " + conf.getNetworkOutputs().get(0)
                    + " should be a layer (got: " + v.getClass().getSimpleName() + ")");
        }
        convert(((LayerVertex) v).getLayerConf().getLayer(), scenario);
        ComputationGraph out = new ComputationGraph(conf);
        out.init(graph.params().dup(), false);
        return out;
    }

    private static void convert(Layer layer, Scenario scenario) {
        if (!(layer instanceof BaseOutputLayer)) {
            throw new IllegalArgumentException("The last layer should be an output layer with a loss (got: "
                    + layer.getClass().getSimpleName() + ")");
        }
        BaseOutputLayer out = (BaseOutputLayer) layer;
        out.setLossFn(new MultiHeadSoftmaxCrossEntropy(headOf(scenario, (int) ((FeedForwardLayer) out).getNOut())));
        out.setActivationFn(Activation.IDENTITY.getActivationFunction());
    }
}
