package io.github.dl4jcontinual.replay.selection;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Batched distance helpers shared by the feature-based policies. */
final class Selections {
    private Selections() {
    }

    static void checkK(long n, int k) {
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("k should be in [0, " + n + "] (got: " + k + ")");
        }
    }

    /** Squared Euclidean distances between the rows of a [n,d] and the rows of b [m,d]: [n,m], one GEMM. */
    static INDArray squaredDistances(INDArray a, INDArray b) {
        INDArray a2 = a.mul(a).sum(true, 1);
        INDArray b2 = b.mul(b).sum(true, 1).reshape(1, b.size(0));
        INDArray d = a.mmul(b.transpose()).muli(-2);
        d.addiColumnVector(a2).addiRowVector(b2);
        return d;
    }

    /** Row index of the minimum of a vector, ignoring entries already taken (penalised). */
    static int argMin(INDArray v) {
        return Nd4j.argMin(v.reshape(-1), 0).getInt(0);
    }

    static INDArray asFloat(INDArray x) {
        INDArray f = x.reshape(x.size(0), -1);
        return f.dataType() == DataType.FLOAT || f.dataType() == DataType.DOUBLE ? f : f.castTo(DataType.FLOAT);
    }
}
