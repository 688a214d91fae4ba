package io.github.dl4jcontinual.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Where each parameter array of a network lies in its flattened {@code params()} vector: one block per layer and
 * parameter key, with its shape, element order and offset. Lets per-parameter state (importance, anchors, path
 * integrals) follow a network whose output layer grew (the trainer's EXPANDING head): {@link #grow} copies every
 * old entry to the same (layer, key, index) of the new layout and fills the new entries. Immutable and
 * {@link Serializable}.
 */
public final class ParameterLayout implements io.github.dl4jcontinual.checkpoint.CheckpointState {
    private static final long serialVersionUID = 1L;

    /** One parameter array: layer + key, shape, order ('c' or 'f') and offset in the flattened vector. */
    static final class Block implements io.github.dl4jcontinual.checkpoint.CheckpointState {
        private static final long serialVersionUID = 1L;
        final String name;
        final long[] shape;
        final char order;
        final long offset;
        final long length;

        Block(String name, long[] shape, char order, long offset, long length) {
            this.name = name;
            this.shape = shape;
            this.order = order;
            this.offset = offset;
            this.length = length;
        }
    }

    private final List<Block> blocks;
    private final long numParams;

    private ParameterLayout(List<Block> blocks, long numParams) {
        this.blocks = Collections.unmodifiableList(blocks);
        this.numParams = numParams;
    }

    /**
     * @param flat   the flattened parameter vector the arrays are views of
     * @param tables parameter arrays by owner (layer or variable name) and key, each a view into {@code flat}
     * @return the layout
     */
    static ParameterLayout of(INDArray flat, Map<String, Map<String, INDArray>> tables) {
        long base = flat.offset();
        List<Block> blocks = new ArrayList<>();
        for (Map.Entry<String, Map<String, INDArray>> t : tables.entrySet()) {
            for (Map.Entry<String, INDArray> p : t.getValue().entrySet()) {
                INDArray v = p.getValue();
                blocks.add(new Block(t.getKey() + "/" + p.getKey(), v.shape(), v.ordering(), v.offset() - base,
                        v.length()));
            }
        }
        blocks.sort(Comparator.comparingLong(b -> b.offset));
        return new ParameterLayout(blocks, flat.length());
    }

    /** @return the number of parameters */
    public long numParams() {
        return numParams;
    }

    /** @return whether both layouts have the same blocks with the same shapes */
    public boolean sameAs(ParameterLayout other) {
        if (blocks.size() != other.blocks.size() || numParams != other.numParams) {
            return false;
        }
        for (int i = 0; i < blocks.size(); i++) {
            Block a = blocks.get(i);
            Block b = other.blocks.get(i);
            if (!a.name.equals(b.name) || !Arrays.equals(a.shape, b.shape) || a.offset != b.offset) {
                return false;
            }
        }
        return true;
    }

    /**
     * Maps a per-parameter row vector of this layout onto a grown layout.
     *
     * @param values per-parameter values in this layout, [1, numParams()]
     * @param to     the grown layout: the same (layer, key) blocks, each at least as large in every dimension
     * @param fill   values for the entries that are new in {@code to}, [1, to.numParams()]
     * @return a new row vector [1, to.numParams()]: old entries at their new positions, {@code fill} elsewhere
     * @throws IllegalArgumentException naming the block when the layouts do not correspond
     */
    public INDArray grow(INDArray values, ParameterLayout to, INDArray fill) {
        if (values.length() != numParams || fill.length() != to.numParams) {
            throw new IllegalArgumentException("grow: expected " + numParams + " values and " + to.numParams
                    + " fill values (got: " + values.length() + ", " + fill.length() + ")");
        }
        Map<String, Block> target = new java.util.HashMap<>();
        for (Block b : to.blocks) {
            target.put(b.name, b);
        }
        if (target.size() != blocks.size()) {
            throw new IllegalArgumentException("The networks have different parameter arrays: " + names()
                    + " versus " + to.names());
        }
        double[] src = values.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup().data().asDouble();
        double[] dst = fill.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).dup().data().asDouble();
        for (Block a : blocks) {
            Block b = target.get(a.name);
            if (b == null || a.shape.length != b.shape.length || a.order != b.order) {
                throw new IllegalArgumentException("Parameter " + a.name + " " + Arrays.toString(a.shape)
                        + " has no counterpart of the same rank and order in the grown network (got: "
                        + (b == null ? "none" : Arrays.toString(b.shape) + " order " + b.order) + ")");
            }
            for (int d = 0; d < a.shape.length; d++) {
                if (b.shape[d] < a.shape[d]) {
                    throw new IllegalArgumentException("Parameter " + a.name + " shrank from "
                            + Arrays.toString(a.shape) + " to " + Arrays.toString(b.shape));
                }
            }
            copyBlock(src, a, dst, b);
        }
        return Nd4j.createFromArray(dst).reshape(1, dst.length).castTo(values.dataType());
    }

    private static void copyBlock(double[] src, Block a, double[] dst, Block b) {
        int rank = a.shape.length;
        long[] idx = new long[rank];
        for (long e = 0; e < a.length; e++) {
            // idx = the multi-index of the e-th element in a's storage order
            long r = e;
            if (a.order == 'f') {
                for (int d = 0; d < rank; d++) {
                    idx[d] = r % a.shape[d];
                    r /= a.shape[d];
                }
            } else {
                for (int d = rank - 1; d >= 0; d--) {
                    idx[d] = r % a.shape[d];
                    r /= a.shape[d];
                }
            }
            long off = 0;
            if (b.order == 'f') {
                for (int d = rank - 1; d >= 0; d--) {
                    off = off * b.shape[d] + idx[d];
                }
            } else {
                for (int d = 0; d < rank; d++) {
                    off = off * b.shape[d] + idx[d];
                }
            }
            dst[(int) (b.offset + off)] = src[(int) (a.offset + e)];
        }
    }

    private List<String> names() {
        List<String> n = new ArrayList<>();
        for (Block b : blocks) {
            n.add(b.name + Arrays.toString(b.shape));
        }
        return n;
    }
}
