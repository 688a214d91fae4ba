package io.github.dl4jcontinual.arbiter.spaces;

import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.plugin.impl.JointTraining;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.arbiter.optimize.api.Candidate;
import org.deeplearning4j.arbiter.optimize.generator.GridSearchCandidateGenerator;
import org.deeplearning4j.arbiter.optimize.generator.RandomSearchGenerator;
import org.deeplearning4j.arbiter.optimize.parameter.discrete.DiscreteParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContinualConfigurationSpaceTest {

    @SuppressWarnings("unchecked")
    private static ContinualConfigurationSpace space() {
        return new ContinualConfigurationSpace.Builder()
                .epochsPerExperience(new IntegerParameterSpace(1, 3))
                .batchSize(new DiscreteParameterSpace<>(10, 32))
                .strategy(new DiscreteParameterSpace<List<PluginConfiguration>>(List.of(),
                        List.of(new JointTraining())))
                .seed(7).build();
    }

    @Test
    void arbiterRandomSearchProposesValidConfigurations() {
        ContinualConfigurationSpace s = space();
        assertEquals(3, s.numParameters());
        RandomSearchGenerator gen = new RandomSearchGenerator(s, null);
        Set<String> strategies = new HashSet<>();
        Set<Integer> epochs = new HashSet<>();
        for (int i = 0; i < 40; i++) {
            Candidate<ContinualConfiguration> c = gen.getCandidate();
            ContinualConfiguration conf = c.getValue();
            assertTrue(conf.getEpochsPerExperience() >= 1 && conf.getEpochsPerExperience() <= 3);
            assertTrue(conf.getBatchSize() == 10 || conf.getBatchSize() == 32);
            assertEquals(7, conf.getSeed());
            assertEquals(HeadPolicy.FIXED, conf.getHeadPolicy());
            assertEquals(conf, ContinualConfiguration.fromJson(conf.toJson()));
            strategies.add(conf.getPlugins().isEmpty() ? "naive" : conf.getPlugins().get(0).name());
            epochs.add(conf.getEpochsPerExperience());
        }
        assertEquals(Set.of("naive", "joint"), strategies);
        assertEquals(Set.of(1, 2, 3), epochs);
    }

    @Test
    void gridSearchEnumeratesTheDiscreteProduct() {
        GridSearchCandidateGenerator gen = new GridSearchCandidateGenerator(space(), 3,
                GridSearchCandidateGenerator.Mode.Sequential, null);
        Set<String> seen = new HashSet<>();
        while (gen.hasMoreCandidates()) {
            ContinualConfiguration c = (ContinualConfiguration) gen.getCandidate().getValue();
            seen.add(c.getEpochsPerExperience() + "/" + c.getBatchSize() + "/" + c.getPlugins().size());
        }
        assertEquals(3 * 2 * 2, seen.size());
    }

    @Test
    void isNotALeaf() {
        assertThrows(UnsupportedOperationException.class, () -> space().setIndices(0));
    }
}
