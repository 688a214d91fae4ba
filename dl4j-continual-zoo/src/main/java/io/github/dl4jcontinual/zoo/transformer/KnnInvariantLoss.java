package io.github.dl4jcontinual.zoo.transformer;

import io.github.dl4jcontinual.nn.PerExampleLoss;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * K-nearest-neighbour invariant distillation — a <b>reconstruction</b> (docs/daformer.md, variant A: relational KL
 * over the neighbourhood); the released DAFormer code does not contain this loss. As a DL4J loss function: the
 * labels are the old (teacher) model's embeddings {@code Z [B, E]} of the minibatch, the pre-output is the new
 * model's embeddings {@code Z' [B, E]} of the same examples over the same (old) task keys; the output activation
 * must be identity.
 *
 * <p>With {@code u_i = z_i/||z_i||}, {@code u'_i = z'_i/||z'_i||}, {@code N(i)} the {@code k} nearest other
 * examples of i in the minibatch under the teacher's cosine similarity ({@code min(k, B−1)} of them), and
 * temperature τ:</p>
 * <pre>
 *   p_ij = softmax_{j∈N(i)}(u_i·u_j / τ),    q_ij = softmax_{j∈N(i)}(u'_i·u'_j / τ)
 *   L_i  = w · Σ_{j∈N(i)} p_ij (log p_ij − log q_ij)                (KL(p_i ‖ q_i))
 * </pre>
 * The score is the mean of {@code L_i} over the minibatch (DL4J divides the gradient of {@code Σ_i L_i} by the
 * minibatch size). Gradient: {@code ∂ΣL/∂s_ij = w (q_ij − p_ij)} for {@code s_ij = u'_i·u'_j/τ}, propagated through
 * the dot products and the L2 normalisation. The loss is 0 with zero gradient when teacher and student agree.
 * Neighbourhoods are fixed by the teacher (no gradient flows through their choice).
 */
public class KnnInvariantLoss extends PerExampleLoss {
    private static final long serialVersionUID = 1L;
    private static final double EPS = 1e-12;
    private int k;
    private double temperature;
    private double weight;

    /** For JSON. */
    public KnnInvariantLoss() {
    }

    /**
     * @param k           neighbours per example, ≥ 1
     * @param temperature τ &gt; 0
     * @param weight      factor w on the loss and its gradient, ≥ 0
     */
    public KnnInvariantLoss(int k, double temperature, double weight) {
        if (k < 1) {
            throw new IllegalArgumentException("k should be >= 1 (got: " + k + ")");
        }
        if (!(temperature > 0)) {
            throw new IllegalArgumentException("temperature should be > 0 (got: " + temperature + ")");
        }
        if (!(weight >= 0)) {
            throw new IllegalArgumentException("weight should be >= 0 (got: " + weight + ")");
        }
        this.k = k;
        this.temperature = temperature;
        this.weight = weight;
    }

    /**
     * The teacher's neighbourhoods.
     *
     * @param teacher teacher embeddings [B, E]
     * @return per example, the indices of its min(k, B−1) nearest other examples by cosine similarity
     */
    public int[][] neighbours(INDArray teacher) {
        double[][] sim = normalise(teacher).mmul(normalise(teacher).transpose()).toDoubleMatrix();
        int b = sim.length;
        int kk = Math.min(k, b - 1);
        int[][] nb = new int[b][];
        for (int i = 0; i < b; i++) {
            final int row = i;
            nb[i] = java.util.stream.IntStream.range(0, b).filter(j -> j != row).boxed()
                    .sorted((x, y) -> Double.compare(sim[row][y], sim[row][x])).limit(kk)
                    .mapToInt(Integer::intValue).toArray();
        }
        return nb;
    }

    private static INDArray normalise(INDArray z) {
        INDArray norms = z.norm2(true, 1).addi(EPS);
        return z.divColumnVector(norms);
    }

    /** {score per example [B,1], gradient [B,E]} */
    private INDArray[] compute(INDArray labels, INDArray preOutput, IActivation fn) {
        if (fn != null && !(fn instanceof ActivationIdentity)) {
            throw new IllegalStateException("KnnInvariantLoss needs raw embeddings: the output activation should be "
                    + "identity (got: " + fn + ")");
        }
        if (!Arrays.equals(labels.shape(), preOutput.shape())) {
            throw new IllegalArgumentException("teacher embeddings " + Arrays.toString(labels.shape())
                    + " and student embeddings " + Arrays.toString(preOutput.shape()) + " should have the same shape");
        }
        int b = (int) preOutput.size(0);
        INDArray score = Nd4j.zeros(preOutput.dataType(), b, 1);
        INDArray grad = Nd4j.zeros(preOutput.dataType(), preOutput.shape());
        if (b < 2 || weight == 0) {
            return new INDArray[]{score, grad};
        }
        int[][] nb = neighbours(labels);
        INDArray u = normalise(labels);
        INDArray norms = preOutput.norm2(true, 1).addi(EPS);
        INDArray us = preOutput.divColumnVector(norms);
        double[][] t = u.mmul(u.transpose()).toDoubleMatrix();
        double[][] s = us.mmul(us.transpose()).toDoubleMatrix();
        double[][] g = new double[b][b];
        double[] sc = new double[b];
        for (int i = 0; i < b; i++) {
            int[] n = nb[i];
            double[] p = softmax(t[i], n);
            double[] q = softmax(s[i], n);
            for (int a = 0; a < n.length; a++) {
                sc[i] += p[a] * (Math.log(Math.max(p[a], 1e-300)) - Math.log(Math.max(q[a], 1e-300)));
                g[i][n[a]] = weight * (q[a] - p[a]) / temperature;
            }
            sc[i] *= weight;
        }
        INDArray gm = Nd4j.createFromArray(g).castTo(preOutput.dataType());
        INDArray du = gm.add(gm.transpose()).mmul(us);                 // ∂ΣL/∂u'
        INDArray radial = du.mul(us).sum(true, 1);                      // (g·u') per row
        grad.assign(du.sub(us.mulColumnVector(radial)).divColumnVector(norms));
        score.assign(Nd4j.createFromArray(sc).castTo(preOutput.dataType()).reshape(b, 1));
        return new INDArray[]{score, grad};
    }

    private double[] softmax(double[] row, int[] idx) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j : idx) {
            max = Math.max(max, row[j] / temperature);
        }
        double[] e = new double[idx.length];
        double sum = 0;
        for (int a = 0; a < idx.length; a++) {
            e[a] = Math.exp(row[idx[a]] / temperature - max);
            sum += e[a];
        }
        for (int a = 0; a < idx.length; a++) {
            e[a] /= sum;
        }
        return e;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return compute(labels, preOutput, activationFn)[0];
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        return compute(labels, preOutput, activationFn)[1];
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                          IActivation activationFn, INDArray mask, boolean average) {
        INDArray[] r = compute(labels, preOutput, activationFn);
        return new Pair<>(total(r[0], labels.rows(), average), r[1]);
    }

    @Override
    public String name() {
        return "KnnInvariantLoss(k=" + k + ",T=" + temperature + ",w=" + weight + ")";
    }

    /** @return neighbours per example */
    public int getK() { return k; }

    /** @return the temperature τ */
    public double getTemperature() { return temperature; }

    /** @return the weight w */
    public double getWeight() { return weight; }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof KnnInvariantLoss)) {
            return false;
        }
        KnnInvariantLoss l = (KnnInvariantLoss) o;
        return k == l.k && Double.compare(temperature, l.temperature) == 0 && Double.compare(weight, l.weight) == 0;
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(k, temperature, weight);
    }

    @Override
    public String toString() {
        return name();
    }
}
