package io.github.dl4jcontinual.checkpoint;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputFilter;
import java.io.ObjectInputStream;
import java.util.Set;

/**
 * Java deserialisation restricted to the classes checkpoint states are made of, for bytes that may come from an
 * untrusted file. An {@link ObjectInputFilter} is installed on the stream before the first object is read; it
 * admits only
 * <ul>
 *   <li>boxed primitives, {@code String}, primitive arrays and arrays of admitted classes;</li>
 *   <li>the JDK collections listed in {@link #JDK} ({@code ArrayList}, {@code HashMap}, {@code TreeSet}, the
 *       unmodifiable and immutable views, ...) and {@code java.util.Random};</li>
 *   <li>ND4J arrays in the form {@link CheckpointFile} writes them ({@code StoredArray}: data type, shape and a
 *       primitive array, turned into an {@link INDArray} after the checks; ND4J's own Java deserialisation, which
 *       allocates the length its header declares, is refused);</li>
 *   <li>classes implementing {@link CheckpointState} and enums of this library's packages;</li>
 * </ul>
 * and bounds the graph: depth ≤ {@value #MAX_DEPTH}, references ≤ {@value #MAX_REFERENCES}, and no array longer
 * than the entry has bytes. A refused class is never initialised and none of its code runs (the filter sees the
 * class before an instance exists), so a crafted entry cannot run a {@code readObject} of the classpath; a
 * nested-collection bomb stops at the depth bound. Any refusal is a {@link CheckpointException} naming the entry and
 * the class or limit.
 */
public final class SafeObjectInput {
    /** The deepest object graph a checkpoint state may have. */
    public static final int MAX_DEPTH = 20;
    /** The most object references one entry may hold. */
    public static final long MAX_REFERENCES = 1L << 20;
    /** The JDK classes admitted besides boxed primitives, strings and arrays. */
    static final Set<String> JDK = Set.of(
            "java.lang.Number", "java.lang.Enum",
            "java.util.ArrayList", "java.util.LinkedList", "java.util.ArrayDeque",
            "java.util.HashMap", "java.util.LinkedHashMap", "java.util.TreeMap",
            "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeSet", "java.util.BitSet",
            "java.util.Random", "java.util.Arrays$ArrayList",
            "java.util.Collections$UnmodifiableCollection", "java.util.Collections$UnmodifiableList",
            "java.util.Collections$UnmodifiableRandomAccessList", "java.util.Collections$UnmodifiableSet",
            "java.util.Collections$UnmodifiableSortedSet", "java.util.Collections$UnmodifiableMap",
            "java.util.Collections$UnmodifiableSortedMap", "java.util.Collections$EmptyList",
            "java.util.Collections$EmptySet", "java.util.Collections$EmptyMap",
            "java.util.Collections$SingletonList", "java.util.Collections$SingletonSet",
            "java.util.Collections$SingletonMap", "java.util.ImmutableCollections$CollSer",
            // the component type HashMap and HashSet check their table against (bounded like any array)
            "java.util.Map$Entry");
    private static final Set<Class<?>> BOXED = Set.of(String.class, Boolean.class, Byte.class, Short.class,
            Character.class, Integer.class, Long.class, Float.class, Double.class);
    private static final String OWN_PACKAGE = "io.github.dl4jcontinual.";

    private SafeObjectInput() {
    }

    /**
     * @param bytes the serialised object
     * @param what  what the bytes are, for messages (e.g. {@code Checkpoint x.zip: the entry objects/y})
     * @return the object (null if null was written)
     * @throws CheckpointException if the bytes hold a refused class, exceed a limit or cannot be read
     */
    public static Object read(byte[] bytes, String what) {
        Filter filter = new Filter(bytes.length);
        try (ObjectInputStream in = new ArrayResolving(new ByteArrayInputStream(bytes), filter)) {
            in.setObjectInputFilter(filter);
            Object o = in.readObject();
            if (in.read() != -1) {
                throw new CheckpointException(what + " has bytes after its object; nothing was loaded");
            }
            return o;
        } catch (InvalidClassException e) {
            throw new CheckpointException(what + " was refused: " + (filter.refusal != null ? filter.refusal
                    : e.getMessage()) + "; nothing was loaded", e);
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            if (e instanceof CheckpointException) {
                throw (CheckpointException) e;
            }
            throw new CheckpointException(what + " cannot be deserialised: " + (filter.refusal != null
                    ? filter.refusal : e.toString()), e);
        }
    }

    /**
     * Serialises a state as {@link CheckpointFile} does (ND4J arrays as {@code StoredArray}s), refusing any object
     * {@link #read} would refuse, so that what is written can be read back.
     *
     * @param what  what the state is, for messages
     * @param value the state
     * @return its bytes
     * @throws IllegalArgumentException naming the class that a checkpoint may not contain
     */
    public static byte[] write(String what, java.io.Serializable value) {
        return CheckpointFile.serialise(what, value);
    }

    /**
     * @param maxArrayLength the longest array admitted (the length of the bytes read is a safe bound)
     * @return the filter {@link #read} installs, for callers that read a stream themselves
     */
    public static ObjectInputFilter filter(long maxArrayLength) {
        return new Filter(maxArrayLength);
    }

    /**
     * @param c a class
     * @return whether {@link #read} admits it
     */
    public static boolean admits(Class<?> c) {
        while (c.isArray()) {
            c = c.getComponentType();
        }
        if (c.isPrimitive() || BOXED.contains(c) || JDK.contains(c.getName())) {
            return true;
        }
        if (c == INDArray.class) {
            return true; // as the component type of an array; the arrays themselves are StoredArrays
        }
        if (c.isEnum() && c.getName().startsWith(OWN_PACKAGE)) {
            return true;
        }
        return CheckpointState.class.isAssignableFrom(c) || c == CheckpointState.class
                || c == java.io.Serializable.class || c == Object.class;
    }

    /** Turns the {@link StoredArray}s of a state back into ND4J arrays once they are read and checked. */
    private static final class ArrayResolving extends ObjectInputStream {
        private final Filter filter;

        ArrayResolving(ByteArrayInputStream in, Filter filter) throws IOException {
            super(in);
            this.filter = filter;
            enableResolveObject(true);
        }

        @Override
        protected Object resolveObject(Object obj) {
            if (obj instanceof StoredArray) {
                INDArray a = ((StoredArray) obj).toArray();
                filter.resolvedArrays++; // the stream filters the replacement's class next: let exactly it pass
                return a;
            }
            return obj;
        }
    }

    private static final class Filter implements ObjectInputFilter {
        private final long maxArray;
        private volatile String refusal;
        /** Arrays {@link ArrayResolving} made from a checked StoredArray whose class the stream filters next. */
        int resolvedArrays;

        Filter(long maxArray) {
            this.maxArray = maxArray;
        }

        @Override
        public Status checkInput(FilterInfo info) {
            if (info.depth() > MAX_DEPTH) {
                return refuse("the object graph is deeper than " + MAX_DEPTH + " levels");
            }
            if (info.references() > MAX_REFERENCES) {
                return refuse("it holds more than " + MAX_REFERENCES + " object references");
            }
            if (info.arrayLength() > maxArray) {
                return refuse("it declares an array of " + info.arrayLength() + " elements in " + maxArray
                        + " bytes");
            }
            Class<?> c = info.serialClass();
            if (c != null && INDArray.class.isAssignableFrom(c) && info.arrayLength() < 0) {
                if (resolvedArrays > 0) {
                    resolvedArrays--;
                    return Status.ALLOWED;
                }
                return refuse("it holds an ND4J array in ND4J's own serial form (" + c.getName() + "), which "
                        + "a checkpoint never does");
            }
            if (c != null && !admits(c)) {
                return refuse("the class " + c.getName() + " is not allowed in a checkpoint (allowed: boxed "
                        + "primitives, strings, arrays, JDK collections, java.util.Random, ND4J arrays and "
                        + CheckpointState.class.getSimpleName() + " classes)");
            }
            return Status.ALLOWED;
        }

        private Status refuse(String why) {
            if (refusal == null) {
                refusal = why;
            }
            return Status.REJECTED;
        }
    }
}
