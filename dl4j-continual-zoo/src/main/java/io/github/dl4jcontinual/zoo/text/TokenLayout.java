package io.github.dl4jcontinual.zoo.text;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds padded token batches: {@code [CLS] ... [SEP]} sequences, right-padded with id 0 and mask 0. A negative
 * id {@code -(i+1)} marks the slot of learned context vector i; it is looked up as id 0 and replaced in the graph.
 */
public final class TokenLayout {
    private TokenLayout() {
    }

    /** {@code [CLS] tokens [SEP]}. */
    public static int[] wrap(TextTokenizer tokenizer, int[] tokens) {
        int[] out = new int[tokens.length + 2];
        out[0] = tokenizer.clsId();
        System.arraycopy(tokens, 0, out, 1, tokens.length);
        out[out.length - 1] = tokenizer.sepId();
        return out;
    }

    /** {@code [CLS] tokens [SEP]} of every text. */
    public static int[][] wrapAll(TextTokenizer tokenizer, java.util.List<String> texts) {
        int[][] seqs = new int[texts.size()][];
        for (int i = 0; i < seqs.length; i++) {
            seqs[i] = wrap(tokenizer, tokenizer.tokenize(texts.get(i)));
        }
        return seqs;
    }

    /** Right-pads sequences to the longest one. */
    public static Batch pad(int[][] seqs) {
        int t = 0;
        for (int[] s : seqs) {
            t = Math.max(t, s.length);
        }
        return pad(seqs, t);
    }

    /**
     * Right-pads sequences to exactly {@code tokens} positions.
     *
     * @throws IllegalArgumentException when a sequence is longer, naming its index and length
     */
    public static Batch pad(int[][] seqs, int tokens) {
        if (seqs.length == 0) {
            throw new IllegalArgumentException("No sequences to encode");
        }
        for (int i = 0; i < seqs.length; i++) {
            if (seqs[i].length > tokens) {
                throw new IllegalArgumentException("sequence " + i + " has " + seqs[i].length
                        + " tokens with [CLS]/[SEP], more than the " + tokens + " positions allowed");
            }
        }
        return new Batch(seqs, tokens);
    }

    /** A right-padded batch of {@code n} sequences of {@code tokens} positions. */
    public static final class Batch {
        private final int[][] seqs;
        private final int tokens;

        Batch(int[][] seqs, int tokens) {
            this.seqs = seqs;
            this.tokens = tokens;
        }

        public int tokens() {
            return tokens;
        }

        /** Ids, row-major {@code [n*T]} (INT), padding and context slots 0. */
        public INDArray flatIds() {
            int[] flat = new int[seqs.length * tokens];
            for (int i = 0; i < seqs.length; i++) {
                for (int j = 0; j < seqs[i].length; j++) {
                    flat[i * tokens + j] = Math.max(0, seqs[i][j]);
                }
            }
            return Nd4j.createFromArray(flat);
        }

        /** One-hot context-slot selection, {@code [n*T, contexts]}: row (i, j) selects vector k at slot -(k+1). */
        INDArray contextSelection(int contexts, DataType type) {
            INDArray s = Nd4j.zeros(type, (long) seqs.length * tokens, contexts);
            for (int i = 0; i < seqs.length; i++) {
                for (int j = 0; j < seqs[i].length; j++) {
                    if (seqs[i][j] < 0) {
                        s.putScalar((long) i * tokens + j, -seqs[i][j] - 1, 1.0);
                    }
                }
            }
            return s;
        }

        /** 1 for real tokens, 0 for padding, {@code [n, T]}. */
        public INDArray mask(DataType type) {
            INDArray m = Nd4j.zeros(type, seqs.length, tokens);
            for (int i = 0; i < seqs.length; i++) {
                for (int j = 0; j < seqs[i].length; j++) {
                    m.putScalar(i, j, 1.0);
                }
            }
            return m;
        }
    }
}
