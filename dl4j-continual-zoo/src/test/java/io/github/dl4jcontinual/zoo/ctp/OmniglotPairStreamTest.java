package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.data.DataDirectory;
import io.github.dl4jcontinual.data.MissingDataFileException;
import io.github.dl4jcontinual.data.OmniglotDatasets;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TemplatedPairStream#omniglot} on the real Omniglot zips. */
class OmniglotPairStreamTest {
    private static PairStream stream;

    @BeforeAll
    static void load() {
        stream = TemplatedPairStream.omniglot(SharedData.dir(), 15);
    }

    @Test
    void fourAlphabetsInFixedOrderSplitByDrawer() {
        assertEquals(List.of("Balinese", "Early Aramaic", "Greek", "Latin"), stream.names());
        int[] characters = {24, 22, 24, 26};
        for (int d = 0; d < 4; d++) {
            assertEquals(characters[d] * 15, stream.train(d).size(), stream.names().get(d));
            assertEquals(characters[d] * 5, stream.test(d).size(), stream.names().get(d));
            assertArrayEquals(new long[]{characters[d] * 15L, 784}, stream.train(d).images().shape());
            assertEquals(d, stream.test(d).domain(0));
            // every test caption occurs in training (same character, other drawers; per-character tertiles)
            assertTrue(new HashSet<>(stream.train(d).captions()).containsAll(stream.test(d).captions()),
                    stream.names().get(d));
            assertEquals(3 * characters[d], new HashSet<>(stream.train(d).captions()).size());
        }
        // bright ink on a dark background
        double mean = stream.train(0).images().meanNumber().doubleValue();
        assertTrue(mean > 0.02 && mean < 0.3, "mean pixel " + mean);
        assertEquals(1440, stream.allTraining().size());
    }

    @Test
    void captionOfAKnownImage() {
        assertEquals("seventh", TemplatedPairStream.ordinal(7));
        assertEquals("twelfth", TemplatedPairStream.ordinal(12));
        assertEquals("twentieth", TemplatedPairStream.ordinal(20));
        assertEquals("twenty-first", TemplatedPairStream.ordinal(21));
        assertEquals("forty-seventh", TemplatedPairStream.ordinal(47));
        assertEquals("a bold drawing of the seventh character of the Greek alphabet.",
                TemplatedPairStream.omniglotCaption("Greek", 7, 2));
        // Greek character07: its 20 drawings follow the 6 × 15 training rows of characters 01–06
        Map<String, List<float[]>> chars = OmniglotDatasets.characters(SharedData.dir(), 28);
        List<float[]> greek7 = chars.get("Greek/character07");
        double[] ink = new double[20];
        for (int k = 0; k < 20; k++) {
            for (float v : greek7.get(k)) {
                ink[k] += v / 784.0;
            }
        }
        int first = 6 * 15;
        int[] perWord = new int[3];
        for (int k = 0; k < 15; k++) {
            int below = 0;
            for (int j = 0; j < 15; j++) {
                if (ink[j] < ink[k]) {
                    below++;
                }
            }
            // 15 training drawings ranked by ink: ranks 0–4 thin, 5–9 regular, 10–14 bold
            int bin = below < 5 ? 0 : below < 10 ? 1 : 2;
            perWord[bin]++;
            String word = new String[]{"thin", "regular", "bold"}[bin];
            assertEquals("a " + word + " drawing of the seventh character of the Greek alphabet.",
                    stream.train(2).captions().get(first + k), "drawing " + (k + 1));
            assertEquals(greek7.get(k)[400], stream.train(2).images().getFloat(first + k, 400), 1e-6);
        }
        assertArrayEquals(new int[]{5, 5, 5}, perWord);
        assertTrue(stream.test(2).captions().get(6 * 5).endsWith(" drawing of the seventh character of the Greek "
                + "alphabet."));
        assertThrows(IllegalArgumentException.class, () -> TemplatedPairStream.ordinal(0));
    }

    @Test
    void missingZipIsNamedWithWhereToPutIt(@TempDir Path dir) {
        MissingDataFileException e = assertThrows(MissingDataFileException.class,
                () -> TemplatedPairStream.omniglot(DataDirectory.of(dir.toFile()), 15));
        assertTrue(e.getMessage().contains("omniglot/images_background_small1.zip"), e.getMessage());
        assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> TemplatedPairStream.omniglot(SharedData.dir(), 20));
        assertTrue(bad.getMessage().contains("20"), bad.getMessage());
    }
}
