package io.github.dl4jcontinual.replay.selection;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.replay.BufferConfiguration;
import io.github.dl4jcontinual.replay.ReplayBuffer;
import io.github.dl4jcontinual.scenario.ClassIncrementalScenario;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.scenario.Scenario;
import io.github.dl4jcontinual.testutil.Models;
import io.github.dl4jcontinual.testutil.Reads;
import io.github.dl4jcontinual.testutil.SharedData;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Herding and k-means on real MNIST (Split-MNIST experience 0, buffer 500 class-balanced), features of the layer
 * before the output of an MLP trained for one epoch on that experience.
 */
class SelectionPolicyTest {

    /** Mean over classes of ||mean of the selected features − mean of all the class's features||. */
    private static double meanGap(ReplayBuffer b, Scenario s, MultiLayerNetwork net) {
        double sum = 0;
        for (Experience e : s.trainStream()) {
            sum += meanGap(b, e, net);
        }
        return sum / s.trainStream().size();
    }

    private static void fill(ReplayBuffer b, Scenario s, MultiLayerNetwork net, long seed) {
        for (Experience e : s.trainStream()) {
            b.consolidate(e, ContinualModel.of(net), new Random(seed + e.index()));
        }
    }

    private static double meanGap(ReplayBuffer b, Experience e, MultiLayerNetwork net) {
        DataSet all = Reads.dataSet(e);
        INDArray fAll = features(net, null, all.getFeatures());
        INDArray fSel = features(net, null, b.contents(10).features());
        INDArray selLabels = b.contents(10).labels();
        double gap = 0;
        for (int c : e.classArray()) {
            INDArray wAll = all.getLabels().getColumn(c).castTo(fAll.dataType()).reshape(1, -1);
            INDArray wSel = selLabels.getColumn(c).castTo(fSel.dataType()).reshape(1, -1);
            INDArray muAll = wAll.mmul(fAll).divi(wAll.sumNumber());
            INDArray muSel = wSel.mmul(fSel).divi(wSel.sumNumber());
            gap += muAll.distance2(muSel);
        }
        return gap / e.classArray().length;
    }

    /** The features a selection policy sees: {@link ContinualModel#features} of the network. */
    private static INDArray features(Object net, String layer, INDArray x) {
        ContinualModel m = net instanceof MultiLayerNetwork ? ContinualModel.of((MultiLayerNetwork) net)
                : ContinualModel.of((ComputationGraph) net);
        return m.features(layer, new INDArray[]{x}, null);
    }

    @Test
    void herdingAndKMeansMatchClassMeansBetterThanRandomAndStayBalanced() {
        Scenario s = new ClassIncrementalScenario.Builder().train(SharedData.mnistTrain())
                .test(SharedData.mnistTest()).numExperiences(5).name("split-mnist").build();
        Experience e0 = s.trainStream().get(0);
        MultiLayerNetwork net = Models.mlp(784, 100, 10, 0.03, 1);
        ContinualModel.of(net).fit(e0.iterator(32, true, 1), 1);
        double[] randomGaps = new double[3];
        for (int seed = 0; seed < 3; seed++) {
            ReplayBuffer r = buffer(new RandomSelection());
            fill(r, s, net, seed);
            randomGaps[seed] = meanGap(r, s, net);
        }
        double random = java.util.Arrays.stream(randomGaps).average().getAsDouble();
        for (SelectionPolicy p : new SelectionPolicy[]{new HerdingSelection(), new KMeansSelection()}) {
            ReplayBuffer b = buffer(p);
            fill(b, s, net, 7);
            for (int c = 0; c < 10; c++) {
                assertEquals(50, b.countsPerClass().get(c), p + " must give a class-balanced buffer");
            }
            double gap = meanGap(b, s, net);
            System.out.printf("%s: mean gap %.4f vs random %.4f%n", p, gap, random);
            assertTrue(gap < random, p + ": class-mean gap " + gap + " should be below random selection's " + random);
        }
        ReplayBuffer h = buffer(new HerdingSelection());
        fill(h, s, net, 7);
        assertTrue(meanGap(h, s, net) < random / 3, "herding should match the mean far better than random");
    }

    private static ReplayBuffer buffer(SelectionPolicy p) {
        return new BufferConfiguration.Builder().type(BufferConfiguration.Type.CLASS_BALANCED).capacity(500)
                .selection(p).build().build(false);
    }

    @Test
    void policiesReturnDistinctPrefixRankings() {
        Nd4j.getRandom().setSeed(3);
        INDArray f = Nd4j.rand(200, 5);
        for (SelectionPolicy p : new SelectionPolicy[]{new RandomSelection(), new HerdingSelection(),
                new KMeansSelection(), new ClosestToMeanSelection()}) {
            int[] r = p.select(f, 30, new Random(1));
            assertEquals(30, java.util.Arrays.stream(r).distinct().count(), p + " returned duplicates");
            assertTrue(java.util.Arrays.stream(r).allMatch(i -> i >= 0 && i < 200));
        }
        // herding's ranking is a prefix order: a smaller budget gives the first picks
        int[] big = new HerdingSelection().select(f, 30, new Random(1));
        int[] small = new HerdingSelection().select(f, 10, new Random(1));
        assertArrayEquals(java.util.Arrays.copyOf(big, 10), small);
        // closest-to-mean really is sorted by distance to the mean
        int[] c = new ClosestToMeanSelection().select(f, 200, new Random(1));
        INDArray mu = f.mean(true, 0);
        assertTrue(f.getRow(c[0], true).distance2(mu) <= f.getRow(c[199], true).distance2(mu));
    }

    @Test
    void herdingEqualsTheDefinitionStepByStep() {
        Nd4j.getRandom().setSeed(5);
        INDArray f = Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.DOUBLE, 60, 7);
        int[] fast = new HerdingSelection().select(f, 25, new Random(1));
        // reference: pick argmin_j ||(i+1)·mu − S_i − f_j|| among unpicked j, straight from the definition
        INDArray mu = f.mean(true, 0);
        INDArray sum = Nd4j.zeros(f.dataType(), 1, 7);
        boolean[] taken = new boolean[60];
        for (int i = 0; i < 25; i++) {
            int best = -1;
            double bestD = Double.POSITIVE_INFINITY;
            for (int j = 0; j < 60; j++) {
                double d = mu.mul(i + 1).sub(sum).sub(f.getRow(j, true)).norm2Number().doubleValue();
                if (!taken[j] && d < bestD) {
                    bestD = d;
                    best = j;
                }
            }
            assertEquals(best, fast[i], "pick " + i);
            taken[best] = true;
            sum.addi(f.getRow(best, true));
        }
    }

    @Test
    void kMeansPlusPlusKeepsOneExampleNearEachSeparatedCluster() {
        // four tight clusters far apart: k = 4 must keep one member of each, the largest cluster first
        Nd4j.getRandom().setSeed(6);
        int[] sizes = {40, 10, 25, 15};
        INDArray f = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, 90, 3);
        int row = 0;
        for (int c = 0; c < 4; c++) {
            for (int i = 0; i < sizes[c]; i++, row++) {
                f.putRow(row, Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3).muli(0.1).addi(100 * c));
            }
        }
        int exact = 0;
        for (long seed = 0; seed < 5; seed++) {
            int[] sel = new KMeansSelection(null, 20, true).select(f, 4, new Random(seed));
            int[] cluster = java.util.Arrays.stream(sel).map(r -> (int) (f.getDouble(r, 0) / 100 + 0.5)).toArray();
            // k-means++ seeding rarely puts two centroids in one well-separated cluster; when it
            // does not, the picks are one per cluster, largest cluster first
            assertTrue(java.util.Arrays.stream(cluster).distinct().count() >= 3, java.util.Arrays.toString(cluster));
            if (java.util.Arrays.equals(cluster, new int[]{0, 2, 3, 1})) {
                exact++;
            }
        }
        assertTrue(exact >= 3, "one pick per cluster, largest first, on only " + exact + " of 5 seeds");
    }

    @Test
    void featureLayerIsChosenByNameOrIndexOnNetworksAndGraphs() {
        MultiLayerNetwork net = Models.mlp(4, 6, 3, 0.1, 1);
        ComputationGraph g = Models.mlpGraph(4, 6, 3, 0.1, 1);
        g.setParams(net.params());
        INDArray x = Nd4j.rand(5, 4);
        assertArrayEquals(new long[]{5, 6}, features(net, null, x).shape());
        assertEquals(features(net, null, x), features(g, null, x));
        assertEquals(features(net, "0", x), features(g, "h1", x));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> features(net, "nope", x));
        assertTrue(e.getMessage().contains("'nope'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> features(g, "nope", x));
    }
}
