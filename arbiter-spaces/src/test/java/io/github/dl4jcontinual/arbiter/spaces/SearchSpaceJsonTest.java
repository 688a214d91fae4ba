package io.github.dl4jcontinual.arbiter.spaces;

import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationConfiguration;
import io.github.dl4jcontinual.regularization.RegularizationMethod;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import org.deeplearning4j.arbiter.MultiLayerSpace;
import org.deeplearning4j.arbiter.conf.updater.SgdSpace;
import org.deeplearning4j.arbiter.layers.DenseLayerSpace;
import org.deeplearning4j.arbiter.layers.OutputLayerSpace;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.deeplearning4j.arbiter.optimize.serde.jackson.JsonMapper;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Strategy spaces, the composed search space with Arbiter's MultiLayerSpace, and their JSON round trip. */
class SearchSpaceJsonTest {

    /** ER (buffer size) or EWC (λ), with the SGD learning rate from Arbiter's MultiLayerSpace. */
    static ContinualSearchSpace space(ParameterSpaceFactory lr) {
        Map<String, org.deeplearning4j.arbiter.optimize.api.ParameterSpace<List<PluginConfiguration>>> options =
                new LinkedHashMap<>();
        options.put("er", new PluginSpace(new ExperienceReplay.Builder()
                .buffer(new BufferConfiguration.Builder().capacity(100).build()).build(),
                Map.of("buffer.capacity", new DiscreteParameterSpace<>(50, 200))));
        options.put("ewc", new PluginSpace(new RegularizationConfiguration.Builder(RegularizationMethod.EWC)
                .lambda(1).build(), Map.of("lambda", new ContinuousParameterSpace(1, 100))));
        ContinualConfigurationSpace continual = new ContinualConfigurationSpace.Builder()
                .strategy(new StrategySpace(options)).batchSize(new DiscreteParameterSpace<>(32)).seed(3).build();
        MultiLayerSpace model = new MultiLayerSpace.Builder().seed(3).updater(new SgdSpace(lr.get()))
                .addLayer(new DenseLayerSpace.Builder().nIn(784).nOut(new IntegerParameterSpace(16, 32))
                        .activation(Activation.RELU).build())
                .addLayer(new OutputLayerSpace.Builder().nOut(10).activation(Activation.SOFTMAX)
                        .lossFunction(LossFunctions.LossFunction.MCXENT).build())
                .build();
        return new ContinualSearchSpace(continual, model);
    }

    /** Supplies a learning-rate space. */
    interface ParameterSpaceFactory {
        org.deeplearning4j.arbiter.optimize.api.ParameterSpace<Double> get();
    }

    @Test
    void randomCandidatesCoverBothStrategiesAndReRunFromTheirJson() {
        ContinualSearchSpace s = space(() -> new ContinuousParameterSpace(0.01, 0.1));
        RandomSearchGenerator gen = new RandomSearchGenerator(s, null);
        gen.setRngSeed(5);
        Set<String> kinds = new HashSet<>();
        Set<Integer> capacities = new HashSet<>();
        for (int i = 0; i < 30; i++) {
            Candidate<ContinualCandidate> c = gen.getCandidate();
            ContinualCandidate cc = c.getValue();
            PluginConfiguration p = cc.configuration().getPlugins().get(0);
            kinds.add(p.name());
            if (p instanceof ExperienceReplay) {
                capacities.add(((ExperienceReplay) p).getBuffer().getCapacity());
            } else {
                double l = ((RegularizationConfiguration) p).getLambda();
                assertTrue(l >= 1 && l <= 100, "λ " + l);
            }
            assertEquals(3, cc.configuration().getSeed());
            // the candidate re-runs by itself from its own JSON
            ContinualCandidate back = io.github.dl4jcontinual.serde.ContinualJson.fromJson(
                    io.github.dl4jcontinual.serde.ContinualJson.toJson(cc), ContinualCandidate.class);
            assertEquals(cc, back);
            assertTrue(back.trainer() != null);
        }
        assertEquals(Set.of("er", "ewc"), kinds);
        assertEquals(Set.of(50, 200), capacities);
    }

    @Test
    void spacesRoundTripThroughArbitersJson() throws Exception {
        ContinualSearchSpace s = space(() -> new ContinuousParameterSpace(0.01, 0.1));
        String json = JsonMapper.getMapper().writeValueAsString(s);
        ContinualSearchSpace back = JsonMapper.getMapper().readValue(json, ContinualSearchSpace.class);
        assertEquals(s.numParameters(), back.numParameters());
        RandomSearchGenerator a = new RandomSearchGenerator(s, null);
        RandomSearchGenerator b = new RandomSearchGenerator(back, null);
        a.setRngSeed(9);
        b.setRngSeed(9);
        for (int i = 0; i < 10; i++) {
            assertEquals(a.getCandidate().getValue(), b.getCandidate().getValue(), "candidate " + i);
        }
    }

    @Test
    void unknownPropertyIsNamedWithTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PluginSpace(new ExperienceReplay.Builder().build(),
                        Map.of("buffer.capacty", new DiscreteParameterSpace<>(1, 2))));
        assertTrue(e.getMessage().contains("'buffer.capacty'") && e.getMessage().contains("buffer.capacity"),
                e.getMessage());
    }
}
