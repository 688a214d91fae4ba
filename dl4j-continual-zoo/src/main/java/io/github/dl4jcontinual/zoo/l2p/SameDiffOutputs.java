package io.github.dl4jcontinual.zoo.l2p;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/** Helpers shared by this package's SameDiff layers and vertices. */
final class SameDiffOutputs {
    private SameDiffOutputs() {
    }

    /**
     * {@code 0.5·y + 0.5·stopGradient(y)}: y forward (exactly), half its gradient backward. DL4J 1.0.0-M2.1's
     * SameDiffLayer and SameDiffVertex feed the incoming error through {@code ExternalErrorsFunction}, which SameDiff
     * counts twice, so every gradient of the layer would come out doubled; the gradient checks of this package fail
     * if a DL4J version fixes that and this halving becomes wrong.
     */
    static SDVariable output(SameDiff sd, SDVariable y) {
        SDVariable detached = new StopGradient(sd, y).outputVariable();
        return y.mul(0.5).add(detached.mul(0.5));
    }

    static int positive(String what, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " should be >= 1 (got: " + v + ")");
        }
        return v;
    }
}
