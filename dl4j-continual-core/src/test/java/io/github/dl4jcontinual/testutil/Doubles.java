package io.github.dl4jcontinual.testutil;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
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

    /**
     * JUnit extension ({@code @ExtendWith(Doubles.ForClass.class)}): double is ND4J's default data type for the
     * whole test class, the previous default types restored after it.
     */
    public static final class ForClass implements BeforeAllCallback, AfterAllCallback {
        private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(ForClass.class);

        @Override
        public void beforeAll(ExtensionContext context) {
            context.getStore(NS).put("types", new DataType[]{Nd4j.dataType(), Nd4j.defaultFloatingPointType()});
            Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            DataType[] before = context.getStore(NS).remove("types", DataType[].class);
            Nd4j.setDefaultDataTypes(before[0], before[1]);
        }
    }
}
