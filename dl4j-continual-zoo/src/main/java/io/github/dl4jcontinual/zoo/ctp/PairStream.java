package io.github.dl4jcontinual.zoo.ctp;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A domain-incremental stream of image–caption pairs: experience t is domain t (as P9D's industries), with its
 * own training and test pairs. Immutable.
 */
public final class PairStream {
    private final List<String> names;
    private final List<PairDataset> train;
    private final List<PairDataset> test;

    /**
     * @param names domain names, one per experience
     * @param train training pairs per domain
     * @param test  test pairs per domain (at least one pair each)
     */
    public PairStream(List<String> names, List<PairDataset> train, List<PairDataset> test) {
        if (names.isEmpty() || names.size() != train.size() || names.size() != test.size()) {
            throw new IllegalArgumentException("need the same non-zero number of domain names, training sets and "
                    + "test sets (got " + names.size() + ", " + train.size() + ", " + test.size() + ")");
        }
        for (int t = 0; t < names.size(); t++) {
            if (test.get(t).size() == 0 || train.get(t).size() == 0) {
                throw new IllegalArgumentException("domain " + names.get(t) + " has no training or no test pairs");
            }
        }
        this.names = Collections.unmodifiableList(new ArrayList<>(names));
        this.train = Collections.unmodifiableList(new ArrayList<>(train));
        this.test = Collections.unmodifiableList(new ArrayList<>(test));
    }

    /** @return number of experiences (domains) */
    public int size() {
        return names.size();
    }

    /** @return the domain names */
    public List<String> names() {
        return names;
    }

    /** @return the training pairs of domain t */
    public PairDataset train(int t) {
        return train.get(t);
    }

    /** @return the test pairs of domain t */
    public PairDataset test(int t) {
        return test.get(t);
    }

    /** @return the union of all training pairs (for joint training) */
    public PairDataset allTraining() {
        PairDataset all = train.get(0);
        for (int t = 1; t < size(); t++) {
            all = all.concat(train.get(t));
        }
        return all;
    }
}
