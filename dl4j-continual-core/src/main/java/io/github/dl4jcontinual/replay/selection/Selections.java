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

    /** @return the rows of a [n, d] matrix as one row-major float array (a copy) */
    static float[] rowMajor(INDArray f) {
        return f.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    /** Dot product of two length-d slices, with four partial sums so the JIT can pipeline it. */
    static double dot(float[] a, int oa, float[] b, int ob, int d) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 3 < d; i += 4) {
            s0 += a[oa + i] * b[ob + i];
            s1 += a[oa + i + 1] * b[ob + i + 1];
            s2 += a[oa + i + 2] * b[ob + i + 2];
            s3 += a[oa + i + 3] * b[ob + i + 3];
        }
        for (; i < d; i++) {
            s0 += a[oa + i] * b[ob + i];
        }
        return (double) s0 + s1 + s2 + s3;
    }
}
