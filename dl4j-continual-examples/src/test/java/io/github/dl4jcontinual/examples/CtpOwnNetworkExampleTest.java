package io.github.dl4jcontinual.examples;

import io.github.dl4jcontinual.eval.AccuracyMatrix;
import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.eval.RetrievalMatrix;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.zoo.ctp.CtpResults;
import io.github.dl4jcontinual.zoo.ctp.TemplatedPairStream;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The short CTP example on its own CNN, on the real image–caption stream at small scale: 300 training and 100 test
 * pairs per domain (digits, clothing, footwear and bags), one epoch per domain, frozen MiniLM caption features. A
 * sanity bound on mean recall R_m, not a reproduction.
 */
class CtpOwnNetworkExampleTest {

    @Test
    void ctpOnAnOrdinaryCnnLearnsEachDomainAndKeepsTheFirst() throws Exception {
        long t0 = System.nanoTime();
        ContinualResult r = CtpOwnNetworkExample.run(TemplatedPairStream.load(SharedData.dir(), 300, 100), 1);
        RetrievalMatrix m = CtpResults.retrieval(r);
        AccuracyMatrix rm = r.matrix("retrieval.rm");
        System.out.printf("CTP own CNN: final R_m %.4f, forgetting %.4f, untrained R_m %.4f %.4f %.4f (%.0f s)%n%s%n",
                m.finalMeanRecall(), m.forgetting(), rm.baseline(0), rm.baseline(1), rm.baseline(2),
                (System.nanoTime() - t0) / 1e9, m);
        assertEquals(3, m.rows());
        for (int t = 0; t < 3; t++) {
            assertTrue(m.meanRecall(t, t) > rm.baseline(t) + 0.1, "domain " + t + " after learning it: "
                    + m.meanRecall(t, t) + " (untrained " + rm.baseline(t) + ")");
        }
        assertTrue(m.meanRecall(0, 0) > 0.3, "R_m digits after digits " + m.meanRecall(0, 0));
        // after the two Fashion-MNIST domains the digits are still retrieved well above the untrained tower
        assertTrue(m.meanRecall(2, 0) > rm.baseline(0) + 0.1, "R_m digits at the end " + m.meanRecall(2, 0)
                + " (untrained " + rm.baseline(0) + ")");
    }
}
