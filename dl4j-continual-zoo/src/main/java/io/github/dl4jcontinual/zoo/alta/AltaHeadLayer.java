package io.github.dl4jcontinual.zoo.alta;

import io.github.dl4jcontinual.model.ExpandableOutputLayer;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.samediff.SDLayerParams;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffOutputLayer;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * ALTA's logit head as a DL4J output layer (a {@link SameDiffOutputLayer}), what {@link AltaPlugin} puts in place of
 * the user's classification output. Input: the user's features h {@code [n, nIn]}; output: the logits of all K
 * classes {@code [n, K]} (identity activation, so the trainer's argmax reads them directly).
 *
 * <p>Parameters: the optional projection {@code P [nIn, D]}, {@code Pb [1, D]} into the text space
 * (f1 = h·P + Pb, or f1 = h when {@code nIn == D} and no projection is asked for); the image adapter
 * {@code W1 [D, r]}, {@code b1}, {@code W2 [r, D]}, {@code b2} (f2 = relu(f1 W1 + b1) W2 + b2); the text
 * embeddings {@value #HAND_TEXT} {@code [D, K]} (w1, the hand prompts) and {@value #LEARNED_TEXT} {@code [D, K]}
 * (w2, the learned prompts), one column per class. The text columns are parameters so that DL4J computes their
 * gradient and checkpoints them, but they have a {@link NoOp} updater and no regularisation: the plugin writes them
 * (w2 from the prompted text tower after every step) and zeroes their gradient. Logits per {@link AltaHead}, with
 * every cosine scaled by s and norms {@code sqrt(Σx² + 1e-12)}.</p>
 *
 * <p>Loss (summed over the minibatch, as DL4J expects of output layers): the labels are {@code [n, 2K + 2]}:
 * one-hot y, the stored logits z̃, a and b; per row {@code a·CE(z, y) + b·mean_K (z − z̃)²}. The plugin builds
 * those labels (a = n/|B| and b = 0 for new rows, a = α·n/|R| and b = β·n/|R| for replayed ones), so that DL4J's
 * division by n gives CE over B + α·CE over R + β·MSE over R.</p>
 *
 * <p>Parameter keys have no underscore: DL4J's updater splits gradient keys at the last one.</p>
 */
public class AltaHeadLayer extends SameDiffOutputLayer implements ExpandableOutputLayer {
    private static final long serialVersionUID = 1L;
    /** Projection weight key. */
    public static final String PROJECTION = "altaP";
    /** Projection bias key. */
    public static final String PROJECTION_BIAS = "altaPb";
    /** Adapter keys. */
    public static final String W1 = "altaW1";
    public static final String B1 = "altab1";
    public static final String W2 = "altaW2";
    public static final String B2 = "altab2";
    /** Hand-prompt text embeddings w1 {@code [D, K]}. */
    public static final String HAND_TEXT = "altaT1";
    /** Learned-prompt text embeddings w2 {@code [D, K]}. */
    public static final String LEARNED_TEXT = "altaT2";
    /** Name of the logits variable (the layer's activations). */
    public static final String LOGITS = "alta_logits";
    private static final double EPS = 1e-12;

    private AltaHead head = AltaHead.ALTA;
    private long nIn;
    private long nOut;
    private long textWidth;
    private boolean projection;
    private int bottleneck;
    private double scale = 30;
    private double weightDecay;

    /** For JSON. */
    public AltaHeadLayer() {
    }

    /**
     * @param head        the logit head
     * @param nIn         width of the features h
     * @param nOut        number of classes K
     * @param textWidth   D, the text embeddings' width
     * @param projection  whether h is projected into the text space (else nIn must be D)
     * @param bottleneck  the adapter's width r
     * @param scale       s
     * @param updater     the updater of the trained parameters (the text columns get NoOp)
     * @param weightDecay L2 coefficient (PyTorch SGD's weight decay) of the trained parameters, 0 for none
     */
    public AltaHeadLayer(AltaHead head, long nIn, long nOut, long textWidth, boolean projection, int bottleneck,
                         double scale, IUpdater updater, double weightDecay) {
        if (!projection && nIn != textWidth) {
            throw new IllegalArgumentException("Without a projection the features must have the text width " + textWidth
                    + " (got nIn " + nIn + ")");
        }
        this.head = Objects.requireNonNull(head, "head");
        this.nIn = nIn;
        this.nOut = nOut;
        this.textWidth = textWidth;
        this.projection = projection;
        this.bottleneck = bottleneck;
        this.scale = scale;
        this.weightDecay = weightDecay;
        setUpdater(Objects.requireNonNull(updater, "updater"));
        setBiasUpdater(updater);
    }

    @Override
    public void defineParameters(SDLayerParams params) {
        if (projection) {
            params.addWeightParam(PROJECTION, nIn, textWidth);
            params.addBiasParam(PROJECTION_BIAS, 1, textWidth);
        }
        if (head.usesAdapter()) {
            params.addWeightParam(W1, textWidth, bottleneck);
            params.addBiasParam(B1, 1, bottleneck);
            params.addWeightParam(W2, bottleneck, textWidth);
            params.addBiasParam(B2, 1, textWidth);
        }
        if (head != AltaHead.SPROMPT && head != AltaHead.CPROMPT) {
            params.addWeightParam(HAND_TEXT, textWidth, nOut);
        }
        if (head.usesPrompt()) {
            params.addWeightParam(LEARNED_TEXT, textWidth, nOut);
        }
    }

    /** PyTorch {@code Linear} initialisation U(−1/√fanIn, 1/√fanIn) with ND4J's generator; text columns zero. */
    @Override
    public void initializeParameters(Map<String, INDArray> params) {
        for (String k : getLayerParams().getParameterKeys()) {
            INDArray a = params.get(k);
            if (isText(k)) {
                a.assign(0);
                continue;
            }
            long fanIn = k.equals(PROJECTION) || k.equals(PROJECTION_BIAS) ? nIn
                    : k.equals(W1) || k.equals(B1) ? textWidth : bottleneck;
            double b = 1.0 / Math.sqrt(fanIn);
            a.assign(org.nd4j.linalg.factory.Nd4j.rand(a.dataType(), a.shape()).muli(2 * b).subi(b));
        }
    }

    /** @return whether {@code key} is one of the text columns (written by the plugin, never by an updater) */
    public static boolean isText(String key) {
        return HAND_TEXT.equals(key) || LEARNED_TEXT.equals(key);
    }

    private static SDVariable unitRows(SameDiff sd, SDVariable x) {
        return x.div(sd.math().sqrt(x.mul(x).sum(true, 1).add(EPS)));
    }

    private static SDVariable unitColumns(SameDiff sd, SDVariable x) {
        return x.div(sd.math().sqrt(x.mul(x).sum(true, 0).add(EPS)));
    }

    @Override
    public SDVariable defineLayer(SameDiff sd, SDVariable input, SDVariable labels, Map<String, SDVariable> p) {
        SDVariable f1 = projection ? input.mmul(p.get(PROJECTION)).add(p.get(PROJECTION_BIAS)) : input;
        SDVariable f2 = head.usesAdapter()
                ? sd.nn().relu(f1.mmul(p.get(W1)).add(p.get(B1)), 0).mmul(p.get(W2)).add(p.get(B2)) : null;
        SDVariable hand = p.containsKey(HAND_TEXT) ? unitColumns(sd, p.get(HAND_TEXT)) : null;
        SDVariable learned = p.containsKey(LEARNED_TEXT) ? unitColumns(sd, p.get(LEARNED_TEXT)) : null;
        SDVariable z;
        switch (head) {
            case ALTA:
                z = unitRows(sd, f1).mmul(learned).add(unitRows(sd, f2).mmul(hand));
                break;
            case MLP:
                z = unitRows(sd, f2).mmul(hand);
                break;
            case RESMLP:
                z = unitRows(sd, f1.add(f2)).mmul(hand);
                break;
            default:
                z = unitRows(sd, f1).mmul(learned);
        }
        z = sd.identity(LOGITS, z.mul(scale));
        int k = (int) nOut;
        SDVariable y = labels.get(SDIndex.all(), SDIndex.interval(0, k));
        SDVariable stored = labels.get(SDIndex.all(), SDIndex.interval(k, 2 * k));
        SDVariable a = labels.get(SDIndex.all(), SDIndex.interval(2 * k, 2 * k + 1));
        SDVariable b = labels.get(SDIndex.all(), SDIndex.interval(2 * k + 1, 2 * k + 2));
        SDVariable m = z.max(true, 1);
        SDVariable shifted = z.sub(m);
        SDVariable logSoftmax = shifted.sub(sd.math().log(sd.math().exp(shifted).sum(true, 1)));
        SDVariable ce = y.mul(logSoftmax).sum(true, 1).neg();
        SDVariable d = z.sub(stored);
        SDVariable mse = d.mul(d).mean(true, 1);
        SDVariable loss = a.mul(ce).add(b.mul(mse)).sum();
        loss.markAsLoss();
        return loss;
    }

    @Override
    public String activationsVertexName() {
        return LOGITS;
    }

    @Override
    public IUpdater getUpdaterByParam(String paramName) {
        return isText(paramName) ? new NoOp() : super.getUpdaterByParam(paramName);
    }

    @Override
    public List<Regularization> getRegularizationByParam(String paramName) {
        List<Regularization> r = new ArrayList<>();
        if (!isText(paramName) && weightDecay > 0) {
            r.add(new L2Regularization(weightDecay));
        }
        return r;
    }

    @Override
    public InputType getOutputType(int layerIndex, InputType inputType) {
        return InputType.feedForward(nOut);
    }

    @Override
    public void setNIn(InputType inputType, boolean override) {
        if (nIn <= 0 || override) {
            if (!(inputType instanceof InputType.InputTypeFeedForward)) {
                throw new IllegalArgumentException("AltaHeadLayer '" + getLayerName() + "' needs feed-forward input "
                        + "(got: " + inputType + ")");
            }
            nIn = ((InputType.InputTypeFeedForward) inputType).getSize();
            setLayerParams(null);
        }
    }

    @Override
    public long getNOut() {
        return nOut;
    }

    @Override
    public void setNOut(long nOut) {
        this.nOut = nOut;
        setLayerParams(null);
    }

    @Override
    public List<String> perClassParams() {
        List<String> l = new ArrayList<>();
        if (head != AltaHead.SPROMPT && head != AltaHead.CPROMPT) {
            l.add(HAND_TEXT);
        }
        if (head.usesPrompt()) {
            l.add(LEARNED_TEXT);
        }
        return l;
    }

    public AltaHead getHead() {
        return head;
    }

    public void setHead(AltaHead head) {
        this.head = head;
    }

    public long getNIn() {
        return nIn;
    }

    public void setNIn(long nIn) {
        this.nIn = nIn;
        setLayerParams(null);
    }

    public long getTextWidth() {
        return textWidth;
    }

    public void setTextWidth(long textWidth) {
        this.textWidth = textWidth;
    }

    public boolean isProjection() {
        return projection;
    }

    public void setProjection(boolean projection) {
        this.projection = projection;
    }

    public int getBottleneck() {
        return bottleneck;
    }

    public void setBottleneck(int bottleneck) {
        this.bottleneck = bottleneck;
    }

    public double getScale() {
        return scale;
    }

    public void setScale(double scale) {
        this.scale = scale;
    }

    public double getWeightDecay() {
        return weightDecay;
    }

    public void setWeightDecay(double weightDecay) {
        this.weightDecay = weightDecay;
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof AltaHeadLayer) || !super.equals(o)) {
            return false;
        }
        AltaHeadLayer l = (AltaHeadLayer) o;
        return head == l.head && nIn == l.nIn && nOut == l.nOut && textWidth == l.textWidth
                && projection == l.projection && bottleneck == l.bottleneck && Double.compare(scale, l.scale) == 0
                && Double.compare(weightDecay, l.weightDecay) == 0;
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), head, nIn, nOut, textWidth, projection, bottleneck, scale, weightDecay);
    }

    @Override
    public String toString() {
        return "AltaHeadLayer(head=" + head + ", nIn=" + nIn + ", nOut=" + nOut + ", D=" + textWidth + ", projection="
                + projection + ", r=" + bottleneck + ", s=" + scale + ")";
    }
}
