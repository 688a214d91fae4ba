package io.github.dl4jcontinual.replay.selection;

/**
 * Base of the policies that rank without features: no feature layer, and all instances of a class are equal
 * (they have no settings).
 */
abstract class FeaturelessSelection implements SelectionPolicy {
    private static final long serialVersionUID = 1L;

    @Override
    public final boolean usesFeatures() {
        return false;
    }

    @Override
    public final String layer() {
        return null;
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass();
    }

    @Override
    public int hashCode() {
        return getClass().hashCode();
    }
}
