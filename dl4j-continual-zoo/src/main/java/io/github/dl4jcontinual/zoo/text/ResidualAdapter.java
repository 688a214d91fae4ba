package io.github.dl4jcontinual.zoo.text;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * A residual bottleneck adapter {@code h + relu(h W1 + b1) W2 + b2} over token rows {@code [N*T, width]}, as
 * trainable SameDiff variables {@code name_w1 [width, r]}, {@code name_b1}, {@code name_w2 [r, width]},
 * {@code name_b2}. {@code W1} starts N(0, 0.02²) and {@code W2}, the biases at 0, so a new adapter leaves the
 * frozen model's output unchanged.
 */
public final class ResidualAdapter {
    private ResidualAdapter() {
    }

    /** Names of the adapter's four variables. */
    public static List<String> variableNames(String name) {
        return List.of(name + "_w1", name + "_b1", name + "_w2", name + "_b2");
    }

    /** Creates the adapter's variables in {@code sd} (global ND4J random stream) and applies it to {@code h}. */
    public static SDVariable apply(SameDiff sd, String name, SDVariable h, int width, int bottleneck, DataType type) {
        if (width <= 0 || bottleneck <= 0) {
            throw new IllegalArgumentException("Adapter " + name + " needs width and bottleneck > 0 (got: " + width
                    + ", " + bottleneck + ")");
        }
        SDVariable w1 = sd.var(name + "_w1", Nd4j.randn(type, width, bottleneck).muli(0.02));
        SDVariable b1 = sd.var(name + "_b1", Nd4j.zeros(type, 1, bottleneck));
        SDVariable w2 = sd.var(name + "_w2", Nd4j.zeros(type, bottleneck, width));
        SDVariable b2 = sd.var(name + "_b2", Nd4j.zeros(type, 1, width));
        return h.add(sd.nn().relu(h.mmul(w1).add(b1), 0).mmul(w2).add(b2));
    }
}
