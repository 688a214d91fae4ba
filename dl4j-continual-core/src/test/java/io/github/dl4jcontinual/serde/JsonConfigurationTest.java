package io.github.dl4jcontinual.serde;

import io.github.dl4jcontinual.cil.BiasCorrection;
import io.github.dl4jcontinual.distillation.LwfConfiguration;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.selection.FirstSelection;
import io.github.dl4jcontinual.replay.selection.RandomSelection;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The configurations' shared equality, hash, string form and builder copy ({@link JsonConfiguration}). */
class JsonConfigurationTest {

    @Test
    void equalityIsEqualJsonOfTheSameClass() {
        LwfConfiguration a = new LwfConfiguration.Builder().alpha(0.5).temperature(3).build();
        LwfConfiguration b = new LwfConfiguration.Builder().temperature(3).alpha(0.5).build();
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(a, LwfConfiguration.fromJson(a.toJson()));
        assertEquals(a.hashCode(), LwfConfiguration.fromJson(a.toJson()).hashCode());
        assertNotEquals(a, new LwfConfiguration.Builder().alpha(0.5).temperature(2).build());
        assertNotEquals(a, null);
        assertNotEquals(a, a.toJson());
        // nested values compare by their JSON too: a buffer of another selection policy differs
        BufferConfiguration first = new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED)
                .perClass(5).selection(new FirstSelection()).build();
        BufferConfiguration random = first.toBuilder().selection(new RandomSelection()).build();
        assertNotEquals(first, random);
        assertEquals(first, first.toBuilder().build());
        ContinualConfiguration c = new ContinualConfiguration.Builder().plugin(a).build();
        assertEquals(c, ContinualConfiguration.fromJson(c.toJson()));
        assertNotEquals(c, new ContinualConfiguration.Builder().plugin(new BiasCorrection.Builder().build()).build());
    }

    @Test
    void toStringIsTheClassAndTheCompactJson() {
        BiasCorrection b = new BiasCorrection.Builder().iterations(7).build();
        assertEquals("BiasCorrection" + b.toJson().replaceAll("\\s+", ""), b.toString());
        assertTrue(b.toString().contains("\"iterations\":7"), b.toString());
    }

    @Test
    void aBuilderBuildsIndependentCopiesAndChecksRanges() {
        BiasCorrection.Builder builder = new BiasCorrection.Builder().iterations(7);
        BiasCorrection first = builder.build();
        BiasCorrection second = builder.iterations(9).build();
        assertNotSame(first, builder.build());
        assertEquals(7, first.getIterations());
        assertEquals(9, second.getIterations());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> builder.iterations(0));
        assertEquals("iterations should be >= 1 (got: 0)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> builder.learningRate(Double.NaN));
        assertEquals("learningRate should be > 0 and finite (got: NaN)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new LwfConfiguration.Builder().alpha(Double.POSITIVE_INFINITY));
        assertEquals("alpha should be >= 0 and finite (got: Infinity)", e.getMessage());
    }
}
