package io.github.dl4jcontinual.zoo;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Central finite-difference gradient check of a SameDiff graph's (double-precision) loss. */
public final class FiniteDifferences {
    private FiniteDifferences() {
    }

    /**
     * Checks every element of every named variable: |analytic − numeric| &lt; 1e-8 or relative error &lt; 1e-5,
     * with central differences of step 1e-6 on the graph's single loss variable.
     *
     * @return the number of elements checked
     */
    public static int check(SameDiff sd, Map<String, INDArray> feed, List<String> variables) {
        double eps = 1e-6;
        String loss = sd.getLossVariables().get(0);
        Map<String, INDArray> analytic = sd.calculateGradients(feed, variables);
        int checked = 0;
        for (String v : variables) {
            INDArray a = sd.getArrForVarName(v);
            INDArray g = analytic.get(v);
            for (long i = 0; i < a.length(); i++) {
                double orig = a.getDouble(i);
                a.putScalar(i, orig + eps);
                double plus = sd.output(feed, loss).get(loss).getDouble(0);
                a.putScalar(i, orig - eps);
                double minus = sd.output(feed, loss).get(loss).getDouble(0);
                a.putScalar(i, orig);
                double numeric = (plus - minus) / (2 * eps);
                double exact = g.getDouble(i);
                double abs = Math.abs(numeric - exact);
                double rel = abs / Math.max(1e-12, Math.abs(numeric) + Math.abs(exact));
                assertTrue(abs < 1e-8 || rel < 1e-5, v + "[" + i + "]: analytic " + exact + " vs numeric " + numeric);
                checked++;
            }
        }
        return checked;
    }
}
