package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.zoo.FiniteDifferences;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The ATLAS site's weighting, regulariser and gradients (docs/prompts-adapters.md unit tests i, ii, plus finite differences). */
class AtlasAdapterSiteTest {
    private static INDArray arr(SameDiff sd, SDVariable v, INDArray u) {
        return v.eval(Map.of("u", u));
    }

    @Test
    void alphaIsOneForAParallelKeyZeroForAnOppositeOneAndInUnitRangeOtherwise() {
        SameDiff sd = SameDiff.create();
        SDVariable u = sd.placeHolder("u", DataType.DOUBLE, -1, 8);
        AtlasAdapterSite site = new AtlasAdapterSite(sd, "s", u, 3, 8, 1, 4, 2);
        INDArray q = sd.getArrForVarName("s_0_query");
        // every token equal to the query and a fresh adapter (W2 = 0, so Φ(u) = u): the attention returns q
        INDArray same = Nd4j.concat(0, q, q, q, q, q, q).castTo(DataType.DOUBLE);   // 2 samples × 3 tokens
        sd.getArrForVarName("s_0_key").assign(q.mul(3));
        assertEquals(1.0, arr(sd, site.alphas().get(0), same).getDouble(0), 1e-9);
        assertTrue(arr(sd, site.output(), same).equalsWithEps(same, 1e-9));
        sd.getArrForVarName("s_0_key").assign(q.neg());
        assertEquals(0.0, arr(sd, site.alphas().get(0), same).getDouble(1), 1e-9);
        INDArray random = Nd4j.randn(DataType.DOUBLE, 12, 8);
        sd.getArrForVarName("s_0_key").assign(Nd4j.randn(DataType.DOUBLE, 1, 8));
        INDArray a = arr(sd, site.alphas().get(0), random);
        assertEquals(4, a.length());
        assertTrue(a.minNumber().doubleValue() >= 0 && a.maxNumber().doubleValue() <= 1, a.toString());
    }

    @Test
    void orthogonalityIsZeroForOrthonormalRowsAndMatchesAHandValue() {
        assertEquals(0.0, AtlasAdapterSite.orthogonality(Nd4j.eye(3).castTo(DataType.DOUBLE)), 1e-15);
        // [[1,0],[1,0]]: T Tᵀ − I = [[0,1],[1,0]], mean of squares 0.5, divided by n·D = 4
        assertEquals(0.125, AtlasAdapterSite.orthogonality(Nd4j.createFromArray(new double[][]{{1, 0}, {1, 0}})),
                1e-15);
        SameDiff sd = SameDiff.create();
        List<SDVariable> rows = new ArrayList<>();
        rows.add(sd.var("r0", Nd4j.createFromArray(new double[][]{{1, 0}})));
        rows.add(sd.var("r1", Nd4j.createFromArray(new double[][]{{1, 0}})));
        assertEquals(0.125, AtlasAdapterSite.orthogonality(sd, rows).eval().getDouble(0), 1e-15);
    }

    @Test
    void everyParameterPassesFiniteDifferences() {
        Nd4j.getRandom().setSeed(5);
        SameDiff sd = SameDiff.create();
        SDVariable u = sd.placeHolder("u", DataType.DOUBLE, -1, 8);
        assertEquals(2 * (8 * 3 + 3 + 3 * 8 + 8 + 8 + 8),
                checkEveryParameter(sd, new AtlasAdapterSite(sd, "s", u, 3, 8, 2, 3, 2)));
    }

    /** Finite differences of every adapter weight, query and key of a two-adapter site through a loss with ortho. */
    private static int checkEveryParameter(SameDiff sd, AtlasAdapterSite site) {
        List<String> vars = new ArrayList<>(site.adapterVariables());
        for (int i = 0; i < 2; i++) {
            sd.getArrForVarName("s_" + i + "_w2").assign(Nd4j.randn(DataType.DOUBLE, 3, 8).muli(0.3));
            vars.add("s_" + i + "_query");
            vars.add("s_" + i + "_key");
        }
        SDVariable loss = site.output().mul(sd.constant("r", Nd4j.randn(DataType.DOUBLE, 6, 8))).sum()
                .add(AtlasAdapterSite.orthogonality(sd, site.queries()).mul(0.1))
                .add(AtlasAdapterSite.orthogonality(sd, site.keys()).mul(0.1)).rename("loss");
        sd.setLossVariables(loss);
        return FiniteDifferences.check(sd, Map.of("u", Nd4j.randn(DataType.DOUBLE, 6, 8)), vars);
    }

    private static AtlasAdapterSite dimensionSite(SameDiff sd, int adapters) {
        SDVariable u = sd.placeHolder("u", DataType.DOUBLE, -1, 8);
        return new AtlasAdapterSite(sd, "s", u, 3, 8, adapters, 3, 2, AtlasConfiguration.Weighting.DIMENSION, 4);
    }

    @Test
    void dimensionGateHasShapeBatchByWidthIsInUnitRangeAndIsOneForAKeyParallelToTheContext() {
        Nd4j.getRandom().setSeed(7);
        SameDiff sd = SameDiff.create();
        AtlasAdapterSite site = dimensionSite(sd, 1);
        assertEquals(AtlasConfiguration.Weighting.DIMENSION, site.weighting());
        assertEquals(List.of(4L, 8L), List.of(sd.getArrForVarName("s_0_query").shape()[0],
                sd.getArrForVarName("s_0_query").shape()[1]));
        sd.getArrForVarName("s_0_w2").assign(Nd4j.randn(DataType.DOUBLE, 3, 8).muli(0.3));
        INDArray u = Nd4j.randn(DataType.DOUBLE, 2 * 3, 8);                  // 2 samples × 3 tokens
        INDArray a = arr(sd, site.alphas().get(0), u);
        assertEquals(List.of(2L, 8L), List.of(a.shape()[0], a.shape()[1]));  // B × D (unit test v of §4.7)
        assertTrue(a.minNumber().doubleValue() >= 0 && a.maxNumber().doubleValue() <= 1, a.toString());
        assertTrue(a.maxNumber().doubleValue() - a.minNumber().doubleValue() > 1e-3, "a per-channel gate");
        // a key parallel to sample 0's context along the slot axis in every channel (positive per-channel scales)
        INDArray first = u.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
        INDArray c = arr(sd, site.contexts().get(0), first).reshape(4, 8);
        INDArray scales = Nd4j.rand(DataType.DOUBLE, 1, 8).addi(0.5);
        sd.getArrForVarName("s_0_key").assign(c.mulRowVector(scales));
        INDArray one = arr(sd, site.alphas().get(0), first);
        assertEquals(1.0, one.minNumber().doubleValue(), 1e-9);
        sd.getArrForVarName("s_0_key").assign(c.neg());
        assertEquals(0.0, arr(sd, site.alphas().get(0), first).maxNumber().doubleValue(), 1e-9);
        // output = Σ_i α_i[b, d] a_i[b, t, d]; with one adapter and α = 1 it is the adapter's output
        sd.getArrForVarName("s_0_w2").assign(0);
        sd.getArrForVarName("s_0_key").assign(arr(sd, site.contexts().get(0), first).reshape(4, 8));
        assertEquals(1.0, arr(sd, site.alphas().get(0), first).minNumber().doubleValue(), 1e-9);
        assertTrue(arr(sd, site.output(), first).equalsWithEps(first, 1e-9));
    }

    @Test
    void everyDimensionWeightedParameterPassesFiniteDifferences() {
        Nd4j.getRandom().setSeed(9);
        SameDiff sd = SameDiff.create();
        assertEquals(2 * (8 * 3 + 3 + 3 * 8 + 8 + 4 * 8 + 4 * 8), checkEveryParameter(sd, dimensionSite(sd, 2)));
    }

    @Test
    void orthogonalityCountsEverySlotAsARow() {
        SameDiff sd = SameDiff.create();
        List<SDVariable> rows = List.of(sd.var("a", Nd4j.createFromArray(new double[][]{{1, 0}, {1, 0}})),
                sd.var("b", Nd4j.createFromArray(new double[][]{{0, 1}})));
        INDArray stacked = Nd4j.createFromArray(new double[][]{{1, 0}, {1, 0}, {0, 1}});
        assertEquals(AtlasAdapterSite.orthogonality(stacked), AtlasAdapterSite.orthogonality(sd, rows).eval()
                .getDouble(0), 1e-15);
        // T Tᵀ − I = [[0,1,0],[1,0,0],[0,0,0]]: mean of squares 2/9, divided by n·D = 6
        assertEquals(2.0 / 9 / 6, AtlasAdapterSite.orthogonality(stacked), 1e-15);
    }

    @Test
    void rejectsSlotsThatDoNotFitTheWeighting() {
        SameDiff sd = SameDiff.create();
        SDVariable u = sd.placeHolder("u", DataType.FLOAT, -1, 8);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AtlasAdapterSite(sd, "s", u, 3, 8, 1, 4,
                2, AtlasConfiguration.Weighting.WHOLE, 4)).getMessage().contains("got: 4 with WHOLE"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AtlasAdapterSite(sd, "s", u, 3, 8, 1, 4,
                2, AtlasConfiguration.Weighting.DIMENSION, 0)).getMessage().contains("got: 0 with DIMENSION"));
    }

    @Test
    void rejectsHeadsThatDoNotDivideTheWidth() {
        SameDiff sd = SameDiff.create();
        SDVariable u = sd.placeHolder("u", DataType.FLOAT, -1, 8);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new AtlasAdapterSite(sd, "s", u, 3, 8, 1, 4, 3))
                .getMessage().contains("3)"));
    }
}
