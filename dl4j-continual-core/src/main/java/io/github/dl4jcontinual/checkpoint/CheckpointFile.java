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
    public static final int VERSION = 2;
    private static final String OBJECTS = "objects/";
    private static final String MODEL_TYPE = "modelType";
    /** The manifest property naming the run that wrote a checkpoint (one id from a fresh start to every resume). */
    public static final String RUN_ID = "runId";
    /** The manifest property holding when the checkpoint was written (milliseconds since the epoch). */
    public static final String WRITTEN_AT = "writtenAt";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(CheckpointFile.class);
    /** The model entries a checkpoint may hold ({@link ModelFiles}: ModelSerializer's zip without a normaliser or
     * pre-processor, which ModelSerializer would read with unfiltered Java deserialisation, or SameDiff's). */
    private static final java.util.Set<String> MODEL_ENTRIES = java.util.Set.of(ModelSerializer.CONFIGURATION_JSON,
            ModelSerializer.COEFFICIENTS_BIN, ModelSerializer.UPDATER_BIN, ModelSerializer.NO_PARAMS_MARKER,
            ModelFiles.DESCRIPTOR, ModelFiles.SAMEDIFF);
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
     * The newest checkpoint of the run that wrote last into {@code dir}: among the files named {@link #fileName},
     * the checkpoints are grouped by the {@link #RUN_ID} of their manifest, the run whose checkpoint was written
     * most recently ({@link #WRITTEN_AT}) is taken, and its highest-numbered checkpoint returned. Checkpoints
     * another run left in the directory with higher numbers are not returned. Temporary files are ignored; a file
     * with a checkpoint's name whose manifest cannot be read (a stray file, a number out of range) is skipped with
     * a logged warning naming it.
     *
     * @param dir a checkpoint directory
     * @return that checkpoint, or empty if there is none or the directory does not exist
     */
    public static Optional<Path> latestIn(Path dir) {
        return latest(dir, null);
    }

    /**
     * @param dir   a checkpoint directory
     * @param runId the run (its {@link #RUN_ID}, e.g. {@code ContinualTrainer.runId()})
     * @return the highest-numbered checkpoint of that run in {@code dir} (other runs' files are ignored), or empty
     */
    public static Optional<Path> latestIn(Path dir, String runId) {
        return latest(dir, Objects.requireNonNull(runId, "runId"));
    }

    private static Optional<Path> latest(Path dir, String runId) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        // per run: its highest number and file, and when it last wrote
        Map<String, Object[]> runs = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Iterator<Path> it = files.sorted().iterator(); it.hasNext(); ) {
                Path p = it.next();
                Matcher m = NUMBERED.matcher(p.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                if (m.group(1).length() > 9) {
                    LOG.warn("Ignoring {} in the checkpoint directory: its number {} is out of range (checkpoints "
                            + "are numbered 0..999999999 by the experiences done)", p, m.group(1));
                    continue;
                }
                int n = Integer.parseInt(m.group(1));
                Map<String, String> props = manifestProperties(p);
                if (props == null) {
                    continue;
                }
                String run = props.getOrDefault(RUN_ID, "");
                if (runId != null && !runId.equals(run)) {
                    continue;
                }
                long written = parseLong(props.get(WRITTEN_AT), lastModified(p));
                Object[] r = runs.computeIfAbsent(run, k -> new Object[]{-1, null, Long.MIN_VALUE});
                if (n > (Integer) r[0]) {
                    r[0] = n;
                    r[1] = p;
                }
                r[2] = Math.max((Long) r[2], written);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list the checkpoint directory " + dir, e);
        }
        Object[] best = null;
        for (Object[] r : runs.values()) {
            if (best == null || (Long) r[2] > (Long) best[2]) {
                best = r;
            }
        }
        if (runId == null && runs.size() > 1 && best != null) {
            LOG.warn("The checkpoint directory {} holds checkpoints of {} runs; taking {} of the run that wrote "
                    + "last (run ids: {})", dir, runs.size(), best[1], runs.keySet());
        }
        return best == null ? Optional.empty() : Optional.of((Path) best[1]);
    }

    /** @return the manifest's properties, read without loading the rest; null (warned) if unreadable */
    private static Map<String, String> manifestProperties(Path p) {
        try (java.util.zip.ZipFile z = new java.util.zip.ZipFile(p.toFile())) {
            ZipEntry e = z.getEntry(MANIFEST);
            if (e == null || e.getSize() > 1 << 24) {
                LOG.warn("Ignoring {} in the checkpoint directory: it has no {}, so it is not a checkpoint", p,
                        MANIFEST);
                return null;
            }
            JsonNode manifest;
            try (InputStream in = z.getInputStream(e)) {
                manifest = ContinualJson.mapper().readTree(new String(in.readNBytes(1 << 24),
                        StandardCharsets.UTF_8));
            }
            if (manifest == null || !FORMAT.equals(manifest.path("format").asText())) {
                LOG.warn("Ignoring {} in the checkpoint directory: its {} is not of the format '{}'", p, MANIFEST,
                        FORMAT);
                return null;
            }
            Map<String, String> props = new LinkedHashMap<>();
            manifest.path("properties").fields().forEachRemaining(f -> props.put(f.getKey(), f.getValue().asText()));
            return props;
        } catch (IOException | RuntimeException ex) {
            LOG.warn("Ignoring {} in the checkpoint directory: it is not a readable checkpoint ({})", p,
                    ex.toString());
            return null;
        }
    }

    private static long lastModified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return Long.MIN_VALUE;
        }
    }

    private static long parseLong(String s, long otherwise) {
        try {
            return s == null ? otherwise : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return otherwise;
        }
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
        props.putIfAbsent(WRITTEN_AT, Long.toString(System.currentTimeMillis()));
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

    static byte[] serialise(String key, Serializable value) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new CheckedOutput(bytes)) {
            out.writeObject(value);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("The checkpoint object '" + key + "' ("
                    + (value == null ? null : value.getClass().getName()) + ") cannot be serialised: "
                    + e.getMessage(), e);
        }
        return bytes.toByteArray();
    }

    /** Refuses, while writing, every object that {@link SafeObjectInput} would refuse when reading it back. */
    private static final class CheckedOutput extends ObjectOutputStream {
        CheckedOutput(ByteArrayOutputStream out) throws IOException {
            super(out);
            enableReplaceObject(true);
        }

        @Override
        protected Object replaceObject(Object obj) {
            if (obj instanceof org.nd4j.linalg.api.ndarray.INDArray) {
                return StoredArray.of((org.nd4j.linalg.api.ndarray.INDArray) obj);
            }
            if (obj instanceof org.nd4j.linalg.api.ndarray.BaseNDArrayProxy) {
                // ND4J's writeReplace ran first: back to the array (as its readResolve does), then our form
                return StoredArray.of(StoredArray.unproxy(obj));
            }
            if (obj != null && !(obj instanceof Class) && !(obj instanceof java.io.ObjectStreamClass)
                    && !SafeObjectInput.admits(obj.getClass())) {
                throw new IllegalArgumentException("it holds a " + obj.getClass().getName() + ", a class a "
                        + "checkpoint may not contain: a state holds boxed primitives, strings, arrays, JDK "
                        + "collections, java.util.Random, ND4J arrays and classes implementing "
                        + CheckpointState.class.getName());
            }
            return obj;
        }
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
            if (!name.startsWith(OBJECTS) && !MODEL_ENTRIES.contains(name)) {
                // ModelSerializer would Java-deserialise a preprocessor.bin or normalizer.bin without a filter
                throw new CheckpointException("Checkpoint " + file + " has an entry " + name + " that a "
                        + "checkpoint never holds (expected " + MODEL_ENTRIES + " and objects/...); nothing was "
                        + "loaded");
            }
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
        Object o = SafeObjectInput.read(bytes, "Checkpoint " + path + ": the entry " + OBJECTS + key);
        if (o != null && !type.isInstance(o)) {
            throw new CheckpointException("Checkpoint " + path + ": the entry " + OBJECTS + key + " holds a "
                    + o.getClass().getName() + ", expected a " + type.getName());
        }
        return type.cast(o);
    }

    /**
     * @param name a model entry, e.g. {@code configuration.json}
     * @return its bytes (verified against the manifest; not deserialised), or null if the checkpoint has none
     */
    public byte[] modelEntry(String name) {
        byte[] b = name.startsWith(OBJECTS) ? null : entries.get(name);
        return b == null ? null : b.clone();
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
