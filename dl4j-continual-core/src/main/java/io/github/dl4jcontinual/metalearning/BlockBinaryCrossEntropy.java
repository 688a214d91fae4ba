package io.github.dl4jcontinual.metalearning;

import io.github.dl4jcontinual.nn.PerExampleLoss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.shade.jackson.annotation.JsonProperty;

import java.util.Arrays;

/**
 * One-vs-all binary cross-entropy on the logits of one block of output columns (iTAML's task loss):
 * for an example with logits z and one-hot labels y,
 * {@code L = -(1/|C|) Σ_{c∈C} [y_c log σ(z_c) + (1 − y_c) log(1 − σ(z_c))]}, where C is the block. The gradient
 * with respect to the layer's pre-output is {@code (σ(z_c) − y_c)/|C|} on the block and 0 elsewhere, so only the
 * classifier rows of the block (and the shared layers below) are updated. An empty block means every column.
 *
 * <p>The logits are the output layer's pre-activation z, whatever the layer's activation: with IDENTITY (raw
 * logits, as iTAML's bias-free linear head) or SIGMOID, σ(z) is what the layer computes; with SOFTMAX (a user's
 * ordinary classifier, whose loss iTAML swaps for this one while it trains) the layer's own output is ignored by the
 * loss, which still sees z. DL4J divides the gradient by the minibatch size itself, so {@link #computeGradient}
 * returns per-example gradients. Immutable and JSON-serialisable, so a model saved while it is installed still
 * loads.</p>
 */
public final class BlockBinaryCrossEntropy extends PerExampleLoss {
    private static final long serialVersionUID = 1L;

    @JsonProperty("block")
    private int[] block;

    /** Every column (plain sigmoid binary cross-entropy on logits). */
    public BlockBinaryCrossEntropy() {
        this.block = new int[0];
    }

    /**
     * @param block the output columns of the block, distinct and ≥ 0; empty for every column
     * @throws IllegalArgumentException on a negative or repeated column
     */
    public BlockBinaryCrossEntropy(@JsonProperty("block") int... block) {
        int[] b = block == null ? new int[0] : block.clone();
        int[] s = b.clone();
        Arrays.sort(s);
        for (int i = 0; i < s.length; i++) {
            if (s[i] < 0 || (i > 0 && s[i] == s[i - 1])) {
                throw new IllegalArgumentException("block columns should be distinct and >= 0 (got: "
                        + Arrays.toString(block) + ")");
            }
        }
        this.block = b;
    }

    /** @return the block's columns (a copy); empty means every column */
    public int[] getBlock() {
        return block.clone();
    }

    private INDArray columnMask(INDArray preOutput) {
        long width = preOutput.size(1);
        INDArray m = Nd4j.zeros(preOutput.dataType(), 1, width);
        if (block.length == 0) {
            return m.addi(1);
        }
        for (int c : block) {
            if (c >= width) {
                throw new IllegalArgumentException("block column " + c + " is outside the output width " + width);
            }
            m.putScalar(0, c, 1.0);
        }
        return m;
    }

    private int blockSize(INDArray preOutput) {
        return block.length == 0 ? (int) preOutput.size(1) : block.length;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray z = preOutput;
        INDArray y = labels.castTo(z.dataType());
        // BCE with logits: softplus(z) - y*z, stable for large |z|
        INDArray per = Transforms.softPlus(z, true).subi(y.mul(z));
        per.muliRowVector(columnMask(z));
        if (mask != null) {
            applyMask(per, mask);
        }
        return per.sum(true, 1).divi(blockSize(z));
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray g = Transforms.sigmoid(preOutput, true).subi(labels.castTo(preOutput.dataType()));
        g.muliRowVector(columnMask(preOutput)).divi(blockSize(preOutput));
        if (mask != null) {
            applyMask(g, mask);
        }
        return g;
    }

    private static void applyMask(INDArray a, INDArray mask) {
        if (mask.size(1) == 1 || mask.rank() == 1) {
            a.muliColumnVector(mask.reshape(a.size(0), 1).castTo(a.dataType()));
        } else {
            a.muli(mask.castTo(a.dataType()));
        }
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BlockBinaryCrossEntropy && Arrays.equals(block, ((BlockBinaryCrossEntropy) o).block);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(block);
    }

    @Override
    public String toString() {
        return "BlockBinaryCrossEntropy(block=" + Arrays.toString(block) + ")";
    }
}
