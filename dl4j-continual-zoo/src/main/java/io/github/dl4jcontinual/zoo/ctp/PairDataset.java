package io.github.dl4jcontinual.zoo.ctp;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Image–caption pairs with a domain id per pair: images as rows of a float matrix {@code [n, pixels]} (grey, in
 * [0, 1], row-major {@code height × width}), one caption string per image. Immutable: the image matrix is a
 * detached copy and is never modified.
 */
public final class PairDataset {
    private final INDArray images;
    private final List<String> captions;
    private final int[] domains;

    /**
     * @param images   [n, pixels] (copied)
     * @param captions n non-blank captions
     * @param domains  n domain ids ≥ 0
     */
    public PairDataset(INDArray images, List<String> captions, int[] domains) {
        if (images.rank() != 2) {
            throw new IllegalArgumentException("images should be [n, pixels] (got rank " + images.rank() + ")");
        }
        int n = (int) images.size(0);
        if (captions.size() != n || domains.length != n) {
            throw new IllegalArgumentException("need one caption and one domain per image: " + n + " images, "
                    + captions.size() + " captions, " + domains.length + " domains");
        }
        for (int i = 0; i < n; i++) {
            if (captions.get(i) == null || captions.get(i).isBlank()) {
                throw new IllegalArgumentException("caption " + i + " is blank");
            }
            if (domains[i] < 0) {
                throw new IllegalArgumentException("domain of pair " + i + " should be >= 0 (got: " + domains[i] + ")");
            }
        }
        this.images = images.dup();
        this.captions = Collections.unmodifiableList(new ArrayList<>(captions));
        this.domains = domains.clone();
    }

    /** @return number of pairs */
    public int size() {
        return captions.size();
    }

    /** @return the images [n, pixels] (shared, read only) */
    public INDArray images() {
        return images;
    }

    /** @return the captions */
    public List<String> captions() {
        return captions;
    }

    /** @return the domain of pair i */
    public int domain(int i) {
        return domains[i];
    }

    /** @return the pairs at the given indices, in that order */
    public PairDataset subset(int[] idx) {
        List<String> c = new ArrayList<>(idx.length);
        int[] d = new int[idx.length];
        for (int i = 0; i < idx.length; i++) {
            c.add(captions.get(idx[i]));
            d[i] = domains[idx[i]];
        }
        return new PairDataset(idx.length == 0 ? Nd4j.create(images.dataType(), 0, images.size(1))
                : images.getRows(idx), c, d);
    }

    /** @return this dataset's pairs followed by {@code other}'s (same pixel count) */
    public PairDataset concat(PairDataset other) {
        if (other.images.size(1) != images.size(1)) {
            throw new IllegalArgumentException("cannot join datasets of " + images.size(1) + " and "
                    + other.images.size(1) + " pixels");
        }
        if (other.size() == 0) {
            return this;
        }
        if (size() == 0) {
            return other;
        }
        List<String> c = new ArrayList<>(captions);
        c.addAll(other.captions);
        int[] d = new int[size() + other.size()];
        System.arraycopy(domains, 0, d, 0, size());
        System.arraycopy(other.domains, 0, d, size(), other.size());
        return new PairDataset(Nd4j.vstack(images, other.images), c, d);
    }
}
