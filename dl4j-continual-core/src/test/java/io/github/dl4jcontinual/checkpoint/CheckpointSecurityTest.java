package io.github.dl4jcontinual.checkpoint;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.replay.strategy.ExperienceReplay;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.serde.ContinualJson;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SyntheticData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.shade.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A checkpoint from an untrusted source: a tampered entry (with its digest rewritten to match, so only the
 * deserialisation filter stands in the way) cannot run a {@code readObject} of the classpath, a nested-collection
 * bomb and a forged array length are refused at once, and entries DL4J would deserialise unfiltered are refused.
 */
public class CheckpointSecurityTest {
    /** Where {@link Planted#readObject} writes; the test asserts it never appears. */
    static volatile Path marker;

    /** A class of the classpath whose deserialisation has an effect: it creates {@link #marker}. */
    static final class Planted implements Serializable {
        private static final long serialVersionUID = 1L;
        private final String path;

        Planted(String path) {
            this.path = path;
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            Files.writeString(Path.of(path), "code ran while loading a checkpoint");
        }
    }

    public static byte[] serialise(Object o) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }

    /** Replaces (or adds) entries and rewrites the manifest's digests to match, as a forger would. */
    public static Path forge(Path original, Path to, Map<String, byte[]> replace) throws Exception {
        Map<String, byte[]> entries = CheckpointFileTest.entries(original);
        entries.putAll(replace);
        ObjectNode manifest = (ObjectNode) ContinualJson.mapper().readTree(
                new String(entries.remove(CheckpointFile.MANIFEST), StandardCharsets.UTF_8));
        ObjectNode digests = manifest.putObject("entries");
        entries.forEach((k, v) -> digests.put(k, CheckpointFile.sha256(v)));
        entries.put(CheckpointFile.MANIFEST, manifest.toString().getBytes(StandardCharsets.UTF_8));
        CheckpointFileTest.rezip(entries, to);
        return to;
    }

    private static ContinualConfiguration conf() {
        return new ContinualConfiguration.Builder().batchSize(10).seed(3).progress(false)
                .plugin(new ExperienceReplay.Builder().bufferSize(20).build()).build();
    }

    @Test
    void aTamperedEntryCannotRunCodeWhenLoaded(@TempDir Path dir) throws Exception {
        marker = dir.resolve("planted.txt");
        ClassIncrementalScenario.Builder b = new ClassIncrementalScenario.Builder()
                .train(SyntheticData.blobs(4, 10, 6, 1, 1)).test(SyntheticData.blobs(4, 3, 6, 1, 2))
                .numExperiences(2);
        Path ckpts = dir.resolve("run");
        ContinualTrainer.wrap(Models.mlp(6, 8, 4, 0.1, 1), conf()).setCheckpointDirectory(ckpts).fit(b.build(), 1);
        Path good = ckpts.resolve(CheckpointFile.fileName(1));
        byte[] evil = serialise(new Planted(marker.toString()));
        for (String entry : new String[]{"objects/continual.plugin-0", "objects/continual.progress",
                "objects/continual.nd4j-rng"}) {
            Path bad = forge(good, dir.resolve("forged.zip"), Map.of(entry, evil));
            CheckpointException e = assertThrows(CheckpointException.class,
                    () -> ContinualTrainer.resume(bad, conf(), MultiLayerNetwork.class), entry);
            assertTrue(e.getMessage().contains(entry) && e.getMessage().contains(Planted.class.getName())
                    && e.getMessage().contains("not allowed"), e.getMessage());
            assertFalse(Files.exists(marker), "the planted readObject ran for " + entry);
        }
        // nested inside an allowed container, too
        CheckpointException e0;
        Path bad = forge(good, dir.resolve("forged.zip"), Map.of("objects/continual.plugin-0",
                serialise(new Serializable[]{new java.util.ArrayList<>(java.util.List.of(new Planted(
                        marker.toString())))})));
        assertThrows(CheckpointException.class, () -> ContinualTrainer.resume(bad, conf(), MultiLayerNetwork.class));
        assertFalse(Files.exists(marker));
        // an ND4J array in ND4J's own serial form (which allocates the length its header declares) is refused
        Path nd = forge(good, dir.resolve("forged.zip"), Map.of("objects/continual.plugin-0",
                serialise(org.nd4j.linalg.factory.Nd4j.zeros(3))));
        e0 = assertThrows(CheckpointException.class, () -> ContinualTrainer.resume(nd, conf(), MultiLayerNetwork.class));
        assertTrue(e0.getMessage().contains("BaseNDArrayProxy") && e0.getMessage().contains("not allowed"),
                e0.getMessage());
        // an entry ModelSerializer would read with an unfiltered ObjectInputStream is refused by name
        Path pre = forge(good, dir.resolve("preprocessor.zip"), Map.of("preprocessor.bin", evil));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> ContinualTrainer.resume(pre, conf(), MultiLayerNetwork.class));
        assertTrue(e.getMessage().contains("preprocessor.bin") && e.getMessage().contains("never holds"),
                e.getMessage());
        assertFalse(Files.exists(marker));
        // the unforged checkpoint still loads
        assertEquals(1, ContinualTrainer.resume(good, conf(), MultiLayerNetwork.class).result()
                .classIncremental().rows());
    }

    @Test
    void aNestedSetBombIsRefusedQuickly(@TempDir Path dir) throws Exception {
        // the classic: 100 levels of two sets each holding both sets of the next level (hashing is 2^100 work)
        Set<Object> root = new HashSet<>();
        Set<Object> s1 = root;
        Set<Object> s2 = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            Set<Object> t1 = new HashSet<>();
            Set<Object> t2 = new HashSet<>();
            t1.add("x" + i);
            s1.add(t1);
            s1.add(t2);
            s2.add(t1);
            s2.add(t2);
            s1 = t1;
            s2 = t2;
        }
        byte[] bomb = serialise(root);
        assertTrue(bomb.length < 10_000, bomb.length + " bytes");
        Path f = dir.resolve("bomb.zip");
        CheckpointFile.write(f, ContinualModel.of(Models.mlp(4, 4, 2, 0.1, 1)), Map.of("x", "y"), Map.of());
        Path bad = forge(f, dir.resolve("forged.zip"), Map.of("objects/x", bomb));
        long t0 = System.nanoTime();
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointFile.read(bad).object("x", Serializable.class));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(e.getMessage().contains("deeper than " + SafeObjectInput.MAX_DEPTH), e.getMessage());
        assertTrue(ms < 2000, "refused after " + ms + " ms");
    }

    @Test
    void aForgedArrayLengthIsRefusedBeforeAllocating(@TempDir Path dir) throws Exception {
        byte[] ok = serialise(new int[]{7, 7, 7});
        // the stream ends with the length (00 00 00 03) and the three ints: claim 2^30 elements
        int at = ok.length - 12 - 4;
        assertEquals(3, ok[at + 3]);
        ok[at] = 0x40;
        Path f = dir.resolve("a.zip");
        CheckpointFile.write(f, ContinualModel.of(Models.mlp(4, 4, 2, 0.1, 1)), Map.of("x", "y"), Map.of());
        Path bad = forge(f, dir.resolve("forged.zip"), Map.of("objects/x", ok));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> CheckpointFile.read(bad).object("x", int[].class));
        assertTrue(e.getMessage().contains("array of 1073741827 elements"), e.getMessage());
    }

    @Test
    void aStateOfAClassThatCouldNotBeReadBackIsRefusedWhenWritten(@TempDir Path dir) {
        Path f = dir.resolve("c.zip");
        Map<String, Serializable> objects = new LinkedHashMap<>();
        objects.put("state", new Planted("unused"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointFile.write(f, ContinualModel.of(Models.mlp(4, 4, 2, 0.1, 1)), objects, Map.of()));
        assertTrue(e.getMessage().contains(Planted.class.getName()) && e.getMessage().contains("CheckpointState"),
                e.getMessage());
        assertFalse(Files.exists(f));
    }
}
