package io.github.dl4jcontinual.regularization;

import io.github.dl4jcontinual.distillation.DistillationMode;
import io.github.dl4jcontinual.distillation.LwfConfiguration;
import io.github.dl4jcontinual.plugin.impl.IterationBudget;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** JSON round trips, equality and input validation of the configurations of this issue. */
@Tag("JACKSON_SERDE")
class ConfigurationJsonTest {

    @Test
    void configurationsRoundTripAloneAndInsideTheTrainerConfiguration() {
        RegularizationConfiguration r = new RegularizationConfiguration.Builder(RegularizationMethod.ONLINE_EWC)
                .lambda(90).gamma(0.8).importanceBatchSize(4).maxImportanceExamples(100).build();
        assertEquals(r, RegularizationConfiguration.fromJson(r.toJson()));
        assertEquals(r.hashCode(), RegularizationConfiguration.fromJson(r.toJson()).hashCode());
        LwfConfiguration l = new LwfConfiguration.Builder().alpha(2).temperature(3).mode(DistillationMode.SIGMOID)
                .scaleByTemperatureSquared(false).weightByPreviousExperiences(true).build();
        assertEquals(l, LwfConfiguration.fromJson(l.toJson()));
        assertNotEquals(l, new LwfConfiguration.Builder().alpha(2).temperature(3).mode(DistillationMode.SIGMOID)
                .scaleByTemperatureSquared(false).build());
        IterationBudget b = new IterationBudget(2000);
        assertEquals(b, ContinualJson.fromJson(ContinualJson.toJson(b), IterationBudget.class));
        ContinualConfiguration c = new ContinualConfiguration.Builder().plugins(r, l, b).build();
        assertEquals(c, ContinualConfiguration.fromJson(c.toJson()));
        assertNotEquals(r, new RegularizationConfiguration.Builder(RegularizationMethod.SI).lambda(90).gamma(0.8)
                .importanceBatchSize(4).maxImportanceExamples(100).build());
        assertEquals("online-ewc", r.name());
    }

    @Test
    void badValuesAreRejectedWithTheValue() {
        RegularizationConfiguration.Builder b = new RegularizationConfiguration.Builder(RegularizationMethod.EWC);
        assertEquals("lambda should be >= 0 and finite (got: -1.0)",
                assertThrows(IllegalArgumentException.class, () -> b.lambda(-1)).getMessage());
        assertEquals("gamma should be in [0, 1] (got: 1.5)",
                assertThrows(IllegalArgumentException.class, () -> b.gamma(1.5)).getMessage());
        assertEquals("xi should be > 0 and finite (got: 0.0)",
                assertThrows(IllegalArgumentException.class, () -> b.xi(0)).getMessage());
        assertEquals("importanceBatchSize should be >= 1 (got: 0)",
                assertThrows(IllegalArgumentException.class, () -> b.importanceBatchSize(0)).getMessage());
        assertEquals("temperature should be > 0 and finite (got: 0.0)", assertThrows(IllegalArgumentException.class,
                () -> new LwfConfiguration.Builder().temperature(0)).getMessage());
        assertEquals("iterations should be >= 1 (got: 0)",
                assertThrows(IllegalArgumentException.class, () -> new IterationBudget(0)).getMessage());
    }
}
