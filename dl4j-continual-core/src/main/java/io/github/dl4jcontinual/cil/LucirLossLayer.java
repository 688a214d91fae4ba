package io.github.dl4jcontinual.cil;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Objects;

/**
 * LUCIR's two extra losses as the loss of a {@link CosineOutputLayer} (same parameters, so it can replace the
 * layer in a twin network that shares the model's parameters; see {@link LucirListener}). The labels are the
 * concatenation {@code [y (nOut) | f̄_old (nIn) | isOld (1)]}: the one-hot labels, the previous model's normalised
 * features of the example and 1 for examples of old classes. The loss, summed over the minibatch, is
 * <pre>
 *   λ · Σ_i (1 − f̄_i · f̄_old,i)                                                  (less-forget constraint)
 * + w · Σ_{i old} Σ_{k=1..K} max(0, m − cos(f_i, W_{y_i}) + cos(f_i, W_{h_k(i)}))  (margin ranking)
 * </pre>
 * where h_1..h_K are the K new classes (ids in [oldClasses, seenClasses)) with the highest cosine for example i
 * (hard negatives). Not meant for use in a user's network.
 */
public class LucirLossLayer extends CosineOutputLayer {
    private static final long serialVersionUID = 1L;
    private static final double PUSH_DOWN = 10.0;
    private int oldClasses;
    private int seenClasses;
    private double lambda;
    private double margin;
    private int hardNegatives;
    private double rankingWeight;

    /** For JSON and cloning. */
    public LucirLossLayer() {
    }

    /**
     * @param base          the model's cosine layer (nIn, nOut, initial scale are copied)
     * @param oldClasses    number of old classes (ids 0..oldClasses-1)
     * @param seenClasses   number of classes seen so far (new ids oldClasses..seenClasses-1)
     * @param lambda        weight λ of the less-forget constraint
     * @param margin        margin m of the ranking loss
     * @param hardNegatives K
     * @param rankingWeight weight of the ranking loss
     */
    LucirLossLayer(CosineOutputLayer base, int oldClasses, int seenClasses, double lambda, double margin,
                   int hardNegatives, double rankingWeight) {
        setNIn(base.getNIn());
        setNOut(base.getNOut());
        setInitialScale(base.getInitialScale());
        setLayerName(base.getLayerName());
        setUpdater(base.getUpdater());
        this.oldClasses = oldClasses;
        this.seenClasses = seenClasses;
        this.lambda = lambda;
        this.margin = margin;
        this.hardNegatives = hardNegatives;
        this.rankingWeight = rankingWeight;
    }

    /** @return number of old classes */
    public int getOldClasses() {
        return oldClasses;
    }

    /** @param v number of old classes */
    public void setOldClasses(int v) {
        this.oldClasses = v;
    }

    /** @return number of classes seen */
    public int getSeenClasses() {
        return seenClasses;
    }

    /** @param v number of classes seen */
    public void setSeenClasses(int v) {
        this.seenClasses = v;
    }

    /** @return λ */
    public double getLambda() {
        return lambda;
    }

    /** @param v λ */
    public void setLambda(double v) {
        this.lambda = v;
    }

    /** @return m */
    public double getMargin() {
        return margin;
    }

    /** @param v m */
    public void setMargin(double v) {
        this.margin = v;
    }

    /** @return K */
    public int getHardNegatives() {
        return hardNegatives;
    }

    /** @param v K */
    public void setHardNegatives(int v) {
        this.hardNegatives = v;
    }

    /** @return the ranking loss weight */
    public double getRankingWeight() {
        return rankingWeight;
    }

    /** @param v the ranking loss weight */
    public void setRankingWeight(double v) {
        this.rankingWeight = v;
    }

    /** {@inheritDoc} */
    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> params) {
        long n = getNOut();
        long d = getNIn();
        SDVariable y = labels.get(SDIndex.all(), SDIndex.interval(0L, n));
        SDVariable fOld = labels.get(SDIndex.all(), SDIndex.interval(n, n + d));
        SDVariable isOld = labels.get(SDIndex.all(), SDIndex.interval(n + d, n + d + 1));
        SDVariable xn = normalise(sd, input, 1);
        SDVariable cos = xn.mmul(normalise(sd, params.get(WEIGHT_KEY), 0));
        // the softmax output keeps the layer's activations (unused by the twin, but defined for inference)
        sd.nn().softmax(OUTPUT_NAME, cos.mul(params.get(SCALE_KEY)), 1);
        // the scale does not enter these losses; a zero term gives it a (zero) gradient, which DL4J requires
        SDVariable lessForget = xn.mul(fOld).sum(true, 1).rsub(1.0).sum().mul(lambda)
                .add(params.get(SCALE_KEY).sum().mul(0.0));
        if (hardNegatives < 1 || seenClasses <= oldClasses || rankingWeight == 0) {
            lessForget.markAsLoss();
            return lessForget;
        }
        double[] push = new double[(int) n];
        for (int c = 0; c < n; c++) {
            push[c] = c >= oldClasses && c < seenClasses ? 0 : -PUSH_DOWN;
        }
        SDVariable pushDown = sd.constant(Nd4j.createFromArray(push).reshape(1, n).castTo(input.dataType()));
        SDVariable gt = cos.mul(y).sum(true, 1);
        SDVariable candidates = cos.add(pushDown);
        SDVariable ranking = null;
        int k = (int) Math.min(hardNegatives, seenClasses - oldClasses);
        for (int i = 0; i < k; i++) {
            SDVariable hard = candidates.max(true, 1);
            SDVariable term = sd.nn().relu(hard.sub(gt).add(margin), 0.0);
            ranking = ranking == null ? term : ranking.add(term);
            if (i + 1 < k) {
                SDVariable isHard = candidates.eq(hard).castTo(input.dataType());
                candidates = candidates.sub(isHard.mul(PUSH_DOWN));
            }
        }
        SDVariable loss = lessForget.add(ranking.mul(isOld).sum().mul(rankingWeight));
        loss.markAsLoss();
        return loss;
    }

    @Override
    public boolean equals(Object o) {
        if (!super.equals(o)) {
            return false;
        }
        LucirLossLayer l = (LucirLossLayer) o;
        return oldClasses == l.oldClasses && seenClasses == l.seenClasses && lambda == l.lambda
                && margin == l.margin && hardNegatives == l.hardNegatives && rankingWeight == l.rankingWeight;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), oldClasses, seenClasses, lambda, margin, hardNegatives, rankingWeight);
    }
}
