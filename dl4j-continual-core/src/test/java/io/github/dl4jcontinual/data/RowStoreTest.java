package io.github.dl4jcontinual.data;

import org.bytedeco.javacpp.Pointer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link RowStore}: slots of examples of any rank, growing with what is stored, copying in and out. */
class RowStoreTest {

    /** n rows of shape {@code shape}; every value of row i is {@code base + i}. */
    static INDArray rows(int n, float base, long... shape) {
        long[] s = new long[shape.length + 1];
        s[0] = n;
        System.arraycopy(shape, 0, s, 1, shape.length);
        INDArray a = Nd4j.create(DataType.FLOAT, s);
        for (int i = 0; i < n; i++) {
            a.get(NDArrayIndex.point(i)).assign(base + i);
        }
        return a;
    }

    static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    @Test
    void growthIsLazyAHugeCapacityCostsOnlyWhatIsStored() {
        RowStore s = new RowStore(2, Integer.MAX_VALUE);
        long before = Pointer.totalBytes();
        for (int b = 0; b < 20; b++) {
            s.write(range(100 * b, 100 * b + 100), range(0, 100), rows(100, 100 * b, 16), rows(100, 0, 3));
        }
        long grown = Pointer.totalBytes() - before;
        assertEquals(2000, s.size());
        assertEquals(Integer.MAX_VALUE, s.capacity());
        // 2000 rows of 16 + 3 floats are 152 kB; geometric growth at most doubles that (plus ND4J's small buffers).
        // Allocating the capacity would take 2^31 · 19 · 4 bytes (160 GB).
        assertTrue(grown < 16L << 20, "storing 2000 small rows allocated " + grown + " bytes");
        INDArray[] back = s.gather(new int[]{0, 1999, 1234});
        assertArrayEquals(new long[]{3, 16}, back[0].shape());
        assertEquals(0f, back[0].getFloat(0, 0));
        assertEquals(1999f, back[0].getFloat(1, 15));
        assertEquals(1234f, back[0].getFloat(2, 7));
    }

    @Test
    void examplesOfAnyRankComeBackInTheirShape() {
        RowStore s = new RowStore(3, 10);
        s.write(range(0, 4), range(0, 4), rows(4, 0, 2, 5), rows(4, 10, 3, 4, 4), rows(4, 20, 1));
        INDArray[] g = s.gather(new int[]{3, 1, 1});
        assertArrayEquals(new long[]{3, 2, 5}, g[0].shape());
        assertArrayEquals(new long[]{3, 3, 4, 4}, g[1].shape());
        assertArrayEquals(new long[]{3, 1}, g[2].shape());
        assertEquals(rows(4, 10, 3, 4, 4).get(NDArrayIndex.point(3)), g[1].get(NDArrayIndex.point(0)));
        assertEquals(13f, g[1].getFloat(0, 2, 3, 1));
        assertEquals(11f, g[1].getFloat(2, 0, 0, 0), "repeated slots are allowed");
        assertEquals(0, s.gather(new int[0])[1].size(0));
        assertArrayEquals(new long[]{0, 3, 4, 4}, s.gather(new int[0])[1].shape());
    }

    @Test
    void readsAndWritesCopy() {
        RowStore s = new RowStore(1, 10);
        INDArray in = rows(3, 0, 4);
        s.write(range(0, 3), range(0, 3), in);
        in.assign(-1);
        INDArray out = s.gather(range(0, 3))[0];
        assertEquals(2f, out.getFloat(2, 0), "the store holds a copy of what was written");
        out.assign(-5);
        assertEquals(2f, s.gather(range(0, 3))[0].getFloat(2, 0), "what a read returns is the caller's");
    }

    @Test
    void repeatedSlotsKeepTheLastRowAndOverwritesReplace() {
        RowStore s = new RowStore(1, 4);
        s.write(new int[]{0, 1, 0}, new int[]{0, 1, 2}, rows(3, 0, 2));
        assertEquals(2, s.size());
        assertEquals(2f, s.gather(new int[]{0})[0].getFloat(0, 0), "the last row written to a slot wins");
        s.write(new int[]{1}, new int[]{0}, rows(1, 9, 2));
        assertEquals(2, s.size());
        assertEquals(9f, s.gather(new int[]{1})[0].getFloat(0, 1));
    }

    @Test
    void badWritesAndReadsNameTheValue() {
        RowStore s = new RowStore(2, 5);
        s.write(range(0, 2), range(0, 2), rows(2, 0, 4), rows(2, 0, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> s.write(new int[]{2}, new int[]{0}, rows(1, 0, 6), rows(1, 0, 3)));
        assertTrue(e.getMessage().contains("[6]") && e.getMessage().contains("[4]") && e.getMessage().contains("array 0"),
                e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> s.write(new int[]{2}, new int[]{0}, rows(1, 0, 4), rows(1, 0, 1, 3)));
        assertTrue(e.getMessage().contains("[1, 3]") && e.getMessage().contains("[3]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.write(new int[]{5}, new int[]{0}, rows(1, 0, 4),
                rows(1, 0, 3)));
        assertTrue(e.getMessage().contains("slot 5") && e.getMessage().contains("capacity 5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.write(new int[]{0}, new int[]{0}, rows(1, 0, 4)));
        assertTrue(e.getMessage().contains("Expected 2 arrays") && e.getMessage().contains("got: 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.write(new int[]{4}, new int[]{0}, rows(1, 0, 4),
                rows(1, 0, 3)));
        assertTrue(e.getMessage().contains("slot 4") && e.getMessage().contains("2 filled"), e.getMessage());
        assertEquals(2, s.size(), "a refused write stores nothing");
        assertThrows(IllegalArgumentException.class, () -> s.write(new int[]{0}, new int[]{0}, rows(1, 77, 4),
                rows(1, 0, 5)));
        assertEquals(0f, s.gather(new int[]{0})[0].getFloat(0, 0), "a refused overwrite changes no column");
        e = assertThrows(IllegalArgumentException.class, () -> s.write(new int[]{-1}, new int[]{0}, rows(1, 0, 4),
                rows(1, 0, 3)));
        assertTrue(e.getMessage().contains("slot -1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> s.gather(new int[]{2}));
        assertTrue(e.getMessage().contains("slot 2 is not filled"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new RowStore(1, -1));
        IllegalStateException st = assertThrows(IllegalStateException.class, () -> s.setCapacity(1));
        assertTrue(st.getMessage().contains("1") && st.getMessage().contains("size 2"), st.getMessage());
    }

    @Test
    void absentArraysAreOnesAndALateColumnIsOnesForEarlierRows() {
        RowStore s = new RowStore(2, 10);
        s.write(range(0, 2), range(0, 2), rows(2, 5, 3), null);
        assertFalse(s.hasColumn(1));
        assertNull(s.gather(range(0, 2))[1], "a column never written reads as null");
        s.write(range(2, 4), range(0, 2), rows(2, 7, 3), Nd4j.zeros(DataType.FLOAT, 2, 4));
        assertTrue(s.hasColumn(1));
        INDArray m = s.gather(range(0, 4))[1];
        assertEquals(Nd4j.ones(DataType.FLOAT, 2, 4), m.get(NDArrayIndex.interval(0, 2), NDArrayIndex.all()));
        assertEquals(Nd4j.zeros(DataType.FLOAT, 2, 4), m.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all()));
        s.write(new int[]{4}, new int[]{0}, rows(1, 1, 3), null);
        assertEquals(Nd4j.ones(DataType.FLOAT, 1, 4), s.gather(new int[]{4})[1], "a missing mask is written as ones");
    }

    @Test
    void retainAndMoveRearrangeSlots() {
        RowStore s = new RowStore(1, 10);
        s.write(range(0, 6), range(0, 6), rows(6, 0, 2));
        s.retain(new int[]{4, 1, 5});
        assertEquals(3, s.size());
        assertArrayEquals(new float[]{4, 1, 5}, s.gather(range(0, 3))[0].getColumn(0).toFloatVector());
        s.retain(range(0, 3));
        assertEquals(3, s.size());
        // fill the hole at slot 0 with the last row, then drop the tail
        s.move(new int[]{2}, new int[]{0}, 2);
        assertEquals(2, s.size());
        assertArrayEquals(new float[]{5, 1}, s.gather(range(0, 2))[0].getColumn(0).toFloatVector());
        assertThrows(IllegalArgumentException.class, () -> s.move(new int[]{0}, new int[]{}, 1));
        assertThrows(IllegalArgumentException.class, () -> s.move(new int[0], new int[0], 3));
        s.write(new int[]{2}, new int[]{0}, rows(1, 8, 2));
        assertArrayEquals(new float[]{5, 1, 8}, s.gather(range(0, 3))[0].getColumn(0).toFloatVector(),
                "writing after a shrink appends at the new size");
        s.clear();
        assertEquals(0, s.size());
        s.write(new int[]{0}, new int[]{0}, rows(1, 3, 2));
        assertEquals(3f, s.gather(new int[]{0})[0].getFloat(0, 1));
    }

    @Test
    void aSnapshotSurvivesJavaSerialisationAndRestoresExactly() throws Exception {
        RowStore s = new RowStore(2, 50);
        s.write(range(0, 7), range(0, 7), rows(7, 0, 2, 3), rows(7, 100, 1));
        Serializable snap = s.snapshot();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(snap);
        }
        Serializable back;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            back = (Serializable) in.readObject();
        }
        s.write(new int[]{0}, new int[]{0}, rows(1, -9, 2, 3), rows(1, -9, 1));
        RowStore r = new RowStore(2, 1);
        r.restore(back);
        assertEquals(7, r.size());
        assertEquals(50, r.capacity());
        INDArray[] g = r.gather(range(0, 7));
        assertEquals(rows(7, 0, 2, 3), g[0], "the snapshot does not follow later writes");
        assertEquals(rows(7, 100, 1), g[1]);
        r.write(new int[]{7}, new int[]{0}, rows(1, 42, 2, 3), rows(1, 42, 1));
        assertEquals(42f, r.gather(new int[]{7})[0].getFloat(0, 1, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RowStore(3, 5).restore(back));
        assertTrue(e.getMessage().contains("3 columns"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new RowStore(2, 5).restore("not a snapshot"));
        assertTrue(e.getMessage().contains("java.lang.String"), e.getMessage());
        RowStore empty = new RowStore(2, 5);
        RowStore fromEmpty = new RowStore(2, 9);
        fromEmpty.restore(empty.snapshot());
        assertEquals(0, fromEmpty.size());
        assertEquals(5, fromEmpty.capacity());
    }
}
