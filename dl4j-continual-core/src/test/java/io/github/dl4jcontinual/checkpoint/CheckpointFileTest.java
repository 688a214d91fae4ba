package io.github.dl4jcontinual.checkpoint;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.testutil.Models;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Integrity of {@link CheckpointFile}: round trip, and every kind of damage rejected before anything loads. */
class CheckpointFileTest {

    private static Path write(Path dir) {
        Path f = dir.resolve(CheckpointFile.fileName(1));
        Map<String, Serializable> objects = new LinkedHashMap<>();
        objects.put("numbers", new int[]{1, 2, 3});
        objects.put("text", "hello");
        CheckpointFile.write(f, ContinualModel.of(Models.mlp(8, 16, 4, 0.1, 1)), objects, Map.of("answer", "42"));
        return f;
    }

    @Test
    void roundTripsModelObjectsAndProperties(@TempDir Path dir) throws Exception {
        MultiLayerNetwork net = Models.mlp(8, 16, 4, 0.1, 1);
        Path f = write(dir);
        CheckpointFile c = CheckpointFile.read(f);
        assertArrayEquals(new int[]{1, 2, 3}, c.object("numbers", int[].class));
        assertEquals("hello", c.object("text", String.class));
        assertEquals("42", c.property("answer"));
        assertEquals(net.params(), c.model(MultiLayerNetwork.class).params());
        // DL4J reads the same file: it is a model zip with objects/ entries
        assertEquals(net.params(), ModelSerializer.restoreMultiLayerNetwork(f.toFile(), true).params());
        assertEquals("hello", ModelSerializer.getObjectFromFile(f.toFile(), "text"));
        assertFalse(Files.exists(dir.resolve(f.getFileName() + ".tmp")));
        CheckpointException e = assertThrows(CheckpointException.class, () -> c.model(ComputationGraph.class));
        assertTrue(e.getMessage().contains("holds a MultiLayerNetwork but a ComputationGraph was expected"),
                e.getMessage());
        e = assertThrows(CheckpointException.class, () -> c.object("text", Integer.class));
        assertTrue(e.getMessage().contains("holds a java.lang.String, expected a java.lang.Integer"), e.getMessage());
    }

    @Test
    void everyTruncationIsRejected(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(write(dir));
        Path cut = dir.resolve("cut.zip");
        // every length from 0 to the end in steps, and the last 64 bytes one by one
        for (int len = 0; len < whole.length; len += len < whole.length - 64 ? Math.max(1, whole.length / 40) : 1) {
            Files.write(cut, Arrays.copyOf(whole, len));
            CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(cut),
                    "truncated to " + len + " of " + whole.length + " bytes");
            assertTrue(e.getMessage().contains(cut.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("truncated") || e.getMessage().contains("corrupt"), e.getMessage());
        }
    }

    @Test
    void flippedBytesAreRejected(@TempDir Path dir) throws Exception {
        byte[] whole = Files.readAllBytes(write(dir));
        Path bad = dir.resolve("bad.zip");
        int rejected = 0;
        for (int pos = 0; pos < whole.length; pos += 97) {
            byte[] b = whole.clone();
            b[pos] ^= 0x5A;
            Files.write(bad, b);
            try {
                CheckpointFile.read(bad);
                // a flip in an unused zip header field (e.g. a timestamp) leaves every entry intact: still exact
                CheckpointFile ok = CheckpointFile.read(bad);
                assertEquals("hello", ok.object("text", String.class));
            } catch (CheckpointException e) {
                rejected++;
                assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
            }
        }
        assertTrue(rejected > 0.8 * (whole.length / 97), rejected + " of " + (whole.length / 97 + 1) + " rejected");
    }

    @Test
    void aTamperedEntryWithAValidZipIsRejectedByItsDigest(@TempDir Path dir) throws Exception {
        Path f = write(dir);
        Map<String, byte[]> entries = entries(f);
        byte[] coeff = entries.get("coefficients.bin");
        coeff[coeff.length - 1] ^= 1;
        Path bad = dir.resolve("tampered.zip");
        rezip(entries, bad);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(bad));
        assertTrue(e.getMessage().contains("SHA-256 of entry coefficients.bin"), e.getMessage());

        entries = entries(f);
        entries.put("objects/extra", new byte[]{1});
        rezip(entries, bad);
        e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(bad));
        assertTrue(e.getMessage().contains("objects/extra that its manifest does not list"), e.getMessage());

        entries = entries(f);
        entries.remove("objects/text");
        rezip(entries, bad);
        e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(bad));
        assertTrue(e.getMessage().contains("objects/text listed in its manifest is missing"), e.getMessage());

        entries = entries(f);
        String m = new String(entries.get(CheckpointFile.MANIFEST), StandardCharsets.UTF_8);
        entries.put(CheckpointFile.MANIFEST, m.replace("\"version\" : " + CheckpointFile.VERSION, "\"version\" : 7")
                .getBytes(StandardCharsets.UTF_8));
        rezip(entries, bad);
        e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(bad));
        assertTrue(e.getMessage().contains("format version 7; this library reads version " + CheckpointFile.VERSION), e.getMessage());
    }

    @Test
    void aPlainModelZipOrAnotherFileIsNotACheckpoint(@TempDir Path dir) throws Exception {
        Path model = dir.resolve("model.zip");
        ModelSerializer.writeModel(Models.mlp(8, 16, 4, 0.1, 1), model.toFile(), true);
        CheckpointException e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(model));
        assertTrue(e.getMessage().contains("has no manifest.json"), e.getMessage());
        Path text = Files.writeString(dir.resolve("notes.txt"), "not a zip");
        e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(text));
        assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
        e = assertThrows(CheckpointException.class, () -> CheckpointFile.read(dir.resolve("missing.zip")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void aFailedWriteLeavesThePreviousCheckpointAndNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path f = write(dir);
        byte[] before = Files.readAllBytes(f);
        Map<String, Serializable> objects = Map.of("bad", new NotSerialisable());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointFile.write(f, ContinualModel.of(Models.mlp(8, 16, 4, 0.1, 2)), objects, Map.of()));
        assertTrue(e.getMessage().contains("'bad'") && e.getMessage().contains("cannot be serialised"),
                e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
        assertFalse(Files.exists(dir.resolve(f.getFileName() + ".tmp")));
        e = assertThrows(IllegalArgumentException.class, () -> CheckpointFile.write(f,
                ContinualModel.of(Models.mlp(8, 16, 4, 0.1, 2)), Map.of("a/b", "x"), Map.of()));
        assertTrue(e.getMessage().contains("'a/b'"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(f));
    }

    @Test
    void latestInPicksTheNewestRunAndIgnoresTemporaryAndStrayFiles(@TempDir Path dir) throws Exception {
        assertTrue(CheckpointFile.latestIn(dir.resolve("none")).isEmpty());
        ContinualModel m = ContinualModel.of(Models.mlp(8, 16, 4, 0.1, 1));
        CheckpointFile.write(dir.resolve(CheckpointFile.fileName(2)), m, Map.of(),
                Map.of(CheckpointFile.RUN_ID, "old", CheckpointFile.WRITTEN_AT, "1000"));
        CheckpointFile.write(dir.resolve(CheckpointFile.fileName(10)), m, Map.of(),
                Map.of(CheckpointFile.RUN_ID, "old", CheckpointFile.WRITTEN_AT, "2000"));
        Files.write(dir.resolve(CheckpointFile.fileName(11) + ".tmp"), new byte[0]);
        // stray files with a checkpoint's name: a number out of int range, and one that is not a zip
        Files.write(dir.resolve("checkpoint-99999999999.zip"), new byte[]{1, 2, 3});
        Files.write(dir.resolve(CheckpointFile.fileName(12)), new byte[]{1, 2, 3});
        assertEquals(CheckpointFile.fileName(10), CheckpointFile.latestIn(dir).orElseThrow().getFileName().toString());
        // a new run into the same directory: its (lower-numbered) checkpoint wins, the old run's stay reachable
        CheckpointFile.write(dir.resolve(CheckpointFile.fileName(1)), m, Map.of(),
                Map.of(CheckpointFile.RUN_ID, "new", CheckpointFile.WRITTEN_AT, "3000"));
        assertEquals(CheckpointFile.fileName(1), CheckpointFile.latestIn(dir).orElseThrow().getFileName().toString());
        assertEquals(CheckpointFile.fileName(10),
                CheckpointFile.latestIn(dir, "old").orElseThrow().getFileName().toString());
        assertTrue(CheckpointFile.latestIn(dir, "other").isEmpty());
    }

    private static final class NotSerialisable implements Serializable {
        private static final long serialVersionUID = 1L;
        private final Object field = new Object();
    }

    static Map<String, byte[]> entries(Path f) throws Exception {
        Map<String, byte[]> m = new LinkedHashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(Files.readAllBytes(f)))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                m.put(e.getName(), in.readAllBytes());
            }
        }
        return m;
    }

    static void rezip(Map<String, byte[]> entries, Path to) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                out.putNextEntry(new ZipEntry(e.getKey()));
                out.write(e.getValue());
                out.closeEntry();
            }
        }
        Files.write(to, bytes.toByteArray());
    }
}
