package io.github.dl4jcontinual.replay.selection;

import java.util.Objects;

/** Base of the policies that rank by a layer's features; holds the (optional) layer name. */
public abstract class FeatureSelection implements SelectionPolicy {
    private static final long serialVersionUID = 1L;
    private String layer;

    /** @param layer the feature layer (name or MultiLayerNetwork index), or null for the layer before the output */
    protected FeatureSelection(String layer) {
        this.layer = layer;
    }

    @Override
    public final boolean usesFeatures() {
        return true;
    }

    @Override
    public final String layer() {
        return layer;
    }

    @Override
    public boolean equals(Object o) {
        return o != null && o.getClass() == getClass() && Objects.equals(layer, ((FeatureSelection) o).layer);
    }

    @Override
    public int hashCode() {
        return Objects.hash(getClass(), layer);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + (layer == null ? "" : "(" + layer + ")");
    }
}
