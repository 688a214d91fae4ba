package io.github.dl4jcontinual.zoo.ctp;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Synthetic pairs and a hashed text tower for the CTP tests (mechanics only, no accuracy claims). */
final class CtpTestData {
    private CtpTestData() {
    }

    /** Deterministic stand-in for the frozen text tower: a fixed random vector per caption. */
    static final class HashedText implements TextFeatures {
        private final int dim;

        HashedText(int dim) {
            this.dim = dim;
        }

        @Override
        public INDArray features(List<String> captions) {
            float[][] rows = new float[captions.size()][dim];
            for (int i = 0; i < rows.length; i++) {
                Random r = new Random(captions.get(i).hashCode());
                for (int j = 0; j < dim; j++) {
                    rows[i][j] = (float) r.nextGaussian();
                }
            }
            return Nd4j.createFromArray(rows);
        }

        @Override
        public int dim() {
            return dim;
        }
    }

    static PairStream synthetic() {
        Random r = new Random(3);
        List<PairDataset> tr = new ArrayList<>();
        List<PairDataset> te = new ArrayList<>();
        for (int d = 0; d < 2; d++) {
            for (List<PairDataset> target : List.of(tr, te)) {
                int n = target == tr ? 24 : 8;
                List<String> caps = new ArrayList<>();
                float[][] img = new float[n][16];
                for (int i = 0; i < n; i++) {
                    int c = i % 4;
                    caps.add("domain " + d + " thing " + c);
                    for (int p = 0; p < 16; p++) {
                        img[i][p] = (p % 4 == c ? 1f : 0f) + 0.1f * r.nextFloat();
                    }
                }
                target.add(new PairDataset(Nd4j.createFromArray(img), caps, new int[n]));
            }
        }
        return new PairStream(List.of("a", "b"), tr, te);
    }
}
