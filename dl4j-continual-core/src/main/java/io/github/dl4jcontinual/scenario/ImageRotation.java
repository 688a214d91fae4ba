package io.github.dl4jcontinual.scenario;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Rotates images ({@code [n, channels*height*width]} channel-major, or {@code [n, channels, height, width]}) by a
 * fixed angle about their
 * centre, with bilinear interpolation and zero fill (Rotated MNIST). The sampling table is computed once.
 * Immutable; replaces the features with a rotated copy.
 */
public final class ImageRotation extends FeatureTransform {
    private static final long serialVersionUID = 1L;
    private final double degrees;
    private final int channels;
    private final int height;
    private final int width;
    private final int[][] src;
    private final float[][] weight;

    /**
     * @param degrees  counter-clockwise rotation angle
     * @param channels number of channels
     * @param height   image height
     * @param width    image width
     */
    public ImageRotation(double degrees, int channels, int height, int width) {
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("channels, height and width should be > 0 (got: " + channels + ", "
                    + height + ", " + width + ")");
        }
        this.degrees = degrees;
        this.channels = channels;
        this.height = height;
        this.width = width;
        int n = height * width;
        src = new int[4][n];
        weight = new float[4][n];
        double rad = Math.toRadians(degrees);
        double cos = Math.cos(rad);
        double sin = Math.sin(rad);
        double cy = (height - 1) / 2.0;
        double cx = (width - 1) / 2.0;
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                // inverse rotation: where does output pixel (y, x) come from?
                double dx = x - cx;
                double dy = y - cy;
                double sx = cos * dx - sin * dy + cx;
                double sy = sin * dx + cos * dy + cy;
                int x0 = (int) Math.floor(sx);
                int y0 = (int) Math.floor(sy);
                double fx = sx - x0;
                double fy = sy - y0;
                int p = y * width + x;
                int[] xs = {x0, x0 + 1, x0, x0 + 1};
                int[] ys = {y0, y0, y0 + 1, y0 + 1};
                double[] ws = {(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy};
                for (int k = 0; k < 4; k++) {
                    boolean inside = xs[k] >= 0 && xs[k] < width && ys[k] >= 0 && ys[k] < height;
                    src[k][p] = inside ? ys[k] * width + xs[k] : 0;
                    weight[k][p] = inside ? (float) ws[k] : 0f;
                }
            }
        }
    }

    @Override
    INDArray transform(INDArray features) {
        return rotate(features);
    }

    /**
     * @param features {@code [n, channels*height*width]} or {@code [n, channels, height, width]}
     * @return a rotated copy of the same shape
     */
    public INDArray rotate(INDArray features) {
        int d = channels * height * width;
        if (features.rank() == 4 && features.size(1) == channels && features.size(2) == height
                && features.size(3) == width) {
            return rotate(features.reshape('c', features.size(0), d)).reshape('c', features.shape());
        }
        if (features.rank() != 2 || features.size(1) != d) {
            throw new IllegalArgumentException("ImageRotation for " + channels + "x" + height + "x" + width
                    + " images expects features [n, " + d + "] (got shape "
                    + java.util.Arrays.toString(features.shape()) + ")");
        }
        int n = (int) features.size(0);
        float[] in = features.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float[] out = new float[in.length];
        int hw = height * width;
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < channels; c++) {
                int base = i * d + c * hw;
                for (int p = 0; p < hw; p++) {
                    out[base + p] = weight[0][p] * in[base + src[0][p]] + weight[1][p] * in[base + src[1][p]]
                            + weight[2][p] * in[base + src[2][p]] + weight[3][p] * in[base + src[3][p]];
                }
            }
        }
        return Nd4j.create(out, new long[]{n, d}, DataType.FLOAT).castTo(features.dataType());
    }

    /** @return the rotation angle in degrees */
    public double degrees() {
        return degrees;
    }

    @Override
    public String toString() {
        return "ImageRotation(" + degrees + " degrees)";
    }
}
