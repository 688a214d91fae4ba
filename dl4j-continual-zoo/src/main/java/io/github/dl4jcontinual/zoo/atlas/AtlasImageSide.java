package io.github.dl4jcontinual.zoo.atlas;

import io.github.dl4jcontinual.zoo.vl.AlignedImageTower;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The frozen image side of {@link AtlasLearner}: the image tower's projection into the text space,
 * {@code e = h W + b} ({@code W [H, D]}, {@code b [1, D]}, identity activation, as {@link AlignedImageTower} builds
 * it), kept as copies. The backbone below the projection runs once per image ({@link #hidden}); ATLAS sites sit on
 * its output h (width H) and on the projection's output e (width D).
 */
public final class AtlasImageSide {
    private final INDArray weight;
    private final INDArray bias;

    /**
     * @param weight projection {@code [H, D]} (copied)
     * @param bias   bias {@code [1, D]} or {@code [D]} (copied)
     */
    public AtlasImageSide(INDArray weight, INDArray bias) {
        if (weight.rank() != 2 || bias.length() != weight.size(1)) {
            throw new IllegalArgumentException("Projection should be W [H, D] and b [D] (got W "
                    + Arrays.toString(weight.shape()) + ", b " + Arrays.toString(bias.shape()) + ")");
        }
        this.weight = weight.dup();
        this.bias = bias.reshape(1, weight.size(1)).dup();
    }

    /** The projection of an aligned tower (copied). */
    public static AtlasImageSide of(AlignedImageTower tower) {
        int proj = tower.network().getnLayers() - 2;
        return new AtlasImageSide(tower.network().getLayer(proj).getParam("W"),
                tower.network().getLayer(proj).getParam("b"));
    }

    /** The tower's frozen hidden features (the projection's input) of {@code images}, {@code [n, H]}, detached. */
    public static INDArray hidden(AlignedImageTower tower, INDArray images) {
        int proj = tower.network().getnLayers() - 2;
        return tower.network().feedForwardToLayer(proj - 1, images, false).get(proj).detach();
    }

    /** H. */
    public int hiddenWidth() {
        return (int) weight.size(0);
    }

    /** D. */
    public int width() {
        return (int) weight.size(1);
    }

    /** The projection weight (do not modify). */
    public INDArray weight() {
        return weight;
    }

    /** The projection bias {@code [1, D]} (do not modify). */
    public INDArray bias() {
        return bias;
    }
}
