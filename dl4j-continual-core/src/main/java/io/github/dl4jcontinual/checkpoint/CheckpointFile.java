package io.github.dl4jcontinual.checkpoint;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.model.ModelFiles;
import io.github.dl4jcontinual.serde.ContinualJson;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.shade.jackson.databind.JsonNode;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * One checkpoint file: the model's entries as {@link ModelFiles} stores them (for a MultiLayerNetwork or
 * ComputationGraph the zip entries of {@link ModelSerializer#writeModel} — parameters, configuration and updater
 * state — so {@code ModelSerializer} can read the file too; for a SameDiff graph its FlatBuffers), the caller's objects as {@code objects/<key>} entries in
 * the layout of {@link ModelSerializer#addObjectToFile} (so {@link ModelSerializer#getObjectFromFile} reads them
 * too), and last a {@code manifest.json}: format name and version, the caller's string properties and the SHA-256
 * of every other entry.
 *
 * <p>{@link #write} is atomic: it writes {@code <name>.tmp} in the target's directory, forces it to disk, then
 * renames it over the target, so a reader sees the previous file or the new complete one, never a partial one,
 * even if the process is killed. {@link #read} loads the whole file once and checks the manifest and every
 * digest before anything is deserialised; a truncated or altered file is rejected with a
 * {@link CheckpointException}. Instances are immutable.</p>
 */
public final class CheckpointFile {
    /** Name of the manifest entry. */
    public static final String MANIFEST = "manifest.json";
    /** The format name in the manifest. */
    public static final String FORMAT = "dl4j-continual-checkpoint";
    /** The format version this code writes and reads. */
    public static final int VERSION = 1;
    private static final String OBJECTS = "objects/";
    private static final String MODEL_TYPE = "modelType";
    private static final Pattern NUMBERED = Pattern.compile("checkpoint-(\\d+)\\.zip");

    private final Path path;
    private final Map<String, byte[]> entries;
    private final Map<String, String> properties;

    private CheckpointFile(Path path, Map<String, byte[]> entries, Map<String, String> properties) {
        this.path = path;
        this.entries = entries;
        this.properties = properties;
    }

    /**
     * The file name of the checkpoint taken after {@code experiencesDone} experiences, e.g. {@code checkpoint-0003.zip}.
     *
     * @param experiencesDone experiences trained, ≥ 0
     * @return the name
     */
    public static String fileName(int experiencesDone) {
        return String.format("checkpoint-%04d.zip", experiencesDone);
    }

    /**
     * @param dir a checkpoint directory
     * @return the checkpoint named {@link #fileName} with the highest number in it (temporary files are ignored),
     *         or empty if there is none or the directory does not exist
     */
    public static Optional<Path> latestIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        Path best = null;
        int bestN = -1;
        try (Stream<Path> files = Files.list(dir)) {
            for (Iterator<Path> it = files.iterator(); it.hasNext(); ) {
                Path p = it.next();
                Matcher m = NUMBERED.matcher(p.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) > bestN) {
                    bestN = Integer.parseInt(m.group(1));
                    best = p;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the checkpoint directory " + dir, e);
        }
        return Optional.ofNullable(best);
    }

    /**
     * Writes a checkpoint atomically. Objects are serialised before the file is opened, so an object that cannot
     * be serialised leaves no file behind; on any failure the temporary file is deleted and the previous
     * {@code target} (if any) is untouched.
     *
     * @param target     the checkpoint file (its directory is created if needed)
     * @param model      the model; saved with its updater state
     * @param objects    serialisable state by key (letters, digits, '.', '-' and '_')
     * @param properties string properties stored in the manifest (e.g. a configuration fingerprint)
     * @throws UncheckedIOException if the file cannot be written
     * @throws IllegalArgumentException if a key is invalid or an object cannot be serialised
     */
    public static void write(Path target, ContinualModel model, Map<String, ? extends Serializable> objects,
                             Map<String, String> properties) {
        Objects.requireNonNull(model, "model");
        Map<String, byte[]> content = new LinkedHashMap<>(ModelFiles.entries(model));
        for (Map.Entry<String, ? extends Serializable> o : objects.entrySet()) {
            if (!o.getKey().matches("[A-Za-z0-9._-]+")) {
                throw new IllegalArgumentException("Invalid checkpoint object key '" + o.getKey()
                        + "': expected letters, digits, '.', '-' or '_'");
            }
            content.put(OBJECTS + o.getKey(), serialise(o.getKey(), o.getValue()));
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", FORMAT);
        manifest.put("version", VERSION);
        Map<String, String> props = new LinkedHashMap<>(properties);
        props.put(MODEL_TYPE, model.kind());
        manifest.put("properties", props);
        Map<String, String> digests = new LinkedHashMap<>();
        content.forEach((name, bytes) -> digests.put(name, sha256(bytes)));
        manifest.put("entries", digests);
        content.put(MANIFEST, ContinualJson.toJson(manifest).getBytes(StandardCharsets.UTF_8));

        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        try {
            Files.createDirectories(dir);
            try (FileOutputStream fos = new FileOutputStream(tmp.toFile());
                 ZipOutputStream zip = new ZipOutputStream(fos)) {
                for (Map.Entry<String, byte[]> e : content.entrySet()) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
                zip.finish();
                zip.flush();
                fos.getFD().sync();
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            syncDirectory(dir);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            if (e instanceof IOException) {
                throw new UncheckedIOException("Cannot write checkpoint " + target, (IOException) e);
            }
            throw (RuntimeException) e;
        }
    }

    private static void syncDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some platforms cannot open a directory; the rename itself is still atomic
        }
    }

    private static byte[] serialise(String key, Serializable value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        } catch (IOException e) {
            throw new IllegalArgumentException("The checkpoint object '" + key + "' ("
                    + (value == null ? null : value.getClass().getName()) + ") cannot be serialised: " + e, e);
        }
        return bytes.toByteArray();
    }

    /**
     * Reads and verifies a checkpoint: the zip must be complete, hold a manifest of this format and version, and
     * every entry must be listed there with its SHA-256 (no entry missing, none added).
     *
     * @param file the checkpoint
     * @return the verified checkpoint, held in memory
     * @throws CheckpointException if the file is missing, truncated, corrupt or of another format
     */
    public static CheckpointFile read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException("Checkpoint " + file + " does not exist or is not a file");
        }
        Map<String, byte[]> entries = new LinkedHashMap<>();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException("Checkpoint " + file + " cannot be read: " + e, e);
        }
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (entries.put(e.getName(), in.readAllBytes()) != null) {
                    throw new CheckpointException("Checkpoint " + file + " is corrupt: the entry " + e.getName()
                            + " occurs twice");
                }
            }
        } catch (IOException e) {
            throw new CheckpointException("Checkpoint " + file + " is truncated or corrupt (" + e.getMessage()
                    + "); nothing was loaded", e);
        }
        String incomplete = incompleteZip(bytes, entries.size());
        if (incomplete != null) {
            throw new CheckpointException("Checkpoint " + file + " is truncated or corrupt (" + incomplete
                    + "); nothing was loaded");
        }
        byte[] manifestBytes = entries.remove(MANIFEST);
        if (manifestBytes == null) {
            throw new CheckpointException("Checkpoint " + file + " is truncated or not a checkpoint: it has no "
                    + MANIFEST + " (found " + entries.size() + " other entries); nothing was loaded");
        }
        JsonNode manifest;
        try {
            manifest = ContinualJson.mapper().readTree(new String(manifestBytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new CheckpointException("Checkpoint " + file + " has a corrupt " + MANIFEST + ": "
                    + e.getMessage(), e);
        }
        if (manifest == null || !FORMAT.equals(manifest.path("format").asText())) {
            throw new CheckpointException("Checkpoint " + file + ": expected format '" + FORMAT + "' in "
                    + MANIFEST + " (got: " + (manifest == null ? null : manifest.path("format")) + ")");
        }
        int version = manifest.path("version").asInt(-1);
        if (version != VERSION) {
            throw new CheckpointException("Checkpoint " + file + " has format version " + version
                    + "; this library reads version " + VERSION);
        }
        JsonNode listed = manifest.path("entries");
        for (Iterator<String> it = listed.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            byte[] content = entries.get(name);
            if (content == null) {
                throw new CheckpointException("Checkpoint " + file + " is truncated or corrupt: the entry " + name
                        + " listed in its manifest is missing; nothing was loaded");
            }
            String digest = sha256(content);
            if (!digest.equals(listed.get(name).asText())) {
                throw new CheckpointException("Checkpoint " + file + " is corrupt: the SHA-256 of entry " + name
                        + " is " + digest + " but the manifest expects " + listed.get(name).asText()
                        + "; nothing was loaded");
            }
        }
        for (String name : entries.keySet()) {
            if (!listed.has(name)) {
                throw new CheckpointException("Checkpoint " + file + " has an entry " + name
                        + " that its manifest does not list; nothing was loaded");
            }
        }
        Map<String, String> props = new LinkedHashMap<>();
        manifest.path("properties").fields().forEachRemaining(e -> props.put(e.getKey(), e.getValue().asText()));
        return new CheckpointFile(file, entries, Collections.unmodifiableMap(props));
    }

    /**
     * Checks the end of a zip as {@link #write} makes it (no archive comment): the end-of-central-directory record
     * must close the file and its central directory must hold every entry read. A stream reader alone accepts a
     * file cut inside its central directory.
     *
     * @return what is wrong, or null if the zip is complete
     */
    private static String incompleteZip(byte[] b, int entriesRead) {
        int eocd = b.length - 22;
        if (eocd < 0 || le(b, eocd, 4) != 0x06054b50L) {
            return "no end-of-archive record at its end";
        }
        long count = le(b, eocd + 10, 2);
        long cdSize = le(b, eocd + 12, 4);
        long cdOffset = le(b, eocd + 16, 4);
        if (cdOffset == 0xFFFFFFFFL || count == 0xFFFFL) {
            return null; // zip64: sizes live in another record; the digests still check every entry
        }
        if (count != entriesRead || cdOffset + cdSize != eocd) {
            return "its central directory lists " + count + " entries in bytes [" + cdOffset + ", "
                    + (cdOffset + cdSize) + ") but " + entriesRead + " entries end at byte " + eocd;
        }
        return null;
    }

    private static long le(byte[] b, int at, int n) {
        long v = 0;
        for (int i = n - 1; i >= 0; i--) {
            v = (v << 8) | (b[at + i] & 0xFF);
        }
        return v;
    }

    /** @return the file this checkpoint was read from */
    public Path path() {
        return path;
    }

    /** @return the string properties of the manifest (those given to {@link #write} and {@code modelType}) */
    public Map<String, String> properties() {
        return properties;
    }

    /**
     * @param key a property name
     * @return its value
     * @throws CheckpointException if the manifest lacks it
     */
    public String property(String key) {
        String v = properties.get(key);
        if (v == null) {
            throw new CheckpointException("Checkpoint " + path + " has no property '" + key + "' in its manifest");
        }
        return v;
    }

    /**
     * Restores the model with its updater state.
     *
     * @return a new model
     * @throws CheckpointException if the model cannot be restored
     */
    public ContinualModel continualModel() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        entries.forEach((k, v) -> {
            if (!k.startsWith(OBJECTS)) {
                m.put(k, v);
            }
        });
        try {
            if (ModelFiles.kindOf(m) == null) {
                // written before the descriptor existed: a ModelSerializer zip of the type in the manifest
                String stored = property(MODEL_TYPE);
                byte[] zip = modelZip();
                return "ComputationGraph".equals(stored)
                        ? ContinualModel.of(ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(zip), true))
                        : ContinualModel.of(ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(zip), true));
            }
            return ModelFiles.fromEntries(m);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("Checkpoint " + path + ": the " + properties.get(MODEL_TYPE)
                    + " cannot be restored: " + e, e);
        }
    }

    /**
     * Restores the network with its updater state.
     *
     * @param type {@code MultiLayerNetwork.class}, {@code ComputationGraph.class} or {@code SameDiff.class}
     * @param <T>  the network type
     * @return a new network
     * @throws CheckpointException if the checkpoint holds another type or the model cannot be restored
     */
    public <T> T model(Class<T> type) {
        String stored = property(MODEL_TYPE);
        if (!type.getSimpleName().equals(stored)) {
            throw new CheckpointException("Checkpoint " + path + " holds a " + stored + " but a "
                    + type.getSimpleName() + " was expected");
        }
        return continualModel().unwrap(type);
    }

    private byte[] modelZip() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                if (!e.getKey().startsWith(OBJECTS)) {
                    zip.putNextEntry(new ZipEntry(e.getKey()));
                    zip.write(e.getValue());
                    zip.closeEntry();
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /**
     * @param key  the key given to {@link #write}
     * @param type the expected type
     * @param <T>  the type
     * @return the deserialised object (null if null was written)
     * @throws CheckpointException if there is no such entry or it does not hold a {@code type}
     */
    public <T> T object(String key, Class<T> type) {
        byte[] bytes = entries.get(OBJECTS + key);
        if (bytes == null) {
            throw new CheckpointException("Checkpoint " + path + " has no entry " + OBJECTS + key);
        }
        Object o;
        try (InputStream in = new ByteArrayInputStream(bytes); ObjectInputStream oin = new ObjectInputStream(in)) {
            o = oin.readObject();
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw new CheckpointException("Checkpoint " + path + ": the entry " + OBJECTS + key
                    + " cannot be deserialised: " + e, e);
        }
        if (o != null && !type.isInstance(o)) {
            throw new CheckpointException("Checkpoint " + path + ": the entry " + OBJECTS + key + " holds a "
                    + o.getClass().getName() + ", expected a " + type.getName());
        }
        return type.cast(o);
    }

    /**
     * @param key a key given to {@link #write}
     * @return whether the checkpoint holds that object
     */
    public boolean hasObject(String key) {
        return entries.containsKey(OBJECTS + key);
    }

    /**
     * @param bytes any bytes
     * @return their SHA-256 as lowercase hex
     */
    public static String sha256(byte[] bytes) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(bytes);
            StringBuilder sb = new StringBuilder(64);
            for (byte b : d) {
                sb.append(String.format("%02x", b));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
