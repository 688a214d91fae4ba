package io.github.dl4jcontinual.checkpoint;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The form an ND4J array takes inside a checkpoint state: its data type, shape and values as one Java primitive
 * array in C order. {@link CheckpointFile} writes every {@link INDArray} of a state in this form and turns it back
 * into an array when reading, so that reading never goes through ND4J's own Java deserialisation (whose header
 * declares a length that is allocated before any check). The values' length is bounded by the entry's size like
 * any array, and must equal the shape's product. Package-private form; states hold {@link INDArray}s.
 */
final class StoredArray implements CheckpointState {
    private static final long serialVersionUID = 1L;
    private final String dataType;
    private final long[] shape;
    private final Serializable values;

    private StoredArray(String dataType, long[] shape, Serializable values) {
        this.dataType = dataType;
        this.shape = shape;
        this.values = values;
    }

    static StoredArray of(INDArray a) {
        if (a.length() > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("an array of " + a.length() + " elements is too large for a "
                    + "checkpoint state (at most " + (Integer.MAX_VALUE - 8) + ")");
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            DataType dt = a.dataType();
            INDArray c = a.isEmpty() ? a : a.dup('c');
            int n = (int) a.length();
            Serializable v;
            if (a.isEmpty()) {
                v = new double[0];
            } else if (dt == DataType.FLOAT) {
                v = Arrays.copyOf(c.data().asFloat(), n);
            } else if (dt == DataType.INT) {
                v = Arrays.copyOf(c.data().asInt(), n);
            } else if (dt == DataType.LONG) {
                v = Arrays.copyOf(c.data().asLong(), n);
            } else {
                // DOUBLE exactly; HALF, BFLOAT16, the small integer types and BOOL are exact in a double too
                v = Arrays.copyOf(c.castTo(DataType.DOUBLE).data().asDouble(), n);
            }
            return new StoredArray(dt.name(), a.shape().clone(), v);
        }
    }

    /**
     * @param proxy the {@code BaseNDArrayProxy} ND4J's {@code writeReplace} makes of an array
     * @return the array it stands for (what its {@code readResolve} returns)
     */
    static INDArray unproxy(Object proxy) {
        try {
            java.lang.reflect.Method m = org.nd4j.linalg.api.ndarray.BaseNDArrayProxy.class
                    .getDeclaredMethod("readResolve");
            m.setAccessible(true);
            return (INDArray) m.invoke(proxy);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalArgumentException("an ND4J array cannot be stored: " + e, e);
        }
    }

    /**
     * @return the array (outside any workspace)
     * @throws IllegalArgumentException if the stored form is inconsistent
     */
    INDArray toArray() {
        DataType dt;
        try {
            dt = DataType.valueOf(dataType);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("a stored array has the unknown data type '" + dataType + "'");
        }
        if (shape == null || shape.length > 32 || values == null) {
            throw new IllegalArgumentException("a stored array has no shape or values");
        }
        long n = 1;
        for (long d : shape) {
            if (d < 0 || (d > 0 && n > Integer.MAX_VALUE / d)) {
                throw new IllegalArgumentException("a stored array has the shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        int len = values instanceof float[] ? ((float[]) values).length : values instanceof int[]
                ? ((int[]) values).length : values instanceof long[] ? ((long[]) values).length
                : values instanceof double[] ? ((double[]) values).length : -1;
        if (len < 0) {
            throw new IllegalArgumentException("a stored array holds a " + values.getClass().getName()
                    + ", expected a primitive array");
        }
        if (len != n) {
            throw new IllegalArgumentException("a stored array of shape " + Arrays.toString(shape) + " ("
                    + n + " elements) holds " + len + " values");
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (n == 0) {
                return Nd4j.create(dt, shape);
            }
            INDArray flat;
            if (values instanceof float[]) {
                flat = Nd4j.createFromArray((float[]) values);
            } else if (values instanceof int[]) {
                flat = Nd4j.createFromArray((int[]) values);
            } else if (values instanceof long[]) {
                flat = Nd4j.createFromArray((long[]) values);
            } else {
                flat = Nd4j.createFromArray((double[]) values);
            }
            INDArray shaped = flat.reshape('c', shape);
            return shaped.dataType() == dt ? shaped : shaped.castTo(dt);
        }
    }
}
