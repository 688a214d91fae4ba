package io.github.dl4jcontinual.replay;

import io.github.dl4jcontinual.model.ContinualModel;
import io.github.dl4jcontinual.replay.selection.SelectionPolicy;
import io.github.dl4jcontinual.scenario.Experience;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Picks exemplars of one class of an experience with a {@link SelectionPolicy}, reading the experience from its
 * source class by class: the candidates are the class's examples in data-set order; feature-based policies see the
 * model's features of all of them ({@code [n_c, d]}, the only thing held), the others only their number; the picked
 * rows are then read back. Package-private.
 */
final class ClassSelector {
    private static final int BATCH = 1000;
    private final Experience experience;
    private final SelectionPolicy policy;
    private final ContinualModel model;

    ClassSelector(Experience experience, SelectionPolicy policy, ContinualModel model) {
        this.experience = experience;
        this.policy = policy;
        this.model = model;
    }

    /**
     * @return the picked rows of class {@code c} in the policy's order, or null if none
     */
    MultiDataSet select(int c, int budget, Random rng) {
        int n = experience.count(c);
        int k = Math.min(budget, n);
        if (k <= 0) {
            return null;
        }
        Experience view = experience.ofClasses(c);
        INDArray f;
        if (policy.usesFeatures()) {
            List<INDArray> parts = new ArrayList<>();
            MultiDataSetIterator it = view.iterator(BATCH, false, 0);
            while (it.hasNext()) {
                MultiDataSet b = it.next();
                parts.add(model.features(policy.layer(), b.getFeatures(), b.getFeaturesMaskArrays()));
            }
            f = parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
        } else {
            f = Nd4j.zeros(DataType.FLOAT, n, 1);
        }
        int[] sel = policy.select(f, k, rng);
        return view.rows(sel);
    }

    static int[] shares(int total, int parts) {
        int[] s = new int[parts];
        for (int i = 0; i < parts; i++) {
            s[i] = total / parts + (i < total % parts ? 1 : 0);
        }
        return s;
    }
}
