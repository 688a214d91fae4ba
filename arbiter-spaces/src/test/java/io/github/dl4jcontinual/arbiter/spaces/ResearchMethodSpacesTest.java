package io.github.dl4jcontinual.arbiter.spaces;

import io.github.dl4jcontinual.metalearning.ItamlConfiguration;
import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.replay.strategy.Gem;
import io.github.dl4jcontinual.replay.strategy.Gss;
import io.github.dl4jcontinual.replay.strategy.MaximallyInterferedRetrieval;
import io.github.dl4jcontinual.zoo.alta.AltaConfiguration;
import io.github.dl4jcontinual.zoo.atlas.AtlasConfiguration;
import io.github.dl4jcontinual.zoo.ctp.CtpConfiguration;
import io.github.dl4jcontinual.zoo.l2p.L2pConfiguration;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every research method's configuration is an Arbiter search-space entry: a {@link PluginSpace} over its JSON gives
 * candidates of the method's own class carrying the searched value (DAFormer: {@link DaFormerSpaceTest}).
 */
class ResearchMethodSpacesTest {

    private static <C extends PluginConfiguration> void searches(C template, String field, ParameterSpace<?> space,
                                                                 double leaf, double expected,
                                                                 ToDoubleFunction<C> getter) {
        PluginSpace s = new PluginSpace(template, Map.of(field, space));
        List<ParameterSpace> leaves = s.collectLeaves();
        assertEquals(1, leaves.size(), field);
        leaves.get(0).setIndices(0);
        PluginConfiguration c = s.getValue(new double[]{leaf}).get(0);
        assertEquals(template.getClass(), c.getClass(), field);
        @SuppressWarnings("unchecked")
        C typed = (C) c;
        assertEquals(expected, getter.applyAsDouble(typed), 1e-9, field + " of " + c);
    }

    @Test
    void l2pAltaAtlasCtpAndItamlAreSearchable() {
        searches(new L2pConfiguration.Builder().build(), "poolSize", new IntegerParameterSpace(5, 20), 1.0, 20,
                L2pConfiguration::getPoolSize);
        searches(new AltaConfiguration.Builder().classNames(List.of("zero", "one")).build(), "scale",
                new ContinuousParameterSpace(10, 30), 0.5, 20, AltaConfiguration::getScale);
        searches(new AtlasConfiguration.Builder().build(), "stage2Epochs", new IntegerParameterSpace(1, 9), 0.0, 1,
                AtlasConfiguration::getStage2Epochs);
        searches(new CtpConfiguration.Builder().build(), "momentum", new ContinuousParameterSpace(0.9, 0.99), 1.0,
                0.99, CtpConfiguration::getMomentum);
        searches(new ItamlConfiguration.Builder().build(), "beta", new ContinuousParameterSpace(0.5, 1.0), 0.5, 0.75,
                ItamlConfiguration::getBeta);
    }

    @Test
    void gemsMemoryStrengthAndMemoriesAreSearchable() {
        searches(new Gem.Builder().build(), "memoryStrength", new ContinuousParameterSpace(0, 1), 0.25, 0.25,
                Gem::getMemoryStrength);
        searches(new Gem.Builder().build(), "memoriesPerExperience", new IntegerParameterSpace(64, 256), 1.0, 256,
                Gem::getMemoriesPerExperience);
    }

    @Test
    void gssCandidatesAndStepsAreSearchable() {
        searches(new Gss.Builder().build(), "buffer.candidates", new IntegerParameterSpace(5, 20), 1.0, 20,
                g -> g.getBuffer().getCandidates());
        searches(new Gss.Builder().build(), "stepsPerBatch", new IntegerParameterSpace(1, 3), 0.0, 1,
                Gss::getStepsPerBatch);
    }

    @Test
    void mirsCandidatesAndVirtualStepAreSearchable() {
        searches(new MaximallyInterferedRetrieval.Builder().build(), "subsample", new IntegerParameterSpace(20, 100),
                1.0, 100, MaximallyInterferedRetrieval::getSubsample);
        searches(new MaximallyInterferedRetrieval.Builder().build(), "virtualLearningRate",
                new ContinuousParameterSpace(0.01, 0.2), 0.5, 0.105, MaximallyInterferedRetrieval::getVirtualLearningRate);
        searches(new MaximallyInterferedRetrieval.Builder().build(), "buffer.capacity",
                new IntegerParameterSpace(200, 1000), 0.0, 200, m -> m.getBuffer().getCapacity());
    }
}
