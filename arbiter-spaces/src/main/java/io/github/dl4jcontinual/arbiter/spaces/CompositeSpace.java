package io.github.dl4jcontinual.arbiter.spaces;

import org.deeplearning4j.arbiter.optimize.api.ParameterSpace;

import java.util.ArrayList;
import java.util.List;

/**
 * Base of this package's composite Arbiter spaces: the leaves are those of {@link #getNestedSpaces()}, in order;
 * the space itself is never a leaf, so candidate generators set indices on the leaves only.
 *
 * @param <T> the value type
 */
public abstract class CompositeSpace<T> implements ParameterSpace<T> {

    @Override
    public int numParameters() {
        return collectLeaves().stream().mapToInt(ParameterSpace::numParameters).sum();
    }

    @Override
    public List<ParameterSpace> collectLeaves() {
        List<ParameterSpace> leaves = new ArrayList<>();
        for (ParameterSpace<?> s : getNestedSpaces().values()) {
            leaves.addAll(s.collectLeaves());
        }
        return leaves;
    }

    @Override
    public boolean isLeaf() {
        return false;
    }

    @Override
    public void setIndices(int... indices) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is not a leaf: indices are set on "
                + "its leaves (collectLeaves())");
    }
}
