package io.github.dl4jcontinual.testutil;

import io.github.dl4jcontinual.data.Batches;
import io.github.dl4jcontinual.scenario.Experience;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads an experience back for assertions, the way a learner does: through {@link Experience#iterator}, unshuffled
 * (the experience's own order). Only for the small experiences of tests.
 */
public final class Reads {
    private Reads() {
    }

    /**
     * @param e an experience
     * @return all its examples, unshuffled, as one minibatch
     */
    public static MultiDataSet all(Experience e) {
        return join(batches(e.iterator(Math.max(1, Math.min(e.numExamples(), 997)), false, 0)));
    }

    /**
     * @param e a one-input, one-output experience
     * @return all its examples, unshuffled, as a DataSet
     */
    public static DataSet dataSet(Experience e) {
        return Batches.toDataSet(all(e));
    }

    /**
     * @param it an iterator (read from where it is to its end)
     * @return its minibatches
     */
    public static List<MultiDataSet> batches(MultiDataSetIterator it) {
        List<MultiDataSet> out = new ArrayList<>();
        while (it.hasNext()) {
            out.add(it.next());
        }
        return out;
    }

    /**
     * @param parts minibatches with the same arrays
     * @return their rows in order, as one minibatch
     */
    public static MultiDataSet join(List<MultiDataSet> parts) {
        MultiDataSet out = parts.get(0);
        for (int i = 1; i < parts.size(); i++) {
            out = Batches.concat(out, parts.get(i));
        }
        return out;
    }
}
