package io.github.dl4jcontinual.arbiter.spaces;

import io.github.dl4jcontinual.plugin.PluginConfiguration;
import io.github.dl4jcontinual.zoo.daformer.DaFormerConfiguration;
import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.continuous.ContinuousParameterSpace;
import org.deeplearning4j.arbiter.optimize.parameter.integer.IntegerParameterSpace;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DAFormer's recipe as an Arbiter space: a {@link PluginSpace} over {@link DaFormerConfiguration}'s JSON. */
class DaFormerSpaceTest {

    @Test
    void candidatesAreDaFormerConfigurationsWithTheSearchedValues() {
        Map<String, ParameterSpace<?>> searched = new LinkedHashMap<>();
        searched.put("knnWeight", new ContinuousParameterSpace(0, 1));
        searched.put("fineTuneEpochs", new IntegerParameterSpace(1, 20));
        PluginSpace s = new PluginSpace(new DaFormerConfiguration.Builder().edition(DaFormerConfiguration.Edition.S)
                .memorySize(300).build(), searched);
        List<ParameterSpace> leaves = s.collectLeaves();
        assertEquals(2, leaves.size());
        for (int i = 0; i < leaves.size(); i++) {
            leaves.get(i).setIndices(i);
        }
        List<PluginConfiguration> v = s.getValue(new double[]{0.25, 1.0});
        DaFormerConfiguration d = (DaFormerConfiguration) v.get(0);
        assertEquals(0.25, d.getKnnWeight(), 1e-12, d.toString());
        assertEquals(20, d.getFineTuneEpochs(), d.toString());
        assertEquals(DaFormerConfiguration.Edition.S, d.getEdition(), "the template's other values are kept");
        assertEquals(300, d.getMemorySize());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PluginSpace(
                new DaFormerConfiguration.Builder().build(), Map.of("knnWieght", new ContinuousParameterSpace(0, 1))));
        assertTrue(e.getMessage().contains("knnWieght") && e.getMessage().contains("knnWeight"), e.getMessage());
    }
}
