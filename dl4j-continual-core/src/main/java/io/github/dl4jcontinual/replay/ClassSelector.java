package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.data.DataSets;
import io.github.dl4jcontinual.replay.selection.FeatureExtractor;
import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import org.deeplearning4j.nn.api.Model;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Random;

/** Ranks the examples of each class of a data set with a selection policy (package-private helper). */
final class ClassSelector {
    private final DataSet data;
    private final int[] ids;
    private final SelectionPolicy policy;
    private final Model model;

    ClassSelector(DataSet data, SelectionPolicy policy, Model model) {
        this.data = data;
        this.ids = DataSets.classIds(data.getLabels());
        this.policy = policy;
        this.model = model;
    }

    int[] classIds() {
        return ids;
    }

    /** @return up to {@code budget} row indices of class {@code c} in {@code data}, best first */
    int[] select(int c, int budget, Random rng) {
        int[] rows = Arrays.stream(java.util.stream.IntStream.range(0, ids.length).toArray())
                .filter(i -> ids[i] == c).toArray();
        int k = Math.min(budget, rows.length);
        if (k <= 0) {
            return new int[0];
        }
        INDArray x = data.getFeatures();
        INDArray cand = Nd4j.pullRows(x.reshape(x.size(0), -1), 1, rows);
        INDArray f = cand;
        if (policy.usesFeatures()) {
            long[] shape = x.shape().clone();
            shape[0] = rows.length;
            f = FeatureExtractor.features(model, policy.layer(), cand.reshape(shape));
        }
        int[] sel = policy.select(f, k, rng);
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = rows[sel[i]];
        }
        return out;
    }

    /** Splits {@code total} into {@code parts} near-equal shares, the remainder going to the first ones. */
    static int[] shares(int total, int parts) {
        int[] s = new int[parts];
        for (int i = 0; i < parts; i++) {
            s[i] = total / parts + (i < total % parts ? 1 : 0);
        }
        return s;
    }
}
