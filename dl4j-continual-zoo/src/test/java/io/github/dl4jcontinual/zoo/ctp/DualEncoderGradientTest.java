package io.github.dl4jcontinual.zoo.ctp;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Central finite differences (double precision) of every parameter through all loss terms at once. */
class DualEncoderGradientTest {

    private static final DualEncoder.Spec SPEC = new DualEncoder.Spec(4, 3, 5, 2, 3, 0.5, 0.7);

    @Test
    void everyParameterGradientMatchesFiniteDifferences() {
        Map<String, INDArray> g = check(new DualEncoder(SPEC, EnumSet.allOf(LossTerm.class), DataType.DOUBLE, 7),
                4 * 3 + 3 + 3 * 3 + 3 + 5 * 2 + 2 + 2 * 5 + 5 + 5 * 3 + 3 + 1, p -> { });
        assertEquals(SPEC.embedDim(), g.get("img_proj_b").length());
    }

    /** LUCIR's cosine-normalised projections: no biases, one learnable σ each, reached through LwF and MAS. */
    @Test
    void cosineProjectionsWithLearnableScaleMatchFiniteDifferences() {
        DualEncoder enc = new DualEncoder(SPEC.withCosineProjections(), EnumSet.allOf(LossTerm.class), DataType.DOUBLE, 7);
        assertTrue(enc.parameterNames().containsAll(List.of("img_proj_sigma", "txt_proj_sigma")));
        assertFalse(enc.parameterNames().contains("img_proj_b"));
        assertEquals(1.0, enc.graph().getArrForVarName("img_proj_sigma").getDouble(0), 0.0);
        // positive hidden biases: an all-zero ReLU row would make the cosine projection 0 and MAS's ‖v_raw‖ kink
        Map<String, INDArray> g = check(enc, 4 * 3 + 3 + 3 * 3 + 1 + 5 * 2 + 2 + 2 * 5 + 5 + 5 * 3 + 1 + 1,
                p -> p.get("img_fc_b").addi(1.0));
        assertTrue(Math.abs(g.get("img_proj_sigma").getDouble(0)) > 1e-4, g.get("img_proj_sigma").toString());
        assertTrue(Math.abs(g.get("txt_proj_sigma").getDouble(0)) > 1e-4, g.get("txt_proj_sigma").toString());
        // the rows of v_raw are σ-scaled cosines: |v_raw_ij| <= σ
        Map<String, INDArray> p = enc.copyParameters();
        p.get("img_proj_sigma").assign(2.5);
        enc.setParameters(p);
        INDArray vRaw = enc.features(Nd4j.rand(DataType.DOUBLE, 5, 4), Nd4j.rand(DataType.DOUBLE, 5, 5)).get("v_raw");
        assertTrue(Transforms.abs(vRaw).maxNumber().doubleValue() <= 2.5 + 1e-12, vRaw.toString());
    }

    private static Map<String, INDArray> check(DualEncoder enc, int expectedElements,
                                               Consumer<Map<String, INDArray>> adjust) {
        Nd4j.getRandom().setSeed(11);
        Map<String, INDArray> p = enc.copyParameters();
        p.replaceAll((k, v) -> Nd4j.rand(DataType.DOUBLE, v.shape()).subi(0.5));
        adjust.accept(p);
        enc.setParameters(p);
        int n = 3;
        int keys = 5;
        Map<String, INDArray> f = new HashMap<>();
        f.put("img", Nd4j.rand(DataType.DOUBLE, n, 4));
        f.put("txt", Nd4j.rand(DataType.DOUBLE, n, 5).subi(0.5));
        f.put("ita_target", CtpPlugin.positives(new int[]{0, 1, 0}, new int[]{0, 1, 0}).castTo(DataType.DOUBLE));
        f.put("keys_w", Nd4j.rand(DataType.DOUBLE, keys, 3));
        f.put("keys_v", Nd4j.rand(DataType.DOUBLE, keys, 3));
        f.put("cmc_target", CtpPlugin.positives(new int[]{0, 1, 2}, new int[]{0, 1, 2, 1, 0}).castTo(DataType.DOUBLE));
        f.put("md_i2t", DualEncoder.softmaxRows(Nd4j.rand(DataType.DOUBLE, n, keys)));
        f.put("md_t2i", DualEncoder.softmaxRows(Nd4j.rand(DataType.DOUBLE, n, keys)));
        f.put("tpx_i2t", DualEncoder.softmaxRows(Nd4j.rand(DataType.DOUBLE, n, n)));
        f.put("tpx_t2i", DualEncoder.softmaxRows(Nd4j.rand(DataType.DOUBLE, n, n)));
        f.put("tpx_const", Nd4j.scalar(0.1));
        f.put("eye", Nd4j.eye(n).castTo(DataType.DOUBLE));
        INDArray ref = Nd4j.rand(DataType.DOUBLE, n, 3);
        f.put("tps_i2i", DualEncoder.similarityTargets(ref, ref, 0.7, true));
        f.put("tps_t2t", DualEncoder.similarityTargets(ref, ref.mul(2), 0.7, true));
        f.put("tps_const", Nd4j.scalar(0.2));
        f.put("lwf_v", DualEncoder.softmaxRows(Nd4j.rand(DataType.DOUBLE, n, 3)));
        f.put("lwf_w", DualEncoder.softmaxRows(Nd4j.rand(DataType.DOUBLE, n, 3)));
        f.put("lwf_const", Nd4j.scalar(0.0));
        f.put("ref_hv", Nd4j.rand(DataType.DOUBLE, n, 3));
        f.put("ref_hw", Nd4j.rand(DataType.DOUBLE, n, 5));
        for (LossTerm t : LossTerm.values()) {
            f.put(t.weightName(), Nd4j.scalar(0.5 + 0.1 * t.ordinal()));
        }
        Map<String, INDArray> g = enc.graph().calculateGradients(f, enc.parameterNames());
        assertEquals(expectedElements, finiteDifferences(enc, f, g));
        return g;
    }

    /**
     * Compares every element of the gradients {@code g} of the graph's loss with central finite differences.
     *
     * @return the number of elements checked
     */
    static int finiteDifferences(DualEncoder enc, Map<String, INDArray> f, Map<String, INDArray> g) {
        double eps = 1e-6;
        int checked = 0;
        for (String name : enc.parameterNames()) {
            INDArray w = enc.graph().getArrForVarName(name);
            INDArray grad = g.get(name);
            for (long i = 0; i < w.length(); i++) {
                double orig = w.getDouble(i);
                w.putScalar(i, orig + eps);
                double up = enc.graph().output(f, "loss").get("loss").getDouble(0);
                w.putScalar(i, orig - eps);
                double down = enc.graph().output(f, "loss").get("loss").getDouble(0);
                w.putScalar(i, orig);
                double numeric = (up - down) / (2 * eps);
                double analytic = grad.getDouble(i);
                assertEquals(numeric, analytic, 1e-6 + 1e-5 * Math.abs(numeric), name + "[" + i + "]");
                checked++;
            }
        }
        assertEquals(enc.parameterNames().size(), g.size());
        return checked;
    }
}
