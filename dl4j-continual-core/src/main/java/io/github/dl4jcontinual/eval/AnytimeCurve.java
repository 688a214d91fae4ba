package io.github.dl4jcontinual.eval;

import java.util.Arrays;

/**
 * Anytime evaluation of a run (Koh et al., ICLR 2022): after every {@code k} training examples of the stream the
 * test stream is scored on the classes seen so far; point {@code i} is the number of training examples seen and
 * that accuracy (in [0, 1]; NaN when no seen class has a test example). The area under the curve,
 * {@link #areaUnderCurve()}, is {@code A_AUC = Σ_i f(n_i)·(n_i − n_{i−1}) / n_last}: with points every Δn examples,
 * Koh et al.'s {@code Σ f(i·Δn)·Δn} divided by the examples seen, so that it is an accuracy (the mean of the points
 * when they are equally spaced). Immutable; round-trips through JSON.
 */
public final class AnytimeCurve {
    private long[] examples;
    private double[] accuracy;

    private AnytimeCurve() {
        // for Jackson
    }

    /**
     * @param examples training examples seen at each point, strictly increasing, &gt; 0; copied
     * @param accuracy the accuracy on the classes seen so far at each point, in [0, 1] or NaN; copied
     * @throws IllegalArgumentException if the lengths differ, the counts do not increase or an accuracy is out of
     *                                  range
     */
    public AnytimeCurve(long[] examples, double[] accuracy) {
        if (examples.length != accuracy.length) {
            throw new IllegalArgumentException("An anytime curve needs one accuracy per point: " + examples.length
                    + " example counts but " + accuracy.length + " accuracies");
        }
        for (int i = 0; i < examples.length; i++) {
            if (examples[i] <= (i == 0 ? 0 : examples[i - 1])) {
                throw new IllegalArgumentException("The example counts of an anytime curve should be > 0 and strictly "
                        + "increasing (got " + Arrays.toString(examples) + ")");
            }
            if (!Double.isNaN(accuracy[i]) && !(accuracy[i] >= 0 && accuracy[i] <= 1)) {
                throw new IllegalArgumentException("Anytime accuracy " + accuracy[i] + " at point " + i
                        + " is outside [0, 1]");
            }
        }
        this.examples = examples.clone();
        this.accuracy = accuracy.clone();
    }

    /** @return the number of points */
    public int size() {
        return examples.length;
    }

    /** @return the training examples seen at each point (a copy) */
    public long[] examples() {
        return examples.clone();
    }

    /** @return the accuracy on the classes seen so far at each point (a copy) */
    public double[] accuracy() {
        return accuracy.clone();
    }

    /**
     * @return {@code A_AUC}, the area under the accuracy curve per training example (see the class comment), over
     *         the points whose accuracy is defined; NaN without any
     */
    public double areaUnderCurve() {
        double area = 0;
        long width = 0;
        for (int i = 0; i < examples.length; i++) {
            long dn = examples[i] - (i == 0 ? 0 : examples[i - 1]);
            if (!Double.isNaN(accuracy[i])) {
                area += accuracy[i] * dn;
                width += dn;
            }
        }
        return width == 0 ? Double.NaN : area / width;
    }

    /** @return CSV lines {@code examples,accuracy} */
    public String toCsv() {
        StringBuilder sb = new StringBuilder("examples,accuracy\n");
        for (int i = 0; i < examples.length; i++) {
            sb.append(examples[i]).append(',').append(Double.isNaN(accuracy[i]) ? "NaN"
                    : String.format(java.util.Locale.ROOT, "%.6f", accuracy[i])).append('\n');
        }
        return sb.toString();
    }
}
