package io.github.dl4jcontinual.plugin;

import io.github.dl4jcontinual.cil.IcarlConfiguration;
import org.junit.jupiter.api.Test;

import java.io.Serializable;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PluginStatesTest {

    @Test
    void wrongShapesAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PluginStates.parts("text", 2, "an icarl plugin"));
        assertTrue(e.getMessage().contains("an icarl plugin") && e.getMessage().contains("2 parts")
                && e.getMessage().contains("java.lang.String"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> PluginStates.parts(new Serializable[3], 2, "an icarl plugin"));
        assertTrue(e.getMessage().contains("Serializable[3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PluginStates.parts(null, 2, "x"));

        Serializable[] s = {null, "not a generator"};
        e = assertThrows(IllegalArgumentException.class, () -> PluginStates.part(s, 1, Random.class, false, "p"));
        assertTrue(e.getMessage().contains("part 1") && e.getMessage().contains("Random"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> PluginStates.part(s, 0, Random.class, false, "p"));
        assertTrue(e.getMessage().contains("null"), e.getMessage());
        assertEquals(null, PluginStates.part(s, 0, Random.class, true, "p"));
        Random r = new Random(1);
        assertSame(r, PluginStates.part(new Serializable[]{r}, 0, Random.class, false, "p"));
    }

    @Test
    void pluginRefusesAForeignStateBeforeChangingAnything() {
        ContinualPlugin icarl = new IcarlConfiguration.Builder().exemplarsPerClass(2).build().instantiate();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> icarl.restoreState(null, new Serializable[]{null, "seed"}));
        assertTrue(e.getMessage().contains("icarl") && e.getMessage().contains("Random"), e.getMessage());
    }
}
