package io.github.dl4jcontinual.testutil;

import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;

import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks analytic gradients against central finite differences, entry by entry (tests of losses and penalties). */
public final class NumericGradients {
    private NumericGradients() {
    }

    /**
     * Asserts that every entry {@code [r][c]} of {@code analytic} equals {@code (f(x + h) − f(x − h)) / 2h} with
     * entry {@code [r][c]} of {@code x} moved, within {@code tolerance}.
     *
     * @param analytic  the gradient under test, of x's shape [rows, columns]
     * @param f         the function
     * @param x         where the gradient is taken (not modified)
     * @param h         the step
     * @param tolerance the allowed absolute difference
     * @param what      a prefix of the failure message
     */
    public static void assertGradient(INDArray analytic, ToDoubleFunction<INDArray> f, INDArray x, double h,
                                      double tolerance, String what) {
        for (int r = 0; r < x.rows(); r++) {
            for (int c = 0; c < x.columns(); c++) {
                INDArray p = x.dup();
                p.putScalar(r, c, x.getDouble(r, c) + h);
                INDArray m = x.dup();
                m.putScalar(r, c, x.getDouble(r, c) - h);
                double fd = (f.applyAsDouble(p) - f.applyAsDouble(m)) / (2 * h);
                assertEquals(fd, analytic.getDouble(r, c), tolerance, what + "[" + r + "][" + c + "]");
            }
        }
    }

    /**
     * Asserts that a loss's {@code computeGradient} (identity activation, no mask) is the derivative of its summed
     * {@code computeScore}, by {@link #assertGradient}.
     *
     * @param loss      the loss
     * @param labels    the labels
     * @param preOutput the pre-activations the gradient is taken at
     * @param h         the step
     * @param tolerance the allowed absolute difference
     * @param what      a prefix of the failure message
     */
    public static void assertLossGradient(ILossFunction loss, INDArray labels, INDArray preOutput, double h,
                                          double tolerance, String what) {
        ActivationIdentity identity = new ActivationIdentity();
        assertGradient(loss.computeGradient(labels, preOutput, identity, null),
                z -> loss.computeScore(labels, z, identity, null, false), preOutput, h, tolerance, what);
    }
}
