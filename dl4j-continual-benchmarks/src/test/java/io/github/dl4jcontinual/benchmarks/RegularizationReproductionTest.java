package io.github.dl4jcontinual.benchmarks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reproduction command is registered and rejects unknown methods by name (no training here). */
class RegularizationReproductionTest {

    @Test
    void commandIsRegisteredAndValidatesMethods() {
        assertTrue(BenchmarksMain.commandLine().getSubcommands().containsKey("reproduce-regularization"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RegularizationReproduction.der(null, "bogus", 1, false));
        assertTrue(e.getMessage().contains("'bogus'"), e.getMessage());
        // every method runs in both van de Ven scenarios now (penalties follow the growing class-IL head)
        e = assertThrows(IllegalArgumentException.class,
                () -> RegularizationReproduction.vdv(null, "bogus", 1, false, 10, false));
        assertTrue(e.getMessage().contains("'bogus'"), e.getMessage());
    }
}
