package io.github.dl4jcontinual.zoo.ctp;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hand-computed values of the CTP pieces on tiny inputs. */
class CtpLossesTest {
    private static final double E = Math.E;

    @Test
    void compatibleMomentumIsNinetyPercentItselfAndFivePercentEachModel() {
        Map<String, INDArray> mom = map(1, 2);
        CompatibleMomentum.update(mom, map(3, 5), map(-1, 0), 0.9, 0.5);
        // 0.9*1 + 0.05*3 + 0.05*(-1) = 1.0 ; 0.9*2 + 0.05*5 + 0.05*0 = 2.05
        assertArrayEquals(new double[]{1.0, 2.05}, mom.get("p").toDoubleVector(), 1e-12);
        Map<String, INDArray> ema = map(1, 2);
        CompatibleMomentum.update(ema, map(3, 5), null, 0.995, 0.5);
        assertArrayEquals(new double[]{1.01, 2.015}, ema.get("p").toDoubleVector(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> CompatibleMomentum.update(map(1, 2), map(1, 2), null, 1.5, 0.5));
    }

    private static Map<String, INDArray> map(double a, double b) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("p", Nd4j.createFromArray(a, b));
        return m;
    }

    /** Identity towers: v = normalise(img), w = normalise(txt). */
    static DualEncoder identity(int d, EnumSet<LossTerm> terms, double initTemp, double tau) {
        DualEncoder enc = new DualEncoder(new DualEncoder.Spec(d, d, d, 1, d, initTemp, tau), terms, DataType.DOUBLE, 1);
        Map<String, INDArray> p = enc.copyParameters();
        p.replaceAll((k, v) -> Nd4j.zerosLike(v));
        p.put("img_fc_w", Nd4j.eye(d).castTo(DataType.DOUBLE));
        p.put("img_proj_w", Nd4j.eye(d).castTo(DataType.DOUBLE));
        p.put("txt_proj_w", Nd4j.eye(d).castTo(DataType.DOUBLE));
        p.put("logit_scale", Nd4j.valueArrayOf(new long[]{1, 1}, Math.log(1 / initTemp), DataType.DOUBLE));
        enc.setParameters(p);
        return enc;
    }

    private static Map<String, INDArray> feed(INDArray img, INDArray txt, LossTerm term) {
        Map<String, INDArray> f = new HashMap<>();
        f.put("img", img);
        f.put("txt", txt);
        f.put(term.weightName(), Nd4j.scalar(1.0));
        return f;
    }

    @Test
    void contrastiveLossUsesTheLearnableTemperature() {
        DualEncoder enc = identity(2, EnumSet.of(LossTerm.ITA), 0.5, 1);
        INDArray x = Nd4j.eye(2).castTo(DataType.DOUBLE);
        Map<String, INDArray> f = feed(x, x, LossTerm.ITA);
        f.put("ita_target", x);
        // logits s * v w^T = [[2, 0], [0, 2]]: CE = -log(e^2 / (e^2 + 1)) in both directions
        assertEquals(Math.log(1 + Math.exp(-2)), enc.graph().output(f, "loss").get("loss").getDouble(0), 1e-12);
        assertEquals(2.0, enc.logitScale(), 1e-12);
    }

    @Test
    void crossModalTopologyKlMatchesHandValue() {
        DualEncoder enc = identity(2, EnumSet.of(LossTerm.TPX), 0.07, 1);
        INDArray x = Nd4j.eye(2).castTo(DataType.DOUBLE);
        Map<String, INDArray> f = feed(x, x, LossTerm.TPX);
        INDArray uniform = Nd4j.valueArrayOf(new long[]{2, 2}, 0.5, DataType.DOUBLE);
        f.put("tpx_i2t", uniform);
        f.put("tpx_t2i", uniform);
        f.put("tpx_const", Nd4j.scalar(DualEncoder.sumPLogP(uniform)));
        assertEquals(-Math.log(2), DualEncoder.sumPLogP(uniform), 1e-12);
        // KL([.5,.5] || softmax([1, 0])) = ln((e+1)/2) - 1/2 per row, both directions
        assertEquals(Math.log((E + 1) / 2) - 0.5, enc.graph().output(f, "loss").get("loss").getDouble(0), 1e-12);
        // identical reference and current model: zero
        INDArray same = DualEncoder.similarityTargets(x, x, 1, false);
        f.put("tpx_i2t", same);
        f.put("tpx_t2i", same);
        f.put("tpx_const", Nd4j.scalar(DualEncoder.sumPLogP(same)));
        assertEquals(0, enc.graph().output(f, "loss").get("loss").getDouble(0), 1e-12);
    }

    @Test
    void intraModalTopologyMasksSelfSimilarity() {
        DualEncoder enc = identity(3, EnumSet.of(LossTerm.TPS), 0.07, 1);
        INDArray x = Nd4j.eye(3).castTo(DataType.DOUBLE);
        // reference features: items 0 and 1 identical (e1), item 2 = e2
        INDArray ref = Nd4j.createFromArray(new double[][]{{1, 0, 0}, {1, 0, 0}, {0, 1, 0}});
        INDArray p = DualEncoder.similarityTargets(ref, ref, 1, true);
        double a = E / (E + 1);
        double b = 1 / (E + 1);
        assertArrayEquals(new double[]{0, a, b}, p.getRow(0).toDoubleVector(), 1e-12);
        assertArrayEquals(new double[]{a, 0, b}, p.getRow(1).toDoubleVector(), 1e-12);
        assertArrayEquals(new double[]{0.5, 0.5, 0}, p.getRow(2).toDoubleVector(), 1e-12);
        Map<String, INDArray> f = feed(x, x, LossTerm.TPS);
        f.put("eye", x);
        f.put("tps_i2i", p);
        f.put("tps_t2t", p);
        f.put("tps_const", Nd4j.scalar(DualEncoder.sumPLogP(p)));
        // current: orthonormal -> rows uniform over the two others; rows 0, 1 contribute a ln 2a + b ln 2b, row 2 zero
        double expected = 2.0 / 3 * (a * Math.log(2 * a) + b * Math.log(2 * b));
        assertEquals(expected, enc.graph().output(f, "loss").get("loss").getDouble(0), 1e-12);
    }

    @Test
    void featuresStayValidAfterTheGraphRunsAgainWithOtherParameters() {
        DualEncoder enc = new DualEncoder(new DualEncoder.Spec(4, 3, 5, 2, 3, 0.07, 0.07),
                EnumSet.noneOf(LossTerm.class), DataType.FLOAT, 1);
        INDArray img = Nd4j.rand(DataType.FLOAT, 2, 4);
        INDArray txt = Nd4j.rand(DataType.FLOAT, 2, 5);
        Map<String, INDArray> first = enc.features(img, txt);
        INDArray kept = first.get("v").dup();
        Map<String, INDArray> p = enc.copyParameters();
        p.replaceAll((k, v) -> v.mul(-3));
        enc.setParameters(p);
        Map<String, INDArray> second = enc.features(img, txt);
        assertEquals(kept, first.get("v"));
        assertTrue(!kept.equals(second.get("v")));
    }

    @Test
    void queueIsFifoWithWrapAround() {
        FeatureQueue q = new FeatureQueue(3, 2);
        assertEquals(null, q.features());
        q.enqueue(Nd4j.createFromArray(new float[][]{{0, 0}, {1, 1}}), new int[]{10, 11});
        assertEquals(2, q.size());
        q.enqueue(Nd4j.createFromArray(new float[][]{{2, 2}, {3, 3}}), new int[]{12, 13});
        assertEquals(3, q.size());
        assertEquals(1, q.pointer());
        // slot 0 was overwritten by the fourth row
        assertArrayEquals(new int[]{13, 11, 12}, q.ids());
        assertArrayEquals(new float[]{3, 3, 1, 1, 2, 2}, q.features().dup().data().asFloat());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> q.enqueue(Nd4j.zeros(DataType.FLOAT, 2, 5), new int[]{1, 2}));
        assertTrue(e.getMessage().contains("[2, 2]"), e.getMessage());
    }

    @Test
    void positivesAreAllPairsWithTheSameCaption() {
        INDArray p = CtpPlugin.positives(new int[]{4, 7, 4}, new int[]{4, 7, 4, 9});
        assertArrayEquals(new double[]{0.5, 0, 0.5, 0}, p.getRow(0).toDoubleVector(), 1e-7);
        assertArrayEquals(new double[]{0, 1, 0, 0}, p.getRow(1).toDoubleVector(), 1e-7);
    }

    private static final org.nd4j.linalg.activations.impl.ActivationIdentity IDENTITY =
            new org.nd4j.linalg.activations.impl.ActivationIdentity();

    /** A packed output [n, 2d + 2 + hv + hw]: random embeddings, log s = 1.5, caption ids 0, 1, 0, 2, ... */
    private static INDArray packedOutput(int n, int d, int hv, int hw, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray pre = Nd4j.randn(DataType.FLOAT, n, 2L * d + 2 + hv + hw);
        for (int i = 0; i < n; i++) {
            pre.putScalar(i, 2 * d, 1.5);
            pre.putScalar(i, 2 * d + 1, i % 2 == 0 ? 0 : (i + 1) / 2);
        }
        return pre;
    }

    private static INDArray cols(INDArray a, int from, int to) {
        return a.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to))
                .dup();
    }

    @Test
    void lwfAndFeatureDistillationTermsMatchFiniteDifferences() {
        int n = 4;
        int d = 3;
        int hv = 5;
        int hw = 4;
        ContrastiveLoss loss = new ContrastiveLoss(d, 2, 0.5, new double[]{1, 0, 0, 0, 0}, 0.7, 1.3, hv, hw);
        INDArray pre = packedOutput(n, d, hv, hw, 11);
        Nd4j.getRandom().setSeed(12);
        INDArray labels = ContrastiveLoss.pack(Nd4j.zeros(DataType.FLOAT, n, 2), null, null, null, null, null, null,
                null, Nd4j.randn(DataType.FLOAT, n, d), Nd4j.randn(DataType.FLOAT, n, d),
                Nd4j.randn(DataType.FLOAT, n, hv), Nd4j.randn(DataType.FLOAT, n, hw));
        double plain = loss.computeScore(Nd4j.zeros(DataType.FLOAT, n, 2), pre, IDENTITY, null, true);
        double all = loss.computeScore(labels, pre, IDENTITY, null, true);
        assertTrue(all > plain + 0.1, "the two terms add to ITA: " + all + " vs " + plain);
        io.github.dl4jcontinual.testutil.NumericGradients.assertLossGradient(loss, labels, pre, 5e-3, 3e-3,
                "ITA + LwF + 1 - cos");
        // with CTP's topology record as well (the reference's normalised features beside the raw ones)
        ContrastiveLoss both = new ContrastiveLoss(d, 2, 0.5, new double[]{1, 0, 0, 1, 1}, 0.7, 1.3, hv, hw);
        Nd4j.getRandom().setSeed(13);
        INDArray rv = CtpPlugin.normalise(Nd4j.randn(DataType.FLOAT, n, d));
        INDArray rw = CtpPlugin.normalise(Nd4j.randn(DataType.FLOAT, n, d));
        INDArray l2 = ContrastiveLoss.pack(Nd4j.zeros(DataType.FLOAT, n, 2), null, null, null, null, null, rv, rw,
                Nd4j.randn(DataType.FLOAT, n, d), Nd4j.randn(DataType.FLOAT, n, d),
                Nd4j.randn(DataType.FLOAT, n, hv), Nd4j.randn(DataType.FLOAT, n, hw));
        io.github.dl4jcontinual.testutil.NumericGradients.assertLossGradient(both, l2, pre, 5e-3, 3e-3,
                "ITA + TPX + TPS + LwF + 1 - cos");
    }

    @Test
    void lwfAndFeatureDistillationByHand() {
        int n = 2;
        int d = 2;
        double tau = 0.5;
        // LwF: current raw rows [1, 1] (uniform softmax), reference [τ ln 3, 0] → P = (3/4, 1/4):
        // KL(P ‖ U) = ¾ ln 1.5 + ¼ ln 0.5 per modality and row
        ContrastiveLoss lwf = new ContrastiveLoss(d, 2, tau, new double[]{1, 0, 0, 0, 0}, 1, 0, 0, 0);
        INDArray pre = Nd4j.createFromArray(new float[][]{{1, 1, 1, 1, 1.5f, 0}, {1, 1, 1, 1, 1.5f, 1}});
        INDArray ref = Nd4j.createFromArray(new float[][]{{(float) (tau * Math.log(3)), 0},
                {(float) (tau * Math.log(3)), 0}});
        INDArray zero = Nd4j.zeros(DataType.FLOAT, n, 2);
        double ita = lwf.computeScore(zero, pre, IDENTITY, null, true);
        INDArray labels = ContrastiveLoss.pack(zero, null, null, null, null, null, null, null, ref, ref, null, null);
        assertEquals(0.75 * Math.log(1.5) + 0.25 * Math.log(0.5),
                lwf.computeScore(labels, pre, IDENTITY, null, true) - ita, 1e-5);
        // the reference equal to the current projections: KL 0
        INDArray same = ContrastiveLoss.pack(zero, null, null, null, null, null, null, null, cols(pre, 0, d),
                cols(pre, d, 2 * d), null, null);
        assertEquals(ita, lwf.computeScore(same, pre, IDENTITY, null, true), 1e-6);
        // feature distillation: opposite features give 1 − cos = 2 in both towers, scaled ones 0
        int hv = 3;
        int hw = 2;
        ContrastiveLoss fd = new ContrastiveLoss(d, 2, tau, new double[]{1, 0, 0, 0, 0}, 0, 0.25, hv, hw);
        INDArray p2 = packedOutput(n, d, hv, hw, 5);
        INDArray h1 = cols(p2, 2 * d + 2, 2 * d + 2 + hv);
        INDArray h2 = cols(p2, 2 * d + 2 + hv, 2 * d + 2 + hv + hw);
        double base = fd.computeScore(zero, p2, IDENTITY, null, true);
        assertEquals(base + 0.25 * 2, fd.computeScore(ContrastiveLoss.pack(zero, null, null, null, null, null, null,
                null, null, null, h1.neg(), h2.neg()), p2, IDENTITY, null, true), 1e-5);
        assertEquals(base, fd.computeScore(ContrastiveLoss.pack(zero, null, null, null, null, null, null, null, null,
                null, h1.mul(3), h2.mul(0.5)), p2, IDENTITY, null, true), 1e-5);
        // a record whose feature widths differ from the loss's is refused, naming both
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fd.computeScore(
                ContrastiveLoss.pack(zero, null, null, null, null, null, null, null, null, null, h2, h2), p2,
                IDENTITY, null, true));
        assertEquals("The packed record has tower features of widths 2, 2 but the loss expects 3, 2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new ContrastiveLoss(d, 2, tau,
                new double[]{1, 0, 0, 0, 0}, 0, 1, 0, 0));
        assertTrue(e.getMessage().contains("with feature distillation, both tower feature widths >= 1"), e.getMessage());
    }
}
