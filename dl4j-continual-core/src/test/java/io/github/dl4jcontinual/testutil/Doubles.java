package io.github.dl4jcontinual.testutil;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Runs code with double as ND4J's global default data type (DL4J's GradientCheckUtil insists on it). */
public final class Doubles {
    private Doubles() {
    }

    /**
     * @param r what to run; the previous default types are restored afterwards, also when it throws
     */
    public static void run(Runnable r) {
        DataType before = Nd4j.dataType();
        DataType beforeFloat = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            r.run();
        } finally {
            Nd4j.setDefaultDataTypes(before, beforeFloat);
        }
    }
}
