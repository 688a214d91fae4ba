package io.github.dl4jcontinual.zoo.ctp;

import io.github.dl4jcontinual.eval.CumulativeRetrieval;
import io.github.dl4jcontinual.eval.RetrievalMatrix;
import io.github.dl4jcontinual.testutil.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CtpLearnerTest {

    /** Deterministic stand-in for the frozen text tower: a fixed random vector per caption. */
    static final class HashedText implements TextFeatures {
        private final int dim;

        HashedText(int dim) {
            this.dim = dim;
        }

        @Override
        public INDArray features(List<String> captions) {
            float[][] rows = new float[captions.size()][dim];
            for (int i = 0; i < rows.length; i++) {
                Random r = new Random(captions.get(i).hashCode());
                for (int j = 0; j < dim; j++) {
                    rows[i][j] = (float) r.nextGaussian();
                }
            }
            return Nd4j.createFromArray(rows);
        }

        @Override
        public int dim() {
            return dim;
        }
    }

    static PairStream synthetic() {
        Random r = new Random(3);
        List<PairDataset> tr = new ArrayList<>();
        List<PairDataset> te = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
            for (List<PairDataset> target : List.of(tr, te)) {
                int n = target == tr ? 24 : 8;
                List<String> caps = new ArrayList<>();
                float[][] img = new float[n][16];
                for (int i = 0; i < n; i++) {
                    int c = i % 4;
                    caps.add("domain " + d + " thing " + c);
                    for (int p = 0; p < 16; p++) {
                        img[i][p] = (p % 4 == c ? 1f : 0f) + 0.1f * r.nextFloat();
                    }
                }
                target.add(new PairDataset(Nd4j.createFromArray(img), caps, new int[n]));
            }
        }
        return new PairStream(List.of("a", "b"), tr, te);
    }

    private static CtpLearnerConfiguration tiny(VlMethod m) {
        return new CtpLearnerConfiguration().method(m).epochs(1).batchSize(8).widths(8, 4, 2).queueSize(20).memory(6).seed(5);
    }

    @Test
    void queueAndMomentumModelsSurviveACheckpointRoundTrip(@TempDir Path dir) {
        PairStream s = synthetic();
        CtpLearner a = new CtpLearner(tiny(VlMethod.CTP_ER), new HashedText(6), 16);
        a.trainExperience(s, 0);
        a.trainExperience(s, 1);
        assertEquals(20, a.imageQueue().size());
        assertNotNull(a.momentumParameters());
        Path file = dir.resolve("ctp.ckpt");
        CtpCheckpoint.write(file, a);
        CtpLearner b = new CtpLearner(tiny(VlMethod.CTP_ER), new HashedText(6), 16);
        CtpCheckpoint.read(file, b);
        assertEquals(2, b.tasksDone());
        for (Map.Entry<String, INDArray> e : a.model().parameters().entrySet()) {
            assertEquals(e.getValue(), b.model().parameters().get(e.getKey()), e.getKey());
            assertEquals(a.momentumParameters().get(e.getKey()), b.momentumParameters().get(e.getKey()), e.getKey());
        }
        assertEquals(a.imageQueue().features(), b.imageQueue().features());
        assertEquals(a.textQueue().features(), b.textQueue().features());
        assertArrayEquals(a.textQueue().ids(), b.textQueue().ids());
        assertEquals(a.imageQueue().pointer(), b.imageQueue().pointer());
        assertArrayEquals(a.evaluate(s.test(0)), b.evaluate(s.test(0)), 0.0);
        // the momentum model is neither the trained model nor its initialisation
        INDArray w = a.model().parameters().get("img_fc_w");
        assertTrue(w.sub(a.momentumParameters().get("img_fc_w")).norm2Number().doubleValue() > 1e-6);
    }

    @Test
    void lucirHasCosineProjectionsWhoseScalesAreCheckpointed(@TempDir Path dir) {
        PairStream s = synthetic();
        CtpLearner a = new CtpLearner(tiny(VlMethod.LUCIR), new HashedText(6), 16);
        assertTrue(a.model().spec().cosineProjections());
        assertTrue(!new CtpLearner(tiny(VlMethod.ICARL), new HashedText(6), 16).model().spec().cosineProjections());
        a.fit(s);
        Path file = dir.resolve("lucir.ckpt");
        a.model().graph().getArrForVarName("txt_proj_sigma").assign(1.75);
        CtpCheckpoint.write(file, a);
        CtpLearner b = new CtpLearner(tiny(VlMethod.LUCIR), new HashedText(6), 16);
        CtpCheckpoint.read(file, b);
        for (String k : List.of("img_proj_sigma", "txt_proj_sigma", "img_proj_w")) {
            assertEquals(a.model().parameters().get(k), b.model().parameters().get(k), k);
        }
        assertEquals(1.75, b.model().parameters().get("txt_proj_sigma").getDouble(0), 1e-6);
        assertArrayEquals(a.evaluate(s.test(1)), b.evaluate(s.test(1)), 0.0);
    }

    @Test
    void cumulativeTestSetsGiveEvalPyBwt() {
        PairStream s = synthetic();
        CtpLearner l = new CtpLearner(tiny(VlMethod.SEQF), new HashedText(6), 16);
        RetrievalMatrix r = l.fit(s);
        CumulativeRetrieval c = l.cumulativeRetrieval();
        assertEquals(2, c.rows());
        // prefix 0 is domain 0 alone: the so-far value is the retrieval matrix's cell (0, 0)
        assertEquals(r.meanRecall(0, 0), c.soFar(0), 1e-12);
        assertEquals(r.meanRecall(1, 0), c.finalOnPrefix(0), 1e-12);
        // prefix 1 is the union of both test sets, scored by the final model
        assertArrayEquals(l.evaluate(s.test(0).concat(s.test(1))), c.cell(1, 1), 1e-12);
        assertEquals(c.soFar(0) - c.finalOnPrefix(0), c.backwardTransfer(), 1e-12);
        assertEquals(null, new CtpLearner(tiny(VlMethod.JOINT), new HashedText(6), 16).cumulativeRetrieval());
    }

    @Test
    void everyMethodRunsOnATinyStream() {
        PairStream s = synthetic();
        for (VlMethod m : VlMethod.values()) {
            RetrievalMatrix r = new CtpLearner(tiny(m), new HashedText(6), 16).fit(s);
            assertEquals(m == VlMethod.JOINT ? 1 : 2, r.rows(), m.name());
            assertTrue(r.finalMeanRecall() > 0 && r.finalMeanRecall() <= 1, m + ": " + r.finalMeanRecall());
        }
    }

    @Test
    void learnsRetrievalOnTheRealTemplatedDigits() {
        PairStream s = TemplatedPairStream.load(SharedData.dir(), 400, 150);
        assertEquals(TemplatedPairStream.DOMAINS, s.names());
        assertEquals(TemplatedPairStream.caption(true, 7, 2, 0), "a bold, left-slanted handwritten digit seven.");
        assertTrue(s.train(1).captions().get(0).startsWith("a photo of a "), s.train(1).captions().get(0));
        assertTrue(new HashSet<>(s.train(0).captions()).size() <= 90);
        PairStream digits = new PairStream(List.of("digits"), List.of(s.train(0)), List.of(s.test(0)));
        CtpLearner l = new CtpLearner(new CtpLearnerConfiguration().method(VlMethod.SEQF).epochs(3).seed(1),
                new HashedText(32), 784);
        double before = l.evaluate(s.test(0))[6];
        RetrievalMatrix r = l.fit(digits);
        double after = r.meanRecall(0, 0);
        assertTrue(after > before + 0.15 && after > 0.35, "R_m before " + before + ", after " + after);
    }
}
