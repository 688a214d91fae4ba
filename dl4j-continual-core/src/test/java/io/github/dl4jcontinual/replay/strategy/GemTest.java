package io.github.dl4jcontinual.replay.strategy;

import io.github.dl4jcontinual.eval.ContinualResult;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.SharedData;
import io.github.dl4jcontinual.trainer.ContinualConfiguration;
import io.github.dl4jcontinual.trainer.ContinualTrainer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** GEM: the dual QP against hand values and an independent solver, its configuration, and a real-data run. */
class GemTest {

    @Test
    void oneConstraintIsTheHalfSpaceProjectionOrTheMarginsShift() {
        INDArray g = Nd4j.createFromArray(1.0, 0.0);
        INDArray r = Nd4j.createFromArray(new double[][]{{-1, 1}});
        // γ = 0: v = −g·r / (|r|² + ε) = 1 / 2.001, the projection onto g·r ≥ 0 up to ε
        double v = 1 / 2.001;
        assertArrayEquals(new double[]{1 - v, v}, Gem.project(g, r, 0, 1e-3).toDoubleVector(), 1e-7);
        // the released code's margin: v ≥ γ binds when γ exceeds the unconstrained optimum
        assertArrayEquals(new double[]{0.5, 0.5}, Gem.project(g, r, 0.5, 1e-3).toDoubleVector(), 1e-7);
        assertArrayEquals(new double[]{0, 1}, Gem.project(g, r, 1, 1e-3).toDoubleVector(), 1e-7);
    }

    @Test
    void severalConstraintsMatchAProjectedGradientSolutionOfTheDual() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 5; trial++) {
            int t = 2 + trial % 3;
            int p = 12;
            INDArray refs = Nd4j.rand(DataType.DOUBLE, t, p).subi(0.5);
            INDArray g = refs.sum(0).negi().addi(Nd4j.rand(DataType.DOUBLE, p).muli(0.2));
            double gamma = trial % 2 == 0 ? 0 : 0.3;
            INDArray x = Gem.project(g, refs, gamma, 1e-3);
            // independent: projected gradient descent on the same dual, in plain Java
            double[][] pm = refs.mmul(refs.transpose()).toDoubleMatrix();
            double[] q = refs.mmul(g.reshape(p, 1)).reshape(t).toDoubleVector();
            double[] v = new double[t];
            java.util.Arrays.fill(v, gamma);
            double step = 1 / refs.mmul(refs.transpose()).norm2Number().doubleValue() / 2;
            for (int it = 0; it < 200_000; it++) {
                double[] next = new double[t];
                for (int i = 0; i < t; i++) {
                    double grad = q[i] + 1e-3 * v[i];
                    for (int j = 0; j < t; j++) {
                        grad += pm[i][j] * v[j];
                    }
                    next[i] = Math.max(gamma, v[i] - step * grad);
                }
                v = next;
            }
            INDArray vv = Nd4j.createFromArray(v).reshape(t, 1);
            INDArray expected = vv.transpose().mmul(refs).reshape(p).addi(g);
            assertArrayEquals(expected.toDoubleVector(), x.toDoubleVector(), 1e-6, "trial " + trial);
            if (gamma == 0) {
                INDArray dots = refs.mmul(x.reshape(p, 1));
                for (int k = 0; k < t; k++) {
                    assertTrue(dots.getDouble(k, 0) > -1e-2, "constraint " + k + ": " + dots);
                }
            }
            rnd.nextInt();
        }
    }

    @Test
    void configurationRoundTripsAndRejectsBadValues() {
        Gem g = new Gem.Builder().memoriesPerExperience(100).memoryStrength(1).epsilon(1e-4).bufferSize(500)
                .replayBatch(64).build();
        RehearsalConfiguration back = RehearsalConfiguration.fromJson(g.toJson());
        assertEquals(g, back);
        assertEquals(100, ((Gem) back).getMemoriesPerExperience());
        assertEquals(1.0, ((Gem) back).getMemoryStrength());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Gem.Builder().memoriesPerExperience(-3));
        assertTrue(e.getMessage().contains("-3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Gem.Builder().memoryStrength(Double.NaN));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Gem.Builder().epsilon(0));
    }

    @Test
    void gemRemembersSplitMnistAndKeepsItsMemoryPerExperience() {
        Scenario s = SharedData.splitMnist(300, 100);
        ContinualConfiguration.Builder conf = new ContinualConfiguration.Builder().batchSize(10).seed(1)
                .progress(false);
        ContinualResult naive = ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.03, 1), conf.build()).fit(s);
        ContinualResult gem = ContinualTrainer.wrap(Models.mlp(784, 100, 10, 0.03, 1), conf
                .plugin(new Gem.Builder().memoriesPerExperience(40).memoryStrength(0.5).build()).build()).fit(s);
        double n = naive.classIncremental().finalAverageAccuracy();
        double c = gem.classIncremental().finalAverageAccuracy();
        System.out.printf("GEM %.4f (projections %s), naive %.4f%n%s%n", c,
                gem.experiences().get(4).metrics().get("gem.projections"), n, gem.classIncremental());
        for (int e = 0; e < 5; e++) {
            assertEquals(40.0 * (e + 1), gem.experiences().get(e).metrics().get("gem.memories"), "experience " + e);
        }
        assertEquals(0.0, gem.experiences().get(0).metrics().get("gem.projections"), "no constraint before memory");
        assertTrue(gem.experiences().get(4).metrics().get("gem.projections") > 0, "GEM projected no gradient");
        assertTrue(c > n + 0.2, "GEM class-IL " + c + " vs naive " + n);
    }
}
