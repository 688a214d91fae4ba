package io.github.dl4jcontinual.zoo.l2p;

import io.github.dl4jcontinual.data.MappedMultiDataSetIterator;
import io.github.dl4jcontinual.multihead.MultiHeadSoftmaxCrossEntropy;
import io.github.dl4jcontinual.plugin.ContinualContext;
import io.github.dl4jcontinual.plugin.ContinualPlugin;
import io.github.dl4jcontinual.replay.strategy.OutputLossSwap;
import io.github.dl4jcontinual.scenario.Experience;
import io.github.dl4jcontinual.trainer.HeadPolicy;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The runtime of L2P ({@link L2pConfiguration#instantiate()}), one per run of the trainer; not used directly.
 *
 * <p><b>The network</b> ({@code adaptModel} of the first experience, through DL4J's {@code TransferLearning} and
 * {@code ctx.model().replace}): in the user's {@code ComputationGraph} it finds by type the first attention block
 * (DL4J {@code SelfAttentionLayer}, {@code LearnedSelfAttentionLayer}, {@code RecurrentAttentionLayer},
 * {@code AttentionVertex} or the zoo {@code TransformerBlock}; or {@link L2pConfiguration#getAttentionLayer()}),
 * the token sequence it reads, and the first layer after it that pools the sequence ({@code GlobalPoolingLayer},
 * {@code LastTimeStep}, zoo {@code TokenPooling}; or {@link L2pConfiguration#getPoolLayer()}). It then adds
 * <ul>
 *   <li>{@code l2p_query_*}: frozen copies of the path from the attention to the classifier's input, so that the
 *   query {@code q} is the pretrained network's own pooled feature, computed inside the graph without prompts;</li>
 *   <li>{@code l2p_select} ({@link PromptKeySelection}): the keys; it selects the N prompts whose keys are most
 *   cosine-similar to q and outputs the selection and the distance {@code Σ_selected (1 − cos(q, key))};</li>
 *   <li>{@code l2p_prompt_tokens} ({@link PromptTokens}): the prompts, the selected ones as tokens, and
 *   {@code l2p_prompt}, a DL4J {@code MergeVertex} that prepends them to the token sequence, which now feeds
 *   every reader of the original one;</li>
 *   <li>{@code l2p_prompt_pool} ({@link PromptTokenPooling}): the mean of the prompt tokens' outputs where the
 *   sequence was pooled (after the pool's LayerNorm for a zoo {@code TokenPooling}), feeding a new linear
 *   classification output under the user's output name (identity activation, a softmax cross-entropy
 *   {@link MultiHeadSoftmaxCrossEntropy}, Xavier-uniform weights, zero bias, same width);</li>
 *   <li>{@code l2p_pull}: a loss layer with {@link KeyMatchingLoss} (λ · the distance), the key-matching
 *   surrogate, the only term that trains the keys.</li>
 * </ul>
 * Every original layer with parameters is frozen (DL4J {@code FrozenLayer} before the prompts,
 * {@code FrozenLayerWithBackprop} on the prompted path, {@code FrozenVertex} for other vertices), the old pooling
 * and classifier are removed, so only prompts, keys and head train, with the configured updater (default: the
 * classification output's). Training is the network's own {@code fit}; the extra output's labels (zeros) are
 * added to every training minibatch ({@code adaptTrainingData}).</p>
 *
 * <p><b>Train mask</b>: during an experience the head's loss is swapped ({@link OutputLossSwap}) for a softmax
 * over the experience's classes only ({@link L2pConfiguration#isTrainMask()}); evaluation is the trainer's.
 * <b>Prompt-frequency penalty</b> ({@link L2pConfiguration#isFrequencyPenalty()}, the paper's optional
 * diversification, its §4.3): a listener counts every training example's N selections; from the second
 * experience on, the selection layer's frequencies are the normalised counts of the experiences before (set before
 * training, back to 0 after it, so that test-time selection is the plain nearest-key one), and training selects
 * the N prompts of smallest {@code (1 − cos) · h}; ties (e.g. prompts never used, h = 0) go to the nearer key.</p>
 *
 * <p>Requirements: a {@code ComputationGraph} with one output, an output layer with one input as classifier, a
 * FIXED head (one unit per class). Per experience it reports {@code l2p.prompts_used} (prompts selected at least
 * once in training) and {@code l2p.selection_entropy} (of the experience's selection counts, nats). Checkpoints
 * carry the selection counts (the network itself is the trainer's), so a resumed run is bit-identical.</p>
 */
public final class L2pPlugin implements ContinualPlugin {
    private final L2pConfiguration conf;
    private final OutputLossSwap loss = new OutputLossSwap("L2P");
    private long[] history;
    private long[] current;

    L2pPlugin(L2pConfiguration conf) {
        this.conf = conf;
        this.history = new long[conf.getPoolSize()];
        this.current = new long[conf.getPoolSize()];
    }

    @Override
    public void onStreamStart(ContinualContext ctx) {
        if (ctx.configuration().getHeadPolicy() != HeadPolicy.FIXED) {
            throw new IllegalArgumentException("L2P trains one linear head over all classes: it needs "
                    + "HeadPolicy.FIXED (got: " + ctx.configuration().getHeadPolicy() + ")");
        }
        if (!(ctx.model().network() instanceof ComputationGraph)) {
            throw new IllegalArgumentException("L2P inserts a prompt pool into a ComputationGraph with an attention "
                    + "block (DL4J SelfAttentionLayer, LearnedSelfAttentionLayer, AttentionVertex or zoo "
                    + "TransformerBlock); got a " + ctx.model().kind());
        }
        Arrays.fill(history, 0);
        Arrays.fill(current, 0);
    }

    @Override
    public void adaptModel(ContinualContext ctx, Experience experience) {
        ComputationGraph g = (ComputationGraph) ctx.model().network();
        if (!PromptPoolGraph.isPrompted(g)) {
            ctx.model().replace(PromptPoolGraph.build(g, ctx.model().classificationOutputName(), conf,
                    ctx.rng("l2p.init")));
        }
    }

    @Override
    public void beforeExperience(ContinualContext ctx, Experience experience) {
        setFrequencies(ctx, conf.isFrequencyPenalty() ? frequencies() : new double[history.length]);
        int[] headOf = new int[ctx.headSize()];
        if (conf.isTrainMask()) {
            Arrays.fill(headOf, 1);
            for (int c : experience.classArray()) {
                headOf[c] = 0;
            }
        }
        loss.install(ctx.model(), user -> new MultiHeadSoftmaxCrossEntropy(headOf));
        Arrays.fill(current, 0);
    }

    private static ComputationGraph graph(ContinualContext ctx) {
        return (ComputationGraph) ctx.model().network();
    }

    private void setFrequencies(ContinualContext ctx, double[] h) {
        INDArray f = graph(ctx).getVertex(PromptPoolGraph.SELECT).paramTable(false).get(PromptKeySelection.FREQUENCY);
        f.assign(Nd4j.createFromArray(h).reshape(1, h.length).castTo(f.dataType()));
    }

    /**
     * @return the normalised selection frequency of every prompt over the experiences trained so far (sums to 1;
     *         all 0 before the first)
     */
    double[] frequencies() {
        long total = Arrays.stream(history).sum();
        double[] h = new double[history.length];
        for (int i = 0; i < h.length && total > 0; i++) {
            h[i] = (double) history[i] / total;
        }
        return h;
    }

    @Override
    public MultiDataSetIterator adaptTrainingData(ContinualContext ctx, Experience experience,
                                                  MultiDataSetIterator data) {
        int pull = ctx.model().outputNames().indexOf(PromptPoolGraph.PULL);
        int classifier = ctx.model().classificationOutput();
        return new MappedMultiDataSetIterator(data, batch -> withPullLabels(batch, classifier, pull));
    }

    private static MultiDataSet withPullLabels(MultiDataSet batch, int classifier, int pull) {
        INDArray y = batch.getLabels(0);
        INDArray[] labels = new INDArray[2];
        labels[classifier] = y;
        labels[pull] = Nd4j.zeros(y.dataType(), y.size(0), 1);
        INDArray[] masks = batch.getLabelsMaskArrays() == null ? null : new INDArray[2];
        if (masks != null) {
            masks[classifier] = batch.getLabelsMaskArray(0);
        }
        return new org.nd4j.linalg.dataset.MultiDataSet(batch.getFeatures(), labels, batch.getFeaturesMaskArrays(),
                masks);
    }

    @Override
    public List<TrainingListener> listeners(ContinualContext ctx, Experience experience) {
        int n = conf.getTopK();
        int m = conf.getPoolSize();
        return List.of(new BaseTrainingListener() {
            @Override
            public void onForwardPass(Model model, Map<String, INDArray> activations) {
                INDArray sel = activations.get(PromptPoolGraph.SELECT);
                if (sel == null) {
                    return;
                }
                double[] used = sel.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n * m)).reshape(-1, n, m).sum(0, 1)
                        .toDoubleVector();
                for (int i = 0; i < m; i++) {
                    current[i] += Math.round(used[i]);
                }
            }
        });
    }

    @Override
    public void afterExperience(ContinualContext ctx, Experience experience) {
        loss.restore();
        setFrequencies(ctx, new double[history.length]);
        for (int i = 0; i < history.length; i++) {
            history[i] += current[i];
        }
    }

    @Override
    public Map<String, Double> experienceMetrics(ContinualContext ctx, Experience experience) {
        long total = Arrays.stream(current).sum();
        double used = Arrays.stream(current).filter(v -> v > 0).count();
        double entropy = 0;
        for (long v : current) {
            if (v > 0) {
                double p = (double) v / total;
                entropy -= p * Math.log(p);
            }
        }
        return Map.of("l2p.prompts_used", used, "l2p.selection_entropy", entropy);
    }

    /** @return the selection counts of the experiences trained so far (a copy) */
    long[] selectionCounts() {
        return history.clone();
    }

    @Override
    public Serializable saveState() {
        return new long[][]{history.clone(), current.clone()};
    }

    @Override
    public void restoreState(ContinualContext ctx, Serializable state) {
        if (!(state instanceof long[][]) || ((long[][]) state).length != 2
                || ((long[][]) state)[0].length != history.length) {
            throw new IllegalArgumentException("L2P expects its selection counts (long[2][" + history.length
                    + "]) in the checkpoint (got: " + (state == null ? "null" : state.getClass().getName()) + ")");
        }
        history = ((long[][]) state)[0].clone();
        current = ((long[][]) state)[1].clone();
    }
}
