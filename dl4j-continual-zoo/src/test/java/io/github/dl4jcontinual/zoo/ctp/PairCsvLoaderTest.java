package io.github.dl4jcontinual.zoo.ctp;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PairCsvLoaderTest {

    private static void png(Path file, int grey) throws IOException {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) {
            for (int x = 0; x < 4; x++) {
                img.getRaster().setSample(x, y, 0, x < 2 ? grey : 0);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void readsPairsWithQuotesDomainsAndAHeader(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("img"));
        png(dir.resolve("img/a.png"), 255);
        png(dir.resolve("img/b.png"), 51);
        Files.writeString(dir.resolve("train.csv"), "image,caption,domain\n"
                + "img/a.png,\"a bag, red\",bags\n"
                + "img/b.png,\"a \"\"blue\"\" shoe\",shoes\n"
                + "img/a.png,another bag,bags\n");
        Files.writeString(dir.resolve("test.csv"), "img/b.png,a shoe,shoes\nimg/a.png,a bag,bags\n");
        Map<String, Integer> ids = new LinkedHashMap<>();
        PairDataset d = new PairCsvLoader(4, 4).read(dir.resolve("train.csv"), ids);
        assertEquals(3, d.size());
        assertEquals(List.of("a bag, red", "a \"blue\" shoe", "another bag"), d.captions());
        assertEquals(Map.of("bags", 0, "shoes", 1), ids);
        assertEquals(1, d.domain(1));
        assertEquals(16, d.images().size(1));
        assertEquals(1.0, d.images().getDouble(0, 0), 1e-6);
        assertEquals(0.2, d.images().getDouble(1, 1), 1e-6);
        assertEquals(0.0, d.images().getDouble(1, 3), 1e-6);
        PairStream s = new PairCsvLoader(4, 4).readStream(dir);
        assertEquals(List.of("bags", "shoes"), s.names());
        assertEquals(2, s.train(0).size());
        assertEquals(List.of("a shoe"), s.test(1).captions());
    }

    @Test
    void badRowsAreReportedWithFileAndLine(@TempDir Path dir) throws IOException {
        png(dir.resolve("a.png"), 255);
        Files.writeString(dir.resolve("bad.csv"), "a.png,fine\na.png\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PairCsvLoader(4, 4).read(dir.resolve("bad.csv"), new LinkedHashMap<>()));
        assertTrue(e.getMessage().contains("bad.csv line 2: expected 2 or 3 fields (image,caption[,domain]) but got 1"),
                e.getMessage());
        Files.writeString(dir.resolve("missing.csv"), "nope.png,a caption\n");
        e = assertThrows(IllegalArgumentException.class,
                () -> new PairCsvLoader(4, 4).read(dir.resolve("missing.csv"), new LinkedHashMap<>()));
        assertTrue(e.getMessage().contains("line 1: cannot read image") && e.getMessage().contains("nope.png"),
                e.getMessage());
        Files.writeString(dir.resolve("empty.csv"), "a.png, \n");
        e = assertThrows(IllegalArgumentException.class,
                () -> new PairCsvLoader(4, 4).read(dir.resolve("empty.csv"), new LinkedHashMap<>()));
        assertTrue(e.getMessage().contains("empty caption"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PairCsvLoader(0, 4));
    }
}
