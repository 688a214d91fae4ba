package io.github.dl4jcontinual.arbiter.spaces;

import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

import java.io.Serializable;
import java.util.Objects;

/**
 * One point of a {@link ContinualSearchSpace}: a continual configuration and the model to wrap, kept as DL4J JSON
 * so that the candidate can be stored, printed and re-run by itself ({@link #trainer()} builds a fresh, newly
 * initialised network every time). Immutable.
 */
public final class ContinualCandidate implements Serializable {
    private static final long serialVersionUID = 1L;
    private String configurationJson;
    private String modelJson;
    private boolean graph;

    private ContinualCandidate() {
        // for Jackson
    }

    /**
     * @param configuration the continual configuration
     * @param model         a MultiLayerConfiguration or ComputationGraphConfiguration
     */
    public ContinualCandidate(ContinualConfiguration configuration, Object model) {
        this.configurationJson = Objects.requireNonNull(configuration, "configuration").toJson();
        if (model instanceof MultiLayerConfiguration) {
            this.modelJson = ((MultiLayerConfiguration) model).toJson();
            this.graph = false;
        } else if (model instanceof ComputationGraphConfiguration) {
            this.modelJson = ((ComputationGraphConfiguration) model).toJson();
            this.graph = true;
        } else {
            throw new IllegalArgumentException("The model should be a MultiLayerConfiguration or a "
                    + "ComputationGraphConfiguration (got: " + (model == null ? null : model.getClass().getName())
                    + ")");
        }
    }

    /** @return the continual configuration */
    public ContinualConfiguration configuration() {
        return ContinualConfiguration.fromJson(configurationJson);
    }

    /** @return the model's DL4J JSON */
    public String modelJson() {
        return modelJson;
    }

    /** @return whether the model is a ComputationGraph */
    public boolean isGraph() {
        return graph;
    }

    /** @return a trainer around a freshly initialised network of this candidate */
    public ContinualTrainer<?> trainer() {
        if (graph) {
            ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(modelJson));
            g.init();
            return ContinualTrainer.wrap(g, configuration());
        }
        MultiLayerNetwork n = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(modelJson));
        n.init();
        return ContinualTrainer.wrap(n, configuration());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ContinualCandidate && configurationJson.equals(((ContinualCandidate) o).configurationJson)
                && modelJson.equals(((ContinualCandidate) o).modelJson);
    }

    @Override
    public int hashCode() {
        return Objects.hash(configurationJson, modelJson);
    }

    @Override
    public String toString() {
        return "ContinualCandidate" + configurationJson;
    }
}
